"""Reads of the ops app. Jobs start from Job.objects.visible_to; the admin lists need accounts.manage."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import get_visible_or_404
from fangkong.ops.models import Job, JobRun, Schedule, WorkerHeartbeat


def job_get(*, user, job_id: int, action: str = "view") -> Job:
    return get_visible_or_404(Job.objects.select_related("started_by"), user=user, action=action, pk=job_id)


def job_list(*, user, status: str | None = None) -> QuerySet[Job]:
    qs = Job.objects.visible_to(user).select_related("started_by")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-pk")


def _ensure_manager(user) -> None:
    if not has_capability(user, "accounts.manage"):
        raise PermissionDenied("accounts.manage")


def jobrun_failed_list(*, user) -> QuerySet[JobRun]:
    _ensure_manager(user)
    return JobRun.objects.filter(status=JobRun.Status.FAILED).select_related("schedule").order_by("-pk")


def jobrun_pending_list(*, user) -> QuerySet[JobRun]:
    _ensure_manager(user)
    return JobRun.objects.filter(
        status__in=[JobRun.Status.QUEUED, JobRun.Status.RUNNING, JobRun.Status.RETRYING]
    ).order_by("-pk")


def schedule_list(*, user) -> QuerySet[Schedule]:
    _ensure_manager(user)
    return Schedule.objects.order_by("name")


def heartbeat_list(*, user) -> QuerySet[WorkerHeartbeat]:
    _ensure_manager(user)
    return WorkerHeartbeat.objects.order_by("-seen_at")


def jobrun_get(*, user, run_id: int) -> JobRun:
    _ensure_manager(user)
    return get_object_or_404(JobRun, pk=run_id)


def schedule_get(*, user, schedule_id: int) -> Schedule:
    _ensure_manager(user)
    return get_object_or_404(Schedule, pk=schedule_id)
