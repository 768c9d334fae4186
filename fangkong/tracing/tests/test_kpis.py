"""Follow-up KPIs (tracing.kpis): hand-built scenarios with known answers, properties of the engine, the figures the
dashboard snapshot keeps, and the re-exposure rule that restarts a contact's period."""

import datetime
from collections import Counter

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from fangkong.protocols.models import Measure
from fangkong.tasks.models import Task
from fangkong.tasks.services import task_create
from fangkong.tracing import services
from fangkong.tracing.kpis import FollowUp, NewCase, day_counts, followup_kpis, merge_followups, share
from fangkong.tracing.models import Contact

D = datetime.date
TZ = timezone.get_default_timezone()


def _at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=TZ)


# --- the engine on a hand-built scenario --------------------------------------------------------------------------


def test_each_indicator_on_a_hand_built_scenario():
    # given: today is 10 December; three follow-ups and three new cases
    now = _at(D(2026, 12, 10))
    followups = [
        FollowUp(1, 101, D(2026, 12, 5), D(2026, 12, 7), True),   # reached every day, ended on the 7th
        FollowUp(1, 102, D(2026, 12, 6), D(2026, 12, 8), True),   # missed the 7th, ended on the 8th
        FollowUp(2, 103, D(2026, 12, 9), D(2026, 12, 12), True),  # still running
    ]
    reached = {101: {D(2026, 12, 5), D(2026, 12, 6), D(2026, 12, 7)}, 102: {D(2026, 12, 6), D(2026, 12, 8)},
               103: {D(2026, 12, 10)}}
    cases = [
        NewCase(1, _at(D(2026, 12, 9), 10), _at(D(2026, 12, 9), 20), known=True),  # reached in 10 h
        NewCase(1, _at(D(2026, 12, 9), 8), None, known=False),                    # 28 h, not reached
        NewCase(2, _at(D(2026, 12, 10), 9), None, known=False),                   # 3 h: not yet decided
    ]
    # when
    out = day_counts(followups=followups, reached=reached, cases=cases, start=D(2026, 12, 1), end=D(2026, 12, 10),
                     now=now)
    # then
    one, two = out[1], out[2]
    assert (one[D(2026, 12, 6)]["due"], one[D(2026, 12, 6)]["reached"]) == (2, 2)
    assert (one[D(2026, 12, 7)]["due"], one[D(2026, 12, 7)]["reached"]) == (2, 1)
    assert (one[D(2026, 12, 8)]["due"], one[D(2026, 12, 8)]["reached"]) == (1, 1)
    assert (one[D(2026, 12, 7)]["ended"], one[D(2026, 12, 7)]["ended_full"]) == (1, 1)
    assert (one[D(2026, 12, 8)]["ended"], one[D(2026, 12, 8)]["ended_full"]) == (1, 0)
    assert (two[D(2026, 12, 9)]["due"], two[D(2026, 12, 9)]["reached"]) == (1, 0)
    assert (two[D(2026, 12, 10)]["due"], two[D(2026, 12, 10)]["reached"]) == (1, 1)
    assert sum(c["ended"] for c in two.values()) == 0
    nine = one[D(2026, 12, 9)]
    assert (nine["cases"], nine["cases_known"], nine["cases_timed"], nine["cases_on_time"]) == (2, 1, 2, 1)
    ten = two[D(2026, 12, 10)]
    assert (ten["cases"], ten["cases_timed"]) == (1, 0)
    assert share(one[D(2026, 12, 7)]["reached"], one[D(2026, 12, 7)]["due"]) == 0.5


def test_a_person_followed_under_two_contacts_is_one_follow_up_on_the_latest_node():
    restarted = [FollowUp(1, 7, D(2026, 12, 1), D(2026, 12, 5), False),   # ended by the re-exposure on the 5th
                 FollowUp(2, 7, D(2026, 12, 5), D(2026, 12, 14), True),
                 FollowUp(3, 7, D(2026, 12, 20), D(2026, 12, 22), True)]  # a later, separate period
    assert merge_followups(restarted) == [FollowUp(2, 7, D(2026, 12, 1), D(2026, 12, 14), True),
                                          FollowUp(3, 7, D(2026, 12, 20), D(2026, 12, 22), True)]


# --- properties ---------------------------------------------------------------------------------------------------

