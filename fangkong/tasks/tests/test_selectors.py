from datetime import timedelta

import pytest
from django.utils import timezone

from fangkong.accounts.roles import Role
from fangkong.tasks import selectors, services
from fangkong.tasks.models import Task
from fangkong.tasks.selectors import percentile
from fangkong.tasks.tests.conftest import make_household, make_user

pytestmark = pytest.mark.django_db


def test_inbox_shows_only_own_open_tasks_due_first(city, responsibilities, household_a, grid_worker_a,
                                                    grid_worker_b, visit_b):
    now = timezone.now()
    later = services.task_create(kind="household_visit", title="later", unit=household_a.unit,
                                 household=household_a, due_at=now + timedelta(hours=5))
    overdue = services.task_create(kind="household_visit", title="overdue", unit=household_a.unit,
                                   household=household_a, due_at=now - timedelta(hours=1))
    done = services.task_create(kind="follow_up", title="done", unit=city.a.grid)
    services.task_complete(task=done, outcome="resolved", actor=grid_worker_a)
    neighbours = services.task_create(kind="follow_up", title="not mine", unit=city.a.grid,
                                      owner=make_user("grid_a2", Role.GRID_WORKER, city.a.grid))

    mine = list(selectors.inbox(user=grid_worker_a))

    assert mine == [overdue, later]
    assert mine[0].is_overdue and not mine[1].is_overdue
    assert neighbours not in mine and visit_b not in mine
    assert [t.title for t in selectors.inbox_recently_closed(user=grid_worker_a)] == ["done"]


def test_inbox_keyset_pages_follow_due_time(city, responsibilities, grid_worker_a):
    now = timezone.now()
    tasks = [services.task_create(kind="follow_up", title=f"t{i}", unit=city.a.grid,
                                  due_at=now + timedelta(minutes=10 * (i % 3))) for i in range(7)]
    seen, after = [], None
    while True:
        page = selectors.due_keyset_page(selectors.inbox(user=grid_worker_a), after=after, size=3)
        seen += page.items
        if not page.has_next:
            break
        after = page.next_after

    assert len(seen) == 7 and set(seen) == set(tasks)
    assert [t.due_at for t in seen] == sorted(t.due_at for t in seen)


def test_backlog_is_scoped_and_filtered(city, officer_a, hq, grid_worker_a, visit_a, visit_b):
    services.task_cancel(task=visit_a, note="x", actor=officer_a)
    other = services.task_create(kind="follow_up", title="late", unit=city.a.grid,
                                 due_at=timezone.now() - timedelta(hours=1))

    assert set(selectors.backlog(user=officer_a)) == {visit_a, other}
    assert set(selectors.backlog(user=hq)) == {visit_a, other, visit_b}
    assert list(selectors.backlog(user=officer_a, filters={"status": "active"})) == [other]
    assert list(selectors.backlog(user=officer_a, filters={"overdue": True})) == [other]
    assert list(selectors.backlog(user=officer_a, filters={"kind": "household_visit"})) == [visit_a]
    assert list(selectors.backlog(user=hq, unit=city.b.district)) == [visit_b]
    # Grid workers have inboxes, not backlogs.
    assert not selectors.backlog(user=grid_worker_a).exists()


def test_overdue_counts_per_child_in_one_query(city, officer_a, hq, responsibilities, django_assert_num_queries):
    past = timezone.now() - timedelta(hours=1)
    for unit, due in [(city.a.building, past), (city.a.grid, past), (city.a.community, None),
                      (city.a.district, past)]:
        services.task_create(kind="follow_up", title="t", unit=unit, due_at=due)
    services.task_create(kind="follow_up", title="t", unit=city.b.building, due_at=past)
    children = [city.a.street]

    with django_assert_num_queries(1):
        counts = selectors.overdue_counts_by_child(user=officer_a, unit=city.a.district, children=children)

    assert [(c.unit, c.open, c.overdue) for c in counts] == [(None, 1, 1), (city.a.street, 3, 2)]
    city_counts = selectors.overdue_counts_by_child(user=hq, unit=city.city)
    assert [(c.unit, c.open, c.overdue) for c in city_counts] == [(city.a.district, 4, 3), (city.b.district, 1, 1)]


