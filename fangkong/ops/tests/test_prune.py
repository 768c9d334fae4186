"""Succeeded runs, jobs and queue entries are pruned after OPS_KEEP_SUCCEEDED_DAYS; failed ones stay."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from fangkong.ops.models import Job, JobRun
from fangkong.ops.schedules import default_schedules
from fangkong.ops.services import prune_succeeded, run_with_retry, schedule_sync, scheduler_step

SAMPLE = "fangkong.ops.tests.sample_jobs"


def _run(status, finished_days_ago):
    return JobRun.objects.create(job_path=f"{SAMPLE}.counted", status=status,
                                 finished_at=timezone.now() - timedelta(days=finished_days_ago))


def _job(status, finished_days_ago):
    return Job.objects.create(kind="import", label="Import", func_path=f"{SAMPLE}.count_to", status=status,
                              finished_at=timezone.now() - timedelta(days=finished_days_ago))


def _queued_task(status, finished_days_ago):
    now = timezone.now()
    return DBTaskResult.objects.create(
        id=uuid.uuid4(), status=status, args_kwargs={"args": [1], "kwargs": {}}, task_path="fangkong.ops.jobs.run_job",
        backend_name="default", run_after=now, finished_at=now - timedelta(days=finished_days_ago),
        queue_name="default", priority=0)


@pytest.mark.django_db
def test_old_succeeded_rows_go_and_failed_recent_and_unfinished_ones_stay(settings):
    settings.OPS_KEEP_SUCCEEDED_DAYS = 7
    old_runs = [_run(JobRun.Status.SUCCEEDED, 8) for _ in range(5)]
    kept_runs = [_run(JobRun.Status.SUCCEEDED, 6), _run(JobRun.Status.FAILED, 400),
                 JobRun.objects.create(job_path=f"{SAMPLE}.counted", status=JobRun.Status.RETRYING)]
    old_jobs = [_job(Job.Status.SUCCEEDED, 30) for _ in range(3)]
    kept_jobs = [_job(Job.Status.SUCCEEDED, 1), _job(Job.Status.FAILED, 30),
                 Job.objects.create(kind="import", label="Running", func_path=f"{SAMPLE}.count_to",
                                    status=Job.Status.RUNNING)]
    old_tasks = [_queued_task(TaskResultStatus.SUCCESSFUL, 10) for _ in range(4)]
    kept_tasks = [_queued_task(TaskResultStatus.SUCCESSFUL, 2), _queued_task(TaskResultStatus.FAILED, 10)]

    counts = prune_succeeded(chunk=2)

    assert counts == {"runs": len(old_runs), "jobs": len(old_jobs), "queue": len(old_tasks)}
    assert set(JobRun.objects.values_list("pk", flat=True)) == {run.pk for run in kept_runs}
    assert set(Job.objects.values_list("pk", flat=True)) == {job.pk for job in kept_jobs}
    assert set(DBTaskResult.objects.values_list("pk", flat=True)) == {task.pk for task in kept_tasks}
    assert prune_succeeded() == {"runs": 0, "jobs": 0, "queue": 0}


@pytest.mark.django_db
def test_the_number_of_days_kept_is_a_setting(settings):
    _run(JobRun.Status.SUCCEEDED, 2)
    settings.OPS_KEEP_SUCCEEDED_DAYS = 3
    assert prune_succeeded()["runs"] == 0
    settings.OPS_KEEP_SUCCEEDED_DAYS = 1
    assert prune_succeeded()["runs"] == 1


@pytest.mark.django_db
def test_pruning_is_a_schedule_the_worker_runs_hourly(settings):
    spec = next(spec for spec in default_schedules() if spec.name == "ops-prune-succeeded")
    assert spec.interval_seconds == 3600
    _run(JobRun.Status.SUCCEEDED, 30)
    schedule_sync(specs=[spec])

    assert scheduler_step()

    # The prune run itself succeeded; the 30-day-old run is gone.
    assert list(JobRun.objects.values_list("job_path", "status")) == [(spec.job_path, JobRun.Status.SUCCEEDED)]


@pytest.mark.django_db
def test_a_job_run_through_the_queue_leaves_rows_that_pruning_removes_later(settings):
    run = run_with_retry(job_path=f"{SAMPLE}.counted")
    assert run.status == JobRun.Status.SUCCEEDED
    assert prune_succeeded() == {"runs": 0, "jobs": 0, "queue": 0}

    assert prune_succeeded(now=timezone.now() + timedelta(days=8))["runs"] == 1
    assert not JobRun.objects.exists()