START = D(2026, 11, 1)
PAIRS = (("reached", "due"), ("ended_full", "ended"), ("cases_known", "cases"), ("cases_on_time", "cases_timed"))


def _day(n: int) -> datetime.date:
    return START + datetime.timedelta(days=n)


@st.composite
def scenarios(draw):
    units = st.integers(min_value=1, max_value=4)
    followups = []
    for person in range(draw(st.integers(0, 12))):
        first = draw(st.integers(0, 25))
        last = first + draw(st.integers(0, 12))
        followups.append(FollowUp(draw(units), person, _day(first), _day(last), draw(st.booleans())))
    reached = {f.person_id: {_day(d) for d in draw(st.sets(st.integers(0, 40), max_size=20))} for f in followups}
    cases = []
    for _ in range(draw(st.integers(0, 8))):
        reported = _at(_day(draw(st.integers(0, 29))), draw(st.integers(0, 23)))
        hours = draw(st.one_of(st.none(), st.integers(1, 60)))
        cases.append(NewCase(draw(units), reported, reported + datetime.timedelta(hours=hours) if hours else None,
                             draw(st.booleans())))
    return followups, reached, cases


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_parts_are_bounded_and_nodes_add_up_to_their_parent(scenario):
    followups, reached, cases = scenario
    now = _at(START + datetime.timedelta(days=28))
    kwargs = dict(reached=reached, start=START, end=START + datetime.timedelta(days=28), now=now)
    out = day_counts(followups=merge_followups(followups), cases=cases, **kwargs)
    for by_day in out.values():
        for counter in by_day.values():
            for numerator, denominator in PAIRS:
                assert 0 <= counter[numerator] <= counter[denominator]
                value = share(counter[numerator], counter[denominator])
                assert value is None or 0 <= value <= 1
    # The parent (every unit relabelled as one node) holds exactly the sum of its children, day by day.
    parent = day_counts(followups=[FollowUp(0, f.person_id, f.first_day, f.last_day, f.to_term)
                                   for f in merge_followups(followups)],
                        cases=[NewCase(0, c.reported_at, c.first_contact_at, c.known) for c in cases], **kwargs)
    summed: dict = {}
    for by_day in out.values():
        for day, counter in by_day.items():
            summed.setdefault(day, Counter()).update(counter)
    assert {d: +c for d, c in summed.items() if +c} == {d: +c for d, c in parent.get(0, {}).items() if +c}


# --- from the database: the rows a grid worker and a tracer leave ------------------------------------------------


@pytest.fixture
def followed(case_a, people_a, tracer_a, city):
    """住户3, close contact of case_a, followed from 3 days ago to yesterday: reached by phone 3 days ago and an
    isolation site's health check 2 days ago; yesterday they could not be reached."""
    from fangkong.isolation import services as isolation
    from fangkong.isolation.models import HealthCheck, Room, Stay

    today = timezone.localdate()
    contact = services.contact_add(case=case_a, person=people_a[3], category="close_contact", reason="同桌吃饭",
                                   exposure_at=timezone.now() - datetime.timedelta(hours=20), actor=tracer_a)
    Measure.objects.filter(pk=contact.measure_id).update(day_one=today - datetime.timedelta(days=4),
                                                         started_at=_at(today - datetime.timedelta(days=3), 9),
                                                         ends_on=today - datetime.timedelta(days=1))
    for days_ago, outcome in ((3, "contacted"), (1, "unreachable")):
        task = task_create(kind="first_contact", title="电话联系", unit=city.a.grid, person=people_a[3],
                           due_at=timezone.now(), actor=None)
        Task.objects.filter(pk=task.pk).update(status="done", outcome=outcome,
                                               closed_at=_at(today - datetime.timedelta(days=days_ago), 15))
    site = isolation.site_create(code="KPI-1", name="东城宾馆", unit=city.a.district, address="迎宾路1号", actor=None)
    isolation.rooms_create(site=site, rooms=[{"number": "201", "floor": 2, "kind": "single", "beds": 1}], actor=None)
    stay = Stay.objects.create(person=people_a[3], unit=city.a.building, category="close_contact",
                               room=Room.objects.get(site=site), site=site, status="released",
                               queued_at=timezone.now(), placed_at=timezone.now())
    HealthCheck.objects.create(stay=stay, day=today - datetime.timedelta(days=2), period="morning", temperature=36.5)
    return contact


