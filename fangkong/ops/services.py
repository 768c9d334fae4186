"""Writes of the ops app: jobs with progress, retried runs, the scheduler, worker heartbeats."""

import logging
import os
import socket
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from fangkong.accounts.scope import ensure_unit_in_scope
from fangkong.ops.jobs import JobNotFound, enqueue_attempt, resolve_job, run_job
from fangkong.ops.models import Job, JobRun, Schedule, WorkerHeartbeat
from fangkong.ops.schedules import ScheduleSpec, default_schedules

logger = logging.getLogger(__name__)


# --- jobs a user starts, with progress -------------------------------------------------------------


def start_job(*, kind: str, label: str, actor, func_path: str, kwargs: dict | None = None, unit=None) -> Job:
    """Queues `func_path(progress=..., **kwargs)` as a background job and returns its Job row.

    The function calls `progress(done, total)` as it goes (ops.progress) and returns a JSON-able
    result. The job is scoped to `unit` if given, else to the actor's scope node; the actor must be
    allowed to see that unit. On the database queue the job row and its queue entry commit together.
    """
    try:
        import_string(func_path)
    except ImportError as exc:
        raise ValidationError(_("Unknown job function: %(path)s") % {"path": func_path}) from exc
    if unit is not None:
        ensure_unit_in_scope(actor, unit, app_label="territory", action="view")
    scope_path = unit.path if unit is not None else (getattr(actor, "scope_path", None) or "")
    with transaction.atomic():
        job = Job.objects.create(kind=kind, label=label[:200], started_by=actor, scope_path=scope_path,
                                 func_path=func_path, kwargs=kwargs or {})
        run_job.enqueue(job.pk)
    job.refresh_from_db()
    return job


@transaction.atomic
def job_cancel(*, job: Job, actor) -> Job:
    """A queued job is cancelled at once; a running one stops at its next progress report."""
    if actor is not None and not Job.objects.visible_to(actor, "change").filter(pk=job.pk).exists():
        raise PermissionDenied("not your job")
    if not Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(
        status=Job.Status.CANCELLED, cancel_requested=True, finished_at=timezone.now()
    ):
        Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(cancel_requested=True)
    job.refresh_from_db()
    return job


# --- retried runs of system jobs ---------------------------------------------------------------------


def run_with_retry(*, job_path: str, kwargs: dict | None = None, max_attempts: int = 3,
                   schedule: Schedule | None = None) -> JobRun:
    """Runs an idempotent job in the background, retried with backoff; a run that fails for good
    stays on /ops/jobs/ with its error."""
    with transaction.atomic():
        run = JobRun.objects.create(job_path=job_path, kwargs=kwargs or {}, max_attempts=max_attempts,
                                    schedule=schedule)
        enqueue_attempt(run)
    run.refresh_from_db()
    return run


# --- the scheduler ----------------------------------------------------------------------------------


def next_run_after(schedule: Schedule | ScheduleSpec, now: datetime) -> datetime:
    if schedule.interval_seconds:
        return now + timedelta(seconds=schedule.interval_seconds)
    local = timezone.localtime(now)
    candidate = datetime.combine(local.date(), schedule.daily_at, tzinfo=local.tzinfo)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), schedule.daily_at, tzinfo=local.tzinfo)
    return candidate


@transaction.atomic
def schedule_sync(*, specs: list[ScheduleSpec] | None = None, now: datetime | None = None) -> None:
    """Makes the Schedule table match the code: creates missing rows, follows changed paths and
    timing, disables rows no longer defined. Keeps `enabled` as an admin set it. Safe to run from
    every worker at start."""
    specs = default_schedules() if specs is None else specs
    now = now or timezone.now()
    for spec in specs:
        first_run = now if spec.interval_seconds else next_run_after(spec, now)
        schedule, created = Schedule.objects.get_or_create(
            name=spec.name,
            defaults=dict(job_path=spec.job_path, interval_seconds=spec.interval_seconds, daily_at=spec.daily_at,
                          next_run_at=first_run),
        )
        if created:
            continue
        timing_changed = (schedule.interval_seconds, schedule.daily_at) != (spec.interval_seconds, spec.daily_at)
        if timing_changed or schedule.job_path != spec.job_path:
            schedule.job_path = spec.job_path
            schedule.interval_seconds = spec.interval_seconds
            schedule.daily_at = spec.daily_at
            if timing_changed:
                schedule.next_run_at = first_run
            schedule.save()
    Schedule.objects.exclude(name__in=[spec.name for spec in specs]).update(enabled=False)


