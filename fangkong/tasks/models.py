from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.roles import Role
from fangkong.accounts.scope import ScopedQuerySet

OPEN_STATUSES = ("open", "accepted")
# Roles outside the territorial chain: a unit's contact, the transport group, a fever clinic sit on a node only to
# be found there; they see the tasks they own, not every task of their community.
OWN_TASKS_ONLY = frozenset({Role.UNIT_CONTACT, Role.TRANSPORT, Role.CLINIC})


class TaskQuerySet(ScopedQuerySet):
    def visible_to(self, user, action: str = "view"):
        rows = super().visible_to(user, action)
        if getattr(user, "role", None) in OWN_TASKS_ONLY:
            rows = rows.filter(owner=user)
        return rows

    def still_open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, now):
        return self.still_open().filter(due_at__lt=now)


class Task(models.Model):
    """A work order: one action the protocol (or a person) demands, until its loop is closed."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACCEPTED = "accepted", _("Accepted")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    class Priority(models.IntegerChoices):
        NORMAL = 0, _("Normal")
        URGENT = 1, _("Urgent")

    kind = models.CharField(_("kind"), max_length=40, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    detail = models.TextField(_("detail"), blank=True)
    # Where the work is: scope, backlog and escalation all follow this node.
    unit = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="tasks",
                             verbose_name=_("jurisdiction node"))
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="tasks", verbose_name=_("person"))
    household = models.ForeignKey("people.Household", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="tasks", verbose_name=_("household"))
    # Subjects owned by later modules (sites, findings, ...): "<app_label>.<model>" and its id.
    subject_type = models.CharField(max_length=60, blank=True)
    subject_id = models.BigIntegerField(null=True, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="owned_tasks", verbose_name=_("owner"))
    owner_role = models.CharField(max_length=20, blank=True)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    due_at = models.DateTimeField(_("due"), db_index=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    outcome = models.CharField(_("outcome"), max_length=30, blank=True)
    outcome_note = models.TextField(_("outcome notes"), blank=True)
    outcome_data = models.JSONField(default=dict, blank=True)
    # Escalation: each time it is overdue past its grace it climbs one level up the tree.
    escalation_level = models.PositiveSmallIntegerField(default=0)
    escalated_to = models.ForeignKey("territory.Unit", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="escalated_tasks")
    escalated_owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="escalated_tasks")
    escalated_at = models.DateTimeField(null=True, blank=True)
    # Set by callers that may run twice (jobs, protocol measures): the same key never makes two tasks.
    dedupe_key = models.CharField(max_length=120, null=True, blank=True, unique=True)

    objects = TaskQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        verbose_name = _("task")
        indexes = [
            models.Index(fields=["owner", "status", "due_at"]),
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["unit", "status"]),
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at is not None and self.due_at < timezone.now()