def test_the_rows_of_the_field_give_the_known_answers(followed, case_a, people_a, tracer_a, city):
    # given: 住户4 was a known contact before their own positive result; case_a was reached just now
    services.contact_add(case=case_a, person=people_a[4], category="close_contact", reason="同住",
                         exposure_at=timezone.now() - datetime.timedelta(hours=20), actor=tracer_a)
    services.case_open(person=people_a[4], first_positive_at=timezone.now() - datetime.timedelta(minutes=30),
                       source="controlled", actor=tracer_a)
    services.case_mark(case=case_a, step="first_contact", actor=tracer_a)
    # when
    out = followup_kpis(now=timezone.now())[city.a.building.pk]
    # then
    today = timezone.localdate()
    day = {n: out[today - datetime.timedelta(days=n)] for n in (3, 2, 1)}
    assert [(day[n]["due"], day[n]["reached"]) for n in (3, 2, 1)] == [(1, 1), (1, 1), (1, 0)]
    assert (day[1]["ended"], day[1]["ended_full"]) == (1, 0)
    cases = sum(out.values(), Counter())
    assert (cases["cases"], cases["cases_known"], cases["cases_timed"], cases["cases_on_time"]) == (2, 1, 1, 1)


def test_a_resident_check_in_counts_as_reached(followed, people_a, city):
    from django.apps import apps

    try:
        checkin = apps.get_model("residents", "CheckIn")
    except LookupError:
        pytest.skip("residents has no check-ins")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    checkin.objects.create(person=people_a[3], day=yesterday, slot="am", temperature=36.6,
                           submitted_at=_at(yesterday, 8))
    out = followup_kpis(now=timezone.now())[city.a.building.pk]
    assert (out[yesterday]["reached"], out[yesterday]["ended_full"]) == (1, 1)


def test_the_snapshot_keeps_both_parts_and_the_nodes_add_up(followed, case_a, city, hq, monkeypatch, settings):
    from fangkong.command.models import NodeFigures
    from fangkong.command.snapshot import snapshot_take

    settings.COMMAND_RAISE_COLLECTOR_ERRORS = True
    monkeypatch.setattr("fangkong.command.snapshot.COLLECTORS", ["fangkong.command.figures.followup.collect"])
    snapshot = snapshot_take()
    rows = {row.unit_id: row for row in NodeFigures.objects.filter(snapshot=snapshot)}
    district = rows[city.a.district.pk].figures
    assert (district["followup.week_due"], district["followup.week_reached"]) == (3, 2)
    assert (district["followup.week_ended"], district.get("followup.week_ended_full", 0)) == (1, 0)
    assert district["followup.week_cases"] == 1
    def followup(figures):  # the city and districts also carry the isolation forecast
        return {k: v for k, v in figures.items() if k.startswith("followup.")}

    assert followup(rows[city.city.pk].figures) == followup(district)  # district B has nothing
    assert followup(rows[city.a.street.pk].figures) == followup(district)
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    assert rows[city.city.pk].series["followup_due"][yesterday] == 1
    assert "followup.week_due" not in rows[city.b.district.pk].figures


def test_the_timeliness_page_shows_the_indicators_from_the_snapshot(client, followed, city, tracer_a, monkeypatch,
                                                                   settings, tracer_b):
    from fangkong.command.snapshot import snapshot_take

    monkeypatch.setattr("fangkong.command.snapshot.COLLECTORS", ["fangkong.command.figures.followup.collect"])
    snapshot_take()
    client.force_login(tracer_a)
    page = client.get(reverse("tracing:timeliness")).content.decode()
    assert 'id="followup-kpis"' in page
    assert 'data-indicator="reached" data-numerator="2" data-denominator="3"' in page
    client.force_login(tracer_b)
    page = client.get(reverse("tracing:timeliness")).content.decode()
    assert 'data-numerator="2"' not in page


# --- re-exposure restarts the period -------------------------------------------------------------------------------


