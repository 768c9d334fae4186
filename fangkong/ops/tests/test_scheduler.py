import threading
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from fangkong.ops.models import JobRun, Schedule
from fangkong.ops.schedules import ScheduleSpec
from fangkong.ops.services import next_run_after, schedule_claim, schedule_sync, scheduler_step
from fangkong.ops.tests import sample_jobs

SAMPLE = "fangkong.ops.tests.sample_jobs"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def due_schedule(job_path=f"{SAMPLE}.counted", **extra):
    values = dict(name="count", job_path=job_path, interval_seconds=60,
                  next_run_at=timezone.now() - timedelta(seconds=5))
    values.update(extra)
    return Schedule.objects.create(**values)


@pytest.mark.django_db
def test_worker_start_seeds_the_schedules_once():
    schedule_sync()
    schedule_sync()

    names = set(Schedule.objects.values_list("name", flat=True))
    assert {"escalate-overdue", "dashboard-snapshot", "daily-report", "protocol-reminders"} <= names
    assert Schedule.objects.get(name="escalate-overdue").job_path == "fangkong.tasks.jobs.escalate_overdue_job"
    assert Schedule.objects.count() == len(names)


@pytest.mark.django_db
def test_sync_follows_the_code_and_keeps_an_admins_switch():
    now = timezone.now()
    schedule_sync(specs=[ScheduleSpec("a", f"{SAMPLE}.counted", interval_seconds=60),
                         ScheduleSpec("b", f"{SAMPLE}.counted", interval_seconds=60)], now=now)
    Schedule.objects.filter(name="a").update(enabled=False)

    schedule_sync(specs=[ScheduleSpec("a", f"{SAMPLE}.flaky", interval_seconds=120)], now=now)

    a, b = Schedule.objects.order_by("name")
    assert (a.job_path, a.interval_seconds, a.enabled) == (f"{SAMPLE}.flaky", 120, False)
    assert not b.enabled


def test_daily_schedule_runs_next_at_its_local_time():
    spec = ScheduleSpec("daily", f"{SAMPLE}.counted", daily_at=time(7, 0))

    before = next_run_after(spec, datetime(2022, 4, 1, 6, 30, tzinfo=SHANGHAI))
    after = next_run_after(spec, datetime(2022, 4, 1, 7, 0, tzinfo=SHANGHAI))

    assert before == datetime(2022, 4, 1, 7, 0, tzinfo=SHANGHAI)
    assert after == datetime(2022, 4, 2, 7, 0, tzinfo=SHANGHAI)


@pytest.mark.django_db
def test_due_schedule_is_enqueued_once_when_two_schedulers_race():
    sample_jobs.calls["counted"] = 0
    schedule = due_schedule()
    # Both schedulers read the row before either claims it.
    seen_by_first = Schedule.objects.get(pk=schedule.pk)
    seen_by_second = Schedule.objects.get(pk=schedule.pk)

    first = schedule_claim(seen_by_first)
    second = schedule_claim(seen_by_second)

    assert (first, second) == (True, False)
    assert JobRun.objects.filter(schedule=schedule).count() == 1
    assert sample_jobs.calls["counted"] == 1
    schedule.refresh_from_db()
    assert schedule.next_run_at > timezone.now() + timedelta(seconds=50)
    assert schedule.last_run_at is not None


@pytest.mark.django_db
def test_scheduler_step_runs_due_jobs_and_then_has_nothing_to_do():
    due_schedule()
    due_schedule(name="later", next_run_at=timezone.now() + timedelta(hours=1))
    due_schedule(name="off", enabled=False)

    assert scheduler_step() is True
    assert scheduler_step() is False

    run = JobRun.objects.get()
    assert run.schedule.name == "count"
    assert run.status == JobRun.Status.SUCCEEDED


@pytest.mark.django_db
def test_missing_job_is_reported_not_a_crash():
    schedule = due_schedule(job_path="fangkong.notyet.jobs.refresh")

    assert scheduler_step() is True

    schedule.refresh_from_db()
    assert "Job not found: fangkong.notyet.jobs.refresh" in schedule.last_error
    assert schedule.next_run_at > timezone.now()
    assert not JobRun.objects.exists()


@pytest.mark.django_db
def test_missing_job_shows_on_the_admin_page(admin_client):
    due_schedule(job_path="fangkong.notyet.jobs.refresh")
    scheduler_step()

    page = admin_client.get("/ops/jobs/").content.decode()

    assert "Job not found: fangkong.notyet.jobs.refresh" in page


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two concurrent connections need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_connections_claim_the_same_run_once():
    from django.db import connections

    schedule = due_schedule()
    barrier = threading.Barrier(2)
    results = []

    def scheduler():
        try:
            seen = Schedule.objects.get(pk=schedule.pk)
            barrier.wait(timeout=10)
            results.append(schedule_claim(seen))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results) == [False, True]
    assert JobRun.objects.filter(schedule=schedule).count() == 1


@pytest.mark.django_db
def test_the_escalation_schedule_runs_the_tasks_job():
    pytest.importorskip("fangkong.tasks.jobs")
    schedule_sync()
    Schedule.objects.exclude(name="escalate-overdue").update(enabled=False)

    assert scheduler_step() is True

    run = JobRun.objects.get()
    assert run.job_path == "fangkong.tasks.jobs.escalate_overdue_job"
    assert run.status == JobRun.Status.SUCCEEDED, run.last_error
