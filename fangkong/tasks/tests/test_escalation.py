import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from fangkong.audit.models import AuditEntry
from fangkong.tasks import services
from fangkong.tasks.jobs import escalate_overdue_job
from fangkong.tasks.models import Task
from fangkong.tasks.selectors import inbox

pytestmark = pytest.mark.django_db

GRACE = timedelta(hours=2)  # household_visit's grace


def overdue_visit(household, *, due_ago=timedelta(hours=3)):
    now = timezone.now()
    task = services.task_create(kind="household_visit", title="", unit=household.unit, household=household,
                                due_at=now - due_ago)
    return task, now


def escalations(task):
    return AuditEntry.objects.filter(object_id=task.pk, content_type__model="task", action="escalate").count()


def test_not_escalated_within_grace(responsibilities, household_a):
    task, now = overdue_visit(household_a, due_ago=timedelta(hours=1))

    assert services.escalate_overdue(now=now) == 0
    task.refresh_from_db()
    assert task.escalation_level == 0 and task.escalated_to is None


def test_overdue_past_grace_climbs_one_level_once(city, responsibilities, household_a, leader_a):
    task, now = overdue_visit(household_a)

    assert services.escalate_overdue(now=now) == 1
    assert services.escalate_overdue(now=now) == 0
    assert services.escalate_next_overdue(now=now) is False

    task.refresh_from_db()
    assert task.escalation_level == 1
    assert task.escalated_to == city.a.grid  # the building's parent
    assert task.escalated_owner == leader_a  # nearest area leader above the grid
    assert task.escalated_at == now
    assert escalations(task) == 1
    assert task in inbox(user=leader_a)


def test_still_overdue_after_another_grace_climbs_again(city, responsibilities, household_a):
    task, now = overdue_visit(household_a)
    services.escalate_overdue(now=now)

    assert services.escalate_overdue(now=now + GRACE - timedelta(minutes=1)) == 0
    assert services.escalate_overdue(now=now + GRACE + timedelta(minutes=1)) == 1

    task.refresh_from_db()
    assert task.escalation_level == 2 and task.escalated_to == city.a.community


def test_escalation_stops_at_the_root(city, responsibilities):
    task = services.task_create(kind="follow_up", title="市级", unit=city.a.district,
                                due_at=timezone.now() - timedelta(days=30))
    later = timezone.now()
    for step in range(5):
        services.escalate_overdue(now=later + step * timedelta(days=1))

    task.refresh_from_db()
    assert task.escalated_to == city.city and task.escalation_level == 1


def test_closed_tasks_never_escalate(responsibilities, household_a, grid_worker_a):
    task, now = overdue_visit(household_a)
    services.task_complete(task=task, outcome="nobody_home", actor=grid_worker_a)
    Task.objects.filter(kind="follow_up").delete()

    assert services.escalate_overdue(now=now) == 0


def test_management_command_and_job(responsibilities, household_a):
    task, _ = overdue_visit(household_a)
    out = StringIO()

    call_command("escalate_overdue", stdout=out)

    assert "1" in out.getvalue()
    task.refresh_from_db()
    assert task.escalation_level == 1
    assert escalate_overdue_job.enqueue().return_value == 0


@pytest.mark.django_db(transaction=True)
def test_two_workers_escalate_a_task_once(city, responsibilities, household_a):
    """Two connections race for the same overdue tasks: each task climbs exactly one level."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL (DATABASE_URL)")
    tasks = [overdue_visit(household_a)[0] for _ in range(5)]
    now = timezone.now()
    barrier = threading.Barrier(2)
    counts, errors = [], []

    def worker():
        try:
            barrier.wait()
            counts.append(services.escalate_overdue(now=now))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert not errors
    assert sum(counts) == 5
    for task in tasks:
        task.refresh_from_db()
        assert task.escalation_level == 1
        assert escalations(task) == 1
