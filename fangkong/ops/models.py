from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import ScopedQuerySet
from fangkong.core.paths import PathField, subtree_q


class Schedule(models.Model):
    """A periodic job: every N seconds, or daily at a local time. Rows come from ops.schedules.DEFAULT_SCHEDULES."""

    name = models.SlugField(_("name"), max_length=60, unique=True)
    job_path = models.CharField(_("job"), max_length=200)
    interval_seconds = models.PositiveIntegerField(_("every (seconds)"), null=True, blank=True)
    daily_at = models.TimeField(_("daily at"), null=True, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    next_run_at = models.DateTimeField(_("next run"), db_index=True)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)
    # Set when the job could not be found or enqueued; cleared on the next good run.
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("schedule")
        constraints = [
            models.CheckConstraint(
                condition=Q(interval_seconds__isnull=False, daily_at__isnull=True)
                | Q(interval_seconds__isnull=True, daily_at__isnull=False),
                name="ops_schedule_interval_xor_daily",
            )
        ]

    def __str__(self):
        return self.name


class JobRun(models.Model):
    """One run of a background job with retries: what an admin looks at when something failed for good."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        RETRYING = "retrying", _("Waiting to retry")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    schedule = models.ForeignKey(Schedule, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs")
    job_path = models.CharField(_("job"), max_length=200)
    kwargs = models.JSONField(default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    max_attempts = models.PositiveSmallIntegerField(default=3)
    last_error = models.TextField(_("error"), blank=True)
    traceback = models.TextField(blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # The `fangkong worker` running the attempt ("" outside a worker): a dead worker's runs are recovered.
    worker_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("job run")
        indexes = [models.Index(fields=["status", "id"])]

    def __str__(self):
        return f"{self.job_path} #{self.pk}"


class JobQuerySet(ScopedQuerySet):
    def visible_to(self, user, action: str = "view"):
        """Jobs a user started, and — with "view" — jobs scoped inside their jurisdiction.

        Only the starter or a user with accounts.manage in scope may "change" (cancel) a job.
        System jobs without a scope are visible to accounts.manage only. Ops has no capability of
        its own: seeing a job's progress reveals no more than the page that started it.
        """
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        condition = Q(started_by=user)
        manager = has_capability(user, "accounts.manage")
        if user.scope_path and (action == "view" or manager):
            condition |= subtree_q(self.model.scope_path_lookup, user.scope_path)
        if manager:
            condition |= Q(scope_path="")
        return self.filter(condition)


class Job(models.Model):
    """A long job a user started (import, export, report): its progress, outcome and a way to cancel it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    kind = models.CharField(_("kind"), max_length=40, db_index=True)
    label = models.CharField(_("job"), max_length=200)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("started by"))
    scope_path = PathField(max_length=255, blank=True, db_index=True)
    func_path = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict, blank=True)
    total = models.PositiveBigIntegerField(null=True, blank=True)
    done = models.PositiveBigIntegerField(default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(_("error"), blank=True)
    cancel_requested = models.BooleanField(default=False)
    result = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    worker_id = models.CharField(max_length=64, blank=True)
    # Times the job was put back on the queue because its worker died under it.
    restarts = models.PositiveSmallIntegerField(default=0)

    objects = JobQuerySet.as_manager()
    scope_path_lookup = "scope_path"

    class Meta:
        verbose_name = _("job")
        indexes = [models.Index(fields=["started_by", "id"]), models.Index(fields=["status", "id"])]

    def __str__(self):
        return self.label

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, int(self.done * 100 / self.total))


class WorkerHeartbeat(models.Model):
    """Each `fangkong worker` process refreshes its row every few seconds; /readyz reads the newest."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=200)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return self.worker_id
