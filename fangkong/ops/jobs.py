"""Background jobs (django-tasks, run by `fangkong worker`). Each takes an id and works from the row."""

import logging
import traceback
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task
from django_tasks.base import Task
from django_tasks.utils import normalize_json

from fangkong.core.logging import scrub
from fangkong.ops.models import Job, JobRun
from fangkong.ops.progress import JobCancelled, JobProgress

logger = logging.getLogger(__name__)

# Set by `fangkong worker` for the jobs it runs, so that a dead worker's jobs can be found and recovered.
current_worker_id = ""


class JobNotFound(Exception):
    pass


def resolve_job(path: str) -> Callable:
    """The function behind a dotted path; a django-tasks Task is called directly, not enqueued again."""
    try:
        target = import_string(path)
    except ImportError as exc:
        raise JobNotFound(f"Job not found: {path}") from exc
    if isinstance(target, Task):
        return target.call
    if not callable(target):
        raise JobNotFound(f"Not a function: {path}")
    return target


def describe_error(exc: BaseException) -> str:
    return scrub(f"{type(exc).__name__}: {exc}")[:2000]


def retry_delay(attempt: int) -> timedelta:
    """Exponential backoff after the n-th failed attempt: base, 2×base, 4×base, … capped at an hour."""
    base = getattr(settings, "OPS_RETRY_BASE_SECONDS", 30)
    return timedelta(seconds=min(base * 2 ** (attempt - 1), 3600))


@task()
def run_job_run(run_id: int) -> str:
    """One attempt of a JobRun; on failure it enqueues the next attempt after a backoff, until max_attempts."""
    now = timezone.now()
    # Claim the attempt: a duplicate delivery of the same run finds nothing to claim.
    claimed = JobRun.objects.filter(pk=run_id, status__in=[JobRun.Status.QUEUED, JobRun.Status.RETRYING]).update(
        status=JobRun.Status.RUNNING, attempts=F("attempts") + 1, started_at=now, next_attempt_at=None,
        worker_id=current_worker_id,
    )
    if not claimed:
        return "skipped"
    run = JobRun.objects.get(pk=run_id)
    try:
        func = resolve_job(run.job_path)
    except JobNotFound as exc:
        _run_failed(run, exc, retry=False)
        return run.status
    try:
        func(**run.kwargs)
    except Exception as exc:
        _run_failed(run, exc, retry=run.attempts < run.max_attempts)
        return run.status
    JobRun.objects.filter(pk=run.pk).update(status=JobRun.Status.SUCCEEDED, finished_at=timezone.now())
    return JobRun.Status.SUCCEEDED


def _run_failed(run: JobRun, exc: Exception, *, retry: bool) -> None:
    run.last_error = describe_error(exc)
    run.traceback = scrub("".join(traceback.format_exception(exc)))[-20000:]
    if retry:
        run.status = JobRun.Status.RETRYING
        run.next_attempt_at = timezone.now() + retry_delay(run.attempts)
        run.save(update_fields=["status", "last_error", "traceback", "next_attempt_at"])
        logger.warning("job %s (run %s) failed, attempt %s of %s: %s", run.job_path, run.pk, run.attempts,
                       run.max_attempts, run.last_error)
        enqueue_attempt(run)
    else:
        run.status = JobRun.Status.FAILED
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "last_error", "traceback", "finished_at"])
        logger.error("job %s (run %s) failed for good after %s attempts: %s", run.job_path, run.pk, run.attempts,
                     run.last_error)


def enqueue_attempt(run: JobRun) -> None:
    task_ = run_job_run
    if run.next_attempt_at and task_.get_backend().supports_defer:
        task_ = task_.using(run_after=run.next_attempt_at)
    # A backend that cannot defer (the immediate one in tests) retries at once.
    task_.enqueue(run.pk)


@task()
def run_job(job_id: int) -> str:
    """Runs a Job's function with a progress callback and records how it ended."""
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED, cancel_requested=False).update(
        status=Job.Status.RUNNING, started_at=timezone.now(), worker_id=current_worker_id
    )
    if not claimed:
        return "skipped"
    job = Job.objects.get(pk=job_id)
    progress = JobProgress(job.pk)
    try:
        func = resolve_job(job.func_path)
        result = func(progress=progress, **job.kwargs)
    except JobCancelled:
        _job_finish(job, progress, status=Job.Status.CANCELLED)
    except Exception as exc:
        logger.exception("job %s (%s) failed", job.pk, job.func_path)
        _job_finish(job, progress, status=Job.Status.FAILED, error=describe_error(exc))
    else:
        try:
            result = normalize_json(result)
        except (TypeError, ValueError):
            result = str(result)
        _job_finish(job, progress, status=Job.Status.SUCCEEDED, result=result)
    return Job.objects.values_list("status", flat=True).get(pk=job_id)


def _job_finish(job: Job, progress: JobProgress, *, status: str, error: str = "", result=None) -> None:
    fields = {"status": status, "error": error, "result": result, "finished_at": timezone.now(), "done": progress.done}
    if progress.total is not None:
        fields["total"] = progress.total
    Job.objects.filter(pk=job.pk).update(**fields)
