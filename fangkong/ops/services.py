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

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import ensure_unit_in_scope
from fangkong.audit.services import audit_record
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


# --- the on-call page: retry now, schedules on and off, run now ------------------------------------------


def _ensure_admin(actor) -> None:
    if actor is not None and not has_capability(actor, "accounts.manage"):
        raise PermissionDenied("accounts.manage")


@transaction.atomic
def jobrun_retry(*, run: JobRun, actor) -> JobRun:
    """Puts a run that failed for good back on the queue with its job and arguments, for a full set of attempts."""
    _ensure_admin(actor)
    if not JobRun.objects.filter(pk=run.pk, status=JobRun.Status.FAILED).update(
        status=JobRun.Status.QUEUED, attempts=0, finished_at=None, next_attempt_at=None, worker_id=""
    ):
        raise ValidationError(_("Only a failed run can be retried; this one is %(status)s.")
                              % {"status": JobRun.objects.get(pk=run.pk).get_status_display()})
    audit_record(actor=actor, obj=run, action="retry", unit_path="",
                 changes={"status": (JobRun.Status.FAILED, JobRun.Status.QUEUED), "error": (run.last_error, None)})
    run.refresh_from_db()
    enqueue_attempt(run)
    run.refresh_from_db()
    return run


@transaction.atomic
def job_retry(*, job: Job, actor) -> Job:
    """Runs a failed user job again with the same function and arguments; its page shows the new run."""
    _ensure_admin(actor)
    if actor is not None and not Job.objects.visible_to(actor, "change").filter(pk=job.pk).exists():
        raise PermissionDenied("not in scope")
    old_error = job.error
    if not Job.objects.filter(pk=job.pk, status=Job.Status.FAILED).update(
        status=Job.Status.QUEUED, error="", result=None, done=0, total=None, cancel_requested=False,
        started_at=None, finished_at=None, worker_id="", restarts=0, updated_at=timezone.now()
    ):
        raise ValidationError(_("Only a failed job can be retried; this one is %(status)s.")
                              % {"status": Job.objects.get(pk=job.pk).get_status_display()})
    audit_record(actor=actor, obj=job, action="retry", unit_path=job.scope_path,
                 changes={"status": (Job.Status.FAILED, Job.Status.QUEUED), "error": (old_error, None)})
    run_job.enqueue(job.pk)
    job.refresh_from_db()
    return job


@transaction.atomic
def schedule_set_enabled(*, schedule: Schedule, enabled: bool, actor) -> Schedule:
    """Turns a schedule off (the scheduler skips it) or on again (it runs at its next time, or now if overdue)."""
    _ensure_admin(actor)
    schedule = Schedule.objects.select_for_update().get(pk=schedule.pk)
    if schedule.enabled == enabled:
        return schedule
    if enabled and schedule.name not in {spec.name for spec in default_schedules()}:
        raise ValidationError(_("The schedule %(name)s is no longer defined; it cannot be turned on.")
                              % {"name": schedule.name})
    schedule.enabled = enabled
    schedule.save(update_fields=["enabled"])
    audit_record(actor=actor, obj=schedule, action="enable" if enabled else "disable", unit_path="",
                 changes={"enabled": (not enabled, enabled)})
    return schedule


@transaction.atomic
def schedule_run_now(*, schedule: Schedule, actor) -> JobRun:
    """One run of a schedule's job now, retried like a scheduled one; its regular times stay as they were."""
    _ensure_admin(actor)
    try:
        resolve_job(schedule.job_path)
    except JobNotFound as exc:
        raise ValidationError(_("The job %(path)s does not exist.") % {"path": schedule.job_path}) from exc
    run = run_with_retry(job_path=schedule.job_path, schedule=schedule)
    audit_record(actor=actor, obj=schedule, action="run", unit_path="", changes={"run": (None, run.pk)})
    return run


# --- pruning --------------------------------------------------------------------------------------------

PRUNE_CHUNK = 1000


def _delete_in_chunks(queryset, chunk: int) -> int:
    deleted = 0
    while True:
        ids = list(queryset.order_by().values_list("pk", flat=True)[:chunk])
        if not ids:
            return deleted
        with transaction.atomic():
            queryset.model.objects.filter(pk__in=ids).delete()
        deleted += len(ids)


def prune_succeeded(*, now: datetime | None = None, chunk: int = PRUNE_CHUNK) -> dict[str, int]:
    """Deletes succeeded job runs, user jobs and queue entries finished more than OPS_KEEP_SUCCEEDED_DAYS ago.

    Failed ones are kept forever: they are what an on-call engineer looks for. Deletes in chunks of
    `chunk` rows, each in its own short transaction, so that the worker and the web keep writing.
    """
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    cutoff = now - timedelta(days=getattr(settings, "OPS_KEEP_SUCCEEDED_DAYS", 7))
    counts = {
        "runs": _delete_in_chunks(JobRun.objects.filter(status=JobRun.Status.SUCCEEDED, finished_at__lt=cutoff),
                                  chunk),
        "jobs": _delete_in_chunks(Job.objects.filter(status=Job.Status.SUCCEEDED, finished_at__lt=cutoff), chunk),
        "queue": _delete_in_chunks(
            DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL, finished_at__lt=cutoff), chunk),
    }
    if any(counts.values()):
        logger.info("pruned succeeded jobs older than %s: %s", cutoff, counts)
    return counts
