"""Timeliness of tracing (per case and per day) and what the case report shows."""

import datetime

import pytest
from django.utils import timezone

from fangkong.people.services import person_create
from fangkong.tracing import services
from fangkong.tracing.reports import (
    IN_TIME,
    LATE,
    NONE,
    OVERDUE,
    PENDING,
    case_timeliness,
    nearest_rank,
    report_context,
    timeliness_by_day,
)
from fangkong.tracing.tests.conftest import resident_id

H = datetime.timedelta(hours=1)


def _states(steps):
    return {step.key: step.state for step in steps}


def _hours(steps):
    return {step.key: step.hours for step in steps}


def _local_day(days_ago: int, hour: int) -> datetime.datetime:
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _open(person, actor, reported_at):
    return services.case_open(person=person, first_positive_at=reported_at - 2 * H, reported_at=reported_at,
                              source="testing_round", actor=actor, tracer=actor)


def test_nearest_rank_percentiles():
    assert nearest_rank([], 0.5) is None
    assert nearest_rank([7.0], 0.9) == 7.0
    assert nearest_rank([5, 1, 3, 2, 4], 0.5) == 3
    assert nearest_rank([5, 1, 3, 2, 4], 0.9) == 5
    assert nearest_rank(list(range(1, 11)), 0.9) == 9
    assert nearest_rank(list(range(1, 11)), 0.5) == 5


def test_a_new_case_is_pending_and_then_overdue(case_a):
    rules = services.active_rules()
    assert _states(case_timeliness(case_a, rules)) == {"first_contact": PENDING, "core": PENDING,
                                                       "report": PENDING, "contacts": PENDING}
    later = case_a.reported_at + 30 * H
    assert _states(case_timeliness(case_a, rules, now=later)) == {"first_contact": OVERDUE, "core": OVERDUE,
                                                                  "report": OVERDUE, "contacts": OVERDUE}


def test_steps_done_in_time_and_late(people_a, tracer_a):
    rules = services.active_rules()
    reported = timezone.now() - 48 * H
    case = _open(people_a[0], tracer_a, reported)
    services.case_mark(case=case, step="first_contact", at=reported + 1.5 * H, actor=tracer_a)
    services.visit_add(case=case, actor=tracer_a, name="菜市场", start=reported - 30 * H)
    services.case_mark(case=case, step="core", at=reported + 6 * H, actor=tracer_a)
    case.refresh_from_db()
    steps = case_timeliness(case, rules)
    # No close contact was found and the core information is complete: nothing to bring under control.
    assert _states(steps) == {"first_contact": IN_TIME, "core": LATE, "report": OVERDUE, "contacts": NONE}
    assert _hours(steps)["first_contact"] == pytest.approx(1.5)
    assert _hours(steps)["core"] == pytest.approx(6.0)
    deadlines = {step.key: step.deadline_hours for step in steps}
    assert deadlines == {"first_contact": rules.trace_first_contact_hours, "core": rules.trace_core_hours,
                         "report": rules.trace_report_hours, "contacts": 12}


def test_contacts_under_control_counts_from_the_positive_result(case_a, people_a, tracer_a):
    services.contact_add(case=case_a, person=people_a[1], category="close_contact", actor=tracer_a,
                         exposure_at=case_a.reported_at - 5 * H, reason="同住")
    case_a.refresh_from_db()
    contacts = {s.key: s for s in case_timeliness(case_a, services.active_rules())}["contacts"]
    assert case_a.contacts_controlled_at is not None
    assert contacts.state == IN_TIME
    assert contacts.hours == pytest.approx((case_a.contacts_controlled_at - case_a.reported_at).total_seconds()
                                           / 3600)


def test_per_day_median_and_90th_percentile(city, people_a, tracer_a, tracer, person_b):
    """Five cases positive two days ago, first reached after 0.5, 1, 1.5, 3 and 5 hours (deadline 2 h)."""
    household = people_a[0].household
    people = list(people_a[:5])
    offsets = [0.5, 1, 1.5, 3, 5]
    for n, offset in enumerate(offsets):
        case = _open(people[n], tracer_a, _local_day(2, 8) + n * datetime.timedelta(minutes=10))
        services.case_mark(case=case, step="first_contact", at=case.reported_at + offset * H, actor=tracer_a)
    # Yesterday: one case not reached at all; in district B one that tracer_a must not count.
    extra = person_create(name="住户九", id_number=resident_id(9), household=household, actor=None)
    _open(extra, tracer_a, _local_day(1, 9))
    _open(person_b, tracer, _local_day(1, 9))

    rows = timeliness_by_day(tracer_a, days=14)
    assert [row.day for row in rows] == [timezone.localdate() - datetime.timedelta(days=d) for d in (1, 2)]
    yesterday, before = rows
    assert yesterday.cases == 1
    assert yesterday.steps["first_contact"].overdue == 1
    assert yesterday.steps["first_contact"].median is None
    assert before.cases == 5
    first = before.steps["first_contact"]
    assert first.median == pytest.approx(1.5)
    assert first.p90 == pytest.approx(5.0)
    assert (first.in_time, first.late, first.overdue) == (3, 2, 0)
    assert before.steps["core"].overdue == 5
    assert before.steps["core"].median is None

    # The city-wide tracer sees district B's case too.
    assert sum(row.cases for row in timeliness_by_day(tracer, days=14)) == 7
    # Only the last day: nothing positive today.
    assert timeliness_by_day(tracer_a, days=1) == []


def test_report_context_hides_out_of_scope_contacts(case_a, people_a, person_b, tracer_a):
    services.contact_add(case=case_a, person=people_a[1], category="close_contact", actor=tracer_a,
                         exposure_at=case_a.reported_at - 5 * H, reason="同住")
    services.contact_add(case=case_a, person=person_b, category="close_contact", actor=tracer_a,
                         exposure_at=case_a.reported_at - 6 * H, reason="同事")
    services.contact_add(case=case_a, outside={"name": "外地人", "phone": "13912345678", "region": "兰州市"},
                         category="close_contact", actor=tracer_a, exposure_at=case_a.reported_at - 7 * H,
                         reason="同车")
    services.visit_add(case=case_a, actor=tracer_a, name="超市", start=case_a.reported_at - 20 * H)
    services.visit_add(case=case_a, actor=tracer_a, name="公司", start=case_a.reported_at - 30 * H)
    services.exposure_add(case=case_a, actor=tracer_a, kind="unknown", description="来源不明")

    context = report_context(case_a, tracer_a)
    [(category, _label, rows)] = context["contact_groups"]
    assert category == "close_contact"
    by_name = {row.name: row for row in rows if row.visible}
    assert set(by_name) == {people_a[1].name, "外地人"}
    assert by_name["外地人"].is_assist
    [hidden] = [row for row in rows if not row.visible]
    assert hidden.district == "西城区"
    assert hidden.name == "" and hidden.reason == "" and hidden.person_id is None
    assert hidden.status == "controlled"
    assert [entry.title for entry in context["timeline"]] == ["公司", "超市", "来源不明"]
    assert context["id_masked"] != people_a[0].id_number
    assert context["id_masked"].endswith(people_a[0].id_number[-4:])