def schedule_claim(schedule: Schedule, *, now: datetime | None = None) -> bool:
    """Enqueues one run of a due schedule, unless another scheduler claimed this run first.

    `schedule` is the row as this scheduler read it; the conditional UPDATE on its old next_run_at
    succeeds for exactly one scheduler, on PostgreSQL and SQLite alike.
    """
    now = now or timezone.now()
    with transaction.atomic():
        won = Schedule.objects.filter(pk=schedule.pk, enabled=True, next_run_at=schedule.next_run_at).update(
            next_run_at=next_run_after(schedule, now), last_run_at=now
        )
        if not won:
            # Nothing got updated: another scheduler got there first.
            return False
        try:
            resolve_job(schedule.job_path)
        except JobNotFound as exc:
            if schedule.last_error != str(exc):
                logger.warning("schedule %s: %s", schedule.name, exc)
            Schedule.objects.filter(pk=schedule.pk).update(last_error=str(exc))
            return False
        run_with_retry(job_path=schedule.job_path, schedule=schedule)
        if schedule.last_error:
            Schedule.objects.filter(pk=schedule.pk).update(last_error="")
    return True


def scheduler_step(*, now: datetime | None = None) -> bool:
    """Claims and enqueues the most overdue due schedule; False when nothing was due."""
    now = now or timezone.now()
    due = Schedule.objects.filter(enabled=True, next_run_at__lte=now).order_by("next_run_at").first()
    if due is None:
        return False
    schedule_claim(due, now=now)
    return True


# --- worker heartbeats ------------------------------------------------------------------------------


def heartbeat_beat(*, worker_id: str, started_at: datetime) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults=dict(hostname=socket.gethostname()[:200], pid=os.getpid(), started_at=started_at, seen_at=now),
    )


def heartbeat_prune(*, older_than: timedelta = timedelta(days=1)) -> int:
    deleted, _counts = WorkerHeartbeat.objects.filter(seen_at__lt=timezone.now() - older_than).delete()
    return deleted


# --- recovery of a dead worker's jobs -----------------------------------------------------------------

MAX_RESTARTS = 3


def _dead_worker_ids(now: datetime, *, me: str) -> set[str]:
    """Workers that ran something and have not beaten for longer than the heartbeat's max age.

    Never the caller itself: a busy SQLite can hold up its own heartbeat, and it knows it is alive."""
    limit = now - timedelta(seconds=settings.OPS_WORKER_HEARTBEAT_MAX_AGE)
    running = set(Job.objects.filter(status=Job.Status.RUNNING).exclude(worker_id="")
                  .values_list("worker_id", flat=True))
    running |= set(JobRun.objects.filter(status=JobRun.Status.RUNNING).exclude(worker_id="")
                   .values_list("worker_id", flat=True))
    alive = set(WorkerHeartbeat.objects.filter(worker_id__in=running, seen_at__gte=limit)
                .values_list("worker_id", flat=True))
    return running - alive - {me}


def jobs_recover(*, me: str, now: datetime | None = None) -> int:
    """Puts back on the queue what a killed worker was running (SIGKILL, power loss, OOM).

    Every job is all-or-nothing or idempotent, so running it again is safe. A job that has already
    killed its worker MAX_RESTARTS times is marked failed rather than tried forever.
    """
    now = now or timezone.now()
    dead = _dead_worker_ids(now, me=me)
    recovered = 0
    for job in Job.objects.filter(status=Job.Status.RUNNING, worker_id__in=dead):
        with transaction.atomic():
            if job.restarts >= MAX_RESTARTS:
                claimed = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, worker_id=job.worker_id).update(
                    status=Job.Status.FAILED, finished_at=now,
                    error=_("The worker running this job stopped %(n)d times; not tried again.") % {"n": job.restarts})
            else:
                claimed = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, worker_id=job.worker_id).update(
                    status=Job.Status.QUEUED, worker_id="", restarts=job.restarts + 1, done=0)
                if claimed:
                    run_job.enqueue(job.pk)
            recovered += claimed
            if claimed:
                logger.warning("job %s: worker %s died; %s", job.pk, job.worker_id,
                               "failed" if job.restarts >= MAX_RESTARTS else "queued again")
    for run in JobRun.objects.filter(status=JobRun.Status.RUNNING, worker_id__in=dead):
        with transaction.atomic():
            again = run.attempts < run.max_attempts
            fields = dict(status=JobRun.Status.RETRYING if again else JobRun.Status.FAILED,
                          last_error=_("The worker running this attempt stopped."), worker_id="")
            if not again:
                fields["finished_at"] = now
            if JobRun.objects.filter(pk=run.pk, status=JobRun.Status.RUNNING, worker_id=run.worker_id).update(**fields):
                recovered += 1
                if again:
                    run.refresh_from_db()
                    enqueue_attempt(run)
    return recovered