def test_a_later_exposure_to_the_same_case_restarts_the_period(case_a, people_a, tracer_a, client):
    # given: 住户1 exposed two days ago
    first = services.contact_add(case=case_a, person=people_a[1], category="close_contact", reason="同住",
                                 exposure_at=timezone.now() - datetime.timedelta(days=2), actor=tracer_a)
    old = first.measure
    # when: exposed again now
    exposed = timezone.now() - datetime.timedelta(minutes=5)
    again = services.contact_add(case=case_a, person=people_a[1], category="close_contact", reason="同住，再次接触",
                                 exposure_at=exposed, actor=tracer_a)
    new_day_one = timezone.localtime(exposed).date()
    # then: the same contact, a new period from today, the old one ended, one running measure
    assert again.pk == first.pk and Contact.objects.filter(person=people_a[1]).count() == 1
    old.refresh_from_db()
    assert old.status == "ended" and "restarts" in old.ended_reason
    running = Measure.objects.get(person=people_a[1], status="active")
    assert running.pk == again.measure_id and running.day_one == new_day_one
    client.force_login(tracer_a)
    page = client.get(reverse("tracing:case_detail", kwargs={"case_id": case_a.pk})).content.decode()
    assert f'data-restarted="{new_day_one.isoformat()}"' in page


def test_an_exposure_to_another_case_later_than_day_one_restarts_the_period(case_a, people_a, tracer_a):
    services.contact_add(case=case_a, person=people_a[3], category="close_contact", reason="同桌",
                         exposure_at=timezone.now() - datetime.timedelta(days=2), actor=tracer_a)
    second_case = services.case_open(person=people_a[2], first_positive_at=timezone.now() - datetime.timedelta(hours=2),
                                     source="fever_clinic", actor=tracer_a)
    exposed = timezone.now() - datetime.timedelta(minutes=10)
    contact = services.contact_add(case=second_case, person=people_a[3], category="close_contact", reason="同电梯",
                                   exposure_at=exposed, actor=tracer_a)
    measures = Measure.objects.filter(person=people_a[3]).order_by("pk")
    assert [m.status for m in measures] == ["ended", "active"]
    assert contact.measure.day_one == timezone.localtime(exposed).date()
    assert contact.measure.source == services.REEXPOSURE_SOURCE


def test_an_exposure_not_later_than_the_running_day_one_joins_the_running_period(case_a, people_a, tracer_a):
    first = services.contact_add(case=case_a, person=people_a[3], category="close_contact", reason="同桌",
                                 exposure_at=timezone.now() - datetime.timedelta(minutes=30), actor=tracer_a)
    second_case = services.case_open(person=people_a[2], first_positive_at=timezone.now() - datetime.timedelta(hours=2),
                                     source="fever_clinic", actor=tracer_a)
    contact = services.contact_add(case=second_case, person=people_a[3], category="close_contact", reason="同电梯",
                                   exposure_at=timezone.now() - datetime.timedelta(days=1), actor=tracer_a)
    assert contact.measure_id == first.measure_id
    assert Measure.objects.filter(person=people_a[3]).count() == 1


def test_the_same_day_again_is_still_refused(case_a, people_a, tracer_a):
    from django.core.exceptions import ValidationError

    exposed = timezone.now() - datetime.timedelta(minutes=10)
    services.contact_add(case=case_a, person=people_a[1], category="close_contact", reason="同住",
                         exposure_at=exposed, actor=tracer_a)
    with pytest.raises(ValidationError, match="already a contact"):
        services.contact_add(case=case_a, person=people_a[1], category="close_contact", reason="同住",
                             exposure_at=exposed, actor=tracer_a)
    assert Measure.objects.filter(person=people_a[1]).count() == 1


def test_a_restarted_period_is_one_follow_up_from_the_first_classification(case_a, people_a, tracer_a, city):
    first = services.contact_add(case=case_a, person=people_a[1], category="close_contact", reason="同住",
                                 exposure_at=timezone.now() - datetime.timedelta(days=3), actor=tracer_a)
    three_days_ago = timezone.localdate() - datetime.timedelta(days=3)
    Measure.objects.filter(pk=first.measure_id).update(started_at=_at(three_days_ago, 9))
    services.contact_add(case=case_a, person=people_a[1], category="close_contact", reason="同住，再次接触",
                         exposure_at=timezone.now() - datetime.timedelta(minutes=1), actor=tracer_a)
    out = followup_kpis(now=timezone.now())[city.a.building.pk]
    assert [out[three_days_ago + datetime.timedelta(days=n)]["due"] for n in range(4)] == [1, 1, 1, 1]
    assert sum(c["ended"] for c in out.values()) == 0
