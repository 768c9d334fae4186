"""The snapshot job: what a HQ and an officer would read off the dashboard after it ran."""

import datetime

import pytest
from django.utils import timezone

from conftest import make_user
from fangkong.accounts.roles import Role
from fangkong.command import selectors
from fangkong.command.models import NodeFigures, Snapshot
from fangkong.command.snapshot import KEEP_SNAPSHOTS, snapshot_take
from fangkong.people.services import household_create, person_create
from fangkong.tasks.services import task_create
from fangkong.tracing import services as tracing
from fangkong.tracing.tests.conftest import case_a, grid_a, people_a, person_b, reported_at, resident_id, tracer_a

__all__ = ["case_a", "grid_a", "people_a", "person_b", "reported_at", "tracer_a"]


@pytest.fixture
def settings_raise(settings):
    settings.COMMAND_RAISE_COLLECTOR_ERRORS = True
    return settings


def test_people_and_cases_add_up_from_buildings_to_the_city(city, case_a, person_b, settings_raise):
    snapshot = snapshot_take()
    city_row = NodeFigures.objects.get(snapshot=snapshot, unit=city.city)
    a_row = NodeFigures.objects.get(snapshot=snapshot, unit=city.a.district)
    grid_row = NodeFigures.objects.get(snapshot=snapshot, unit=city.a.grid)
    assert city_row.figures["people.persons"] == 7
    assert a_row.figures["people.persons"] == 6
    assert grid_row.figures["people.persons"] == 6
    assert a_row.figures["people.households"] == 2
    assert a_row.figures["cases.total"] == 1 and a_row.figures["cases.today"] == 1
    assert "cases.total" not in NodeFigures.objects.get(snapshot=snapshot, unit=city.b.district).figures
    # The case is confined (home isolation) until it is moved to hospital.
    assert a_row.figures["people.status.home_isolation"] == 1
    onset = case_a.onset_date.isoformat()
    assert city_row.series["onset"] == {onset: 1}
    assert a_row.parent_id == city.city.pk
    assert not snapshot.errors


def test_overdue_tasks_by_kind_on_the_node_they_belong_to(city, grid_worker_a, settings_raise):
    past = timezone.now() - datetime.timedelta(hours=3)
    task_create(kind="follow_up", title="上门", unit=city.a.grid, due_at=past, actor=None)
    task_create(kind="follow_up", title="上门", unit=city.a.grid, due_at=timezone.now() + datetime.timedelta(hours=3),
                actor=None)
    snapshot = snapshot_take()
    street = NodeFigures.objects.get(snapshot=snapshot, unit=city.a.street).figures
    assert street["tasks.open"] == 2 and street["tasks.overdue"] == 1 and street["tasks.overdue.follow_up"] == 1


def test_a_case_already_isolated_when_sampled_counts_as_found_under_control(city, case_a, people_a, tracer_a,
                                                                            settings_raise):
    contact = tracing.contact_add(case=case_a, actor=tracer_a, person=people_a[1], category="close_contact",
                                  exposure_at=case_a.first_positive_at, reason="同住")
    assert contact.person.status != "normal"
    later = timezone.now()
    second = tracing.case_open(person=people_a[1], first_positive_at=later, reported_at=later,
                               source="controlled", actor=tracer_a)
    assert second.under_control and not case_a.under_control
    figures = NodeFigures.objects.get(snapshot=snapshot_take(), unit=city.a.district).figures
    assert figures["cases.controlled"] == 1 and figures["cases.today_controlled"] == 1


def test_officer_reads_only_their_district_and_its_children(city, case_a, officer_a, settings_raise):
    snapshot_take()
    board = selectors.dashboard(user=officer_a, unit=city.a.district)
    assert board.node.unit == city.a.district
    assert [child.unit for child in board.children] == [city.a.street]
    # Asked for the city (the view would 404 first), the selector still returns nothing outside the scope.
    assert selectors.dashboard(user=officer_a, unit=city.city).node is None
    assert all(child.unit != city.b.district for child in selectors.dashboard(user=officer_a, unit=city.city).children)


def test_figures_of_a_module_the_role_may_not_see_are_left_out_not_zero(city, case_a, settings_raise):
    snapshot_take()
    inspector = make_user("inspector", Role.INSPECTOR, city.city)
    # The inspector has no command.view: nothing at all.
    assert selectors.dashboard(user=inspector, unit=city.city).node is None
    hq = make_user("hq2", Role.HQ, city.city)
    node = selectors.dashboard(user=hq, unit=city.city).node
    assert node.get("cases.total") == 1 and node.ratio("testing.sampled", "testing.target") is None


def test_a_failing_collector_leaves_the_other_figures(city, case_a, monkeypatch):
    from fangkong.command import figures

    monkeypatch.setattr(figures, "COLLECTORS", [*figures.COLLECTORS, "fangkong.command.figures.missing.collect"])
    monkeypatch.setattr("fangkong.command.snapshot.COLLECTORS", figures.COLLECTORS)
    snapshot = snapshot_take()
    assert "missing" in snapshot.errors
    assert NodeFigures.objects.get(snapshot=snapshot, unit=city.city).figures["cases.total"] == 1


def test_old_snapshots_are_dropped(city, settings_raise):
    for _ in range(KEEP_SNAPSHOTS + 2):
        snapshot_take()
    assert Snapshot.objects.count() == KEEP_SNAPSHOTS
    assert NodeFigures.objects.values("snapshot").distinct().count() == KEEP_SNAPSHOTS


def test_rt_and_trend_on_the_city_from_a_falling_curve(city, tracer_a, grid_a, settings_raise):
    """A curve of 60 days rising then falling: the city's analysis has an Rt below 1 at the end, says the
    trend is falling, and projects 14 days."""
    today = timezone.localdate()
    household = household_create(unit=city.a.building, number="901", address="东城一社区1号楼901", actor=None)
    counts = [min(d, 30 - d) // 2 + 1 for d in range(30)]
    n = 0
    for offset, count in enumerate(counts):
        day = today - datetime.timedelta(days=len(counts) - offset)
        for _ in range(count):
            n += 1
            person = person_create(name=f"病例{n}", id_number=resident_id(100 + n), household=household, actor=None)
            at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
            tracing.case_open(person=person, first_positive_at=at, reported_at=at + datetime.timedelta(hours=8),
                              source="testing_round", actor=tracer_a, onset_date=day, classification="confirmed")
    analysis = NodeFigures.objects.get(snapshot=snapshot_take(), unit=city.city).analysis
    assert analysis["si"]["source"] == "protocol"
    assert analysis["current_rt"]["mean"] < 1
    assert analysis["trend"]["direction"] == "falling"
    assert len(analysis["projection"]) == 14