def test_percentile_matches_percentile_cont():
    assert percentile([10, 20, 30, 40], 0.5) == 25
    assert percentile([10, 20, 30, 40], 0.9) == pytest.approx(37)
    assert percentile([5], 0.9) == 5
    assert percentile([], 0.5) is None


def test_timeliness_median_and_p90_on_known_data(city, hq, officer_a, responsibilities):
    base = timezone.now() - timedelta(days=1)
    building_b = city.b.building
    # District A: accepted after 10, 20, 30, 40 minutes, done after 1, 2, 3, 4 hours (the last one late).
    for i, unit in enumerate([city.a.building, city.a.building, city.a.grid, city.a.building]):
        task = services.task_create(kind="follow_up", title=f"a{i}", unit=unit, due_at=base + timedelta(hours=3))
        Task.objects.filter(pk=task.pk).update(
            created_at=base, accepted_at=base + timedelta(minutes=10 * (i + 1)),
            closed_at=base + timedelta(hours=i + 1), status=Task.Status.DONE, outcome="resolved")
    # One still open and never accepted: counted, with no delay.
    open_task = services.task_create(kind="follow_up", title="open", unit=city.a.grid)
    Task.objects.filter(pk=open_task.pk).update(created_at=base)
    # District B: accepted after 2 hours, not done.
    task_b = services.task_create(kind="follow_up", title="b", unit=building_b)
    Task.objects.filter(pk=task_b.pk).update(created_at=base, accepted_at=base + timedelta(hours=2),
                                             status=Task.Status.ACCEPTED)
    since, until = base - timedelta(hours=1), base + timedelta(days=1)

    overall, rows = selectors.timeliness(user=hq, unit=city.city, since=since, until=until)

    assert (overall.total, overall.accepted, overall.done, overall.on_time) == (6, 5, 4, 3)
    district_a, district_b = rows
    assert district_a.unit == city.a.district and district_b.unit == city.b.district
    assert (district_a.total, district_a.accepted, district_a.done) == (5, 4, 4)
    assert district_a.accept_median == timedelta(minutes=25)
    assert district_a.accept_p90 == timedelta(minutes=37)
    assert district_a.done_median == timedelta(hours=2, minutes=30)
    assert district_a.done_p90 == timedelta(hours=3, minutes=42)
    assert district_a.on_time_share == 0.75
    assert district_b.accept_median == timedelta(hours=2) and district_b.done_median is None
    assert overall.accept_median == timedelta(minutes=30)

    # The officer of A sees A only; a window before the tasks sees none.
    own, _ = selectors.timeliness(user=officer_a, unit=city.a.district, since=since, until=until)
    assert own.total == 5
    empty, _ = selectors.timeliness(user=hq, unit=city.city, since=base - timedelta(days=3), until=since)
    assert empty.total == 0 and empty.accept_median is None
    only_visits, _ = selectors.timeliness(user=hq, unit=city.city, since=since, until=until, kind="household_visit")
    assert only_visits.total == 0


def test_large_building_dispatch_stays_in_few_queries(city, responsibilities, officer_a,
                                                      django_assert_max_num_queries):
    households = [make_household(city.a.building, str(n)) for n in range(400, 440)]
    # Per created task one audit row (plus its content type, cached); the owner lookups are per node.
    with django_assert_max_num_queries(40 + 10):
        _, created = services.household_visits_dispatch(households=households, actor=officer_a)
    assert created == 40


def test_a_unit_contact_sees_only_the_tasks_they_own(city):
    from conftest import make_user
    from fangkong.accounts.roles import Role
    from fangkong.tasks.models import Task
    from fangkong.tasks.services import task_create

    contact = make_user("refinery", Role.UNIT_CONTACT, city.a.community)
    mine = task_create(kind="follow_up", title="闭环健康监测", unit=city.a.community, owner=contact, actor=None)
    task_create(kind="follow_up", title="入户走访 1-101", unit=city.a.building, actor=None)
    assert list(Task.objects.visible_to(contact, "view")) == [mine]
