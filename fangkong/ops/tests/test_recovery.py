"""A worker that dies (SIGKILL, OOM) leaves its jobs "running": the next live worker puts them back."""

from datetime import timedelta

import pytest
from django.utils import timezone

from fangkong.ops.models import Job, JobRun, WorkerHeartbeat
from fangkong.ops.services import MAX_RESTARTS, jobs_recover

pytestmark = pytest.mark.django_db


def _beat(worker_id: str, seconds_ago: int) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.create(worker_id=worker_id, hostname="h", pid=1, started_at=now - timedelta(hours=1),
                                   seen_at=now - timedelta(seconds=seconds_ago))


def _running_job(worker_id: str, restarts: int = 0) -> Job:
    return Job.objects.create(kind="test", label="count", func_path="fangkong.ops.tests.sample_jobs.count_to",
                              kwargs={"n": 3}, status=Job.Status.RUNNING, worker_id=worker_id, restarts=restarts,
                              done=1, total=3)


def test_a_dead_workers_job_runs_again_and_finishes():
    _beat("dead", seconds_ago=600)
    job = _running_job("dead")

    assert jobs_recover(me="alive") == 1

    job.refresh_from_db()
    # The immediate backend of the tests runs the re-queued job at once.
    assert (job.status, job.restarts, job.done, job.result["message"]) == ("succeeded", 1, 3, "counted to 3")


def test_a_live_workers_job_and_the_callers_own_are_left_alone():
    _beat("busy", seconds_ago=1)
    busy, mine = _running_job("busy"), _running_job("me")

    assert jobs_recover(me="me") == 0
    assert Job.objects.filter(pk__in=[busy.pk, mine.pk], status=Job.Status.RUNNING).count() == 2


def test_a_job_that_keeps_killing_its_worker_fails_with_a_reason():
    job = _running_job("gone", restarts=MAX_RESTARTS)

    jobs_recover(me="alive")

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "stopped" in job.error


def test_a_dead_workers_system_run_is_retried():
    run = JobRun.objects.create(job_path="fangkong.ops.tests.sample_jobs.counted", status=JobRun.Status.RUNNING,
                                attempts=1, max_attempts=3, worker_id="gone")

    jobs_recover(me="alive")

    run.refresh_from_db()
    assert run.status == JobRun.Status.SUCCEEDED and run.attempts == 2
