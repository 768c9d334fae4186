from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.supervision.models.access import SupervisionQuerySet, own_assignment_q, owns_only
from fangkong.supervision.models.checklists import ChecklistItem, Severity, SiteType
from fangkong.supervision.models.inspections import CheckResult, InspectionSite

__all__ = ["Finding", "Assignment", "AssignmentCounter", "Rectification"]


class Finding(models.Model):
    """A failed checklist item: a problem at a site, with its severity."""

    result = models.OneToOneField(CheckResult, on_delete=models.CASCADE, related_name="finding")
    site = models.ForeignKey(InspectionSite, on_delete=models.CASCADE, related_name="findings")
    unit = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("jurisdiction node"))
    site_type = models.CharField(_("site type"), max_length=20, choices=SiteType.choices)
    site_key = models.CharField(max_length=160)
    item = models.ForeignKey(ChecklistItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    problem = models.CharField(_("problem"), max_length=200)
    note = models.TextField(_("note"), blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    # The same item failed at the same site within the repeat window: the earlier finding.
    repeat_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    found_at = models.DateTimeField(_("found"), db_index=True)
    found_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")

    objects = SupervisionQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        verbose_name = _("finding")
        indexes = [models.Index(fields=["site_key", "found_at"])]

    def __str__(self):
        return f"{self.site.name}: {self.problem}"

    @classmethod
    def narrowing(cls, user) -> Q:
        return own_assignment_q(user, "assignment__") if owns_only(user) else Q()


class AssignmentCounter(models.Model):
    """The last number given in a year; locked while a number is drawn, so numbers have no gaps or twins."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


class Assignment(models.Model):
    """交办单: a finding handed over in writing to the unit that answers for it, with a deadline."""

    class Status(models.TextChoices):
        OPEN = "open", _("Being rectified")
        REPORTED = "reported", _("Rectification reported")
        CLOSED = "closed", pgettext_lazy("assignment", "Closed")

    finding = models.OneToOneField(Finding, on_delete=models.PROTECT, related_name="assignment")
    year = models.PositiveSmallIntegerField()
    seq = models.PositiveIntegerField()
    number = models.CharField(_("number"), max_length=40, unique=True)
    # Where the problem is (scope: who may see and rectify it).
    unit = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("jurisdiction node"))
    # The node of the responsibility found on the map (accountability is counted there).
    responsible_unit = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="+",
                                         verbose_name=_("responsible node"))
    responsible_name = models.CharField(_("responsible person"), max_length=50, blank=True)
    # The role of that responsibility (Responsibility.Role): a unit contact's colleagues see what went to the unit.
    responsible_role = models.CharField(max_length=20, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    requirements = models.TextField(_("requirements"))
    due_at = models.DateTimeField(_("deadline"), db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    reopen_count = models.PositiveSmallIntegerField(_("sent back"), default=0)
    # The unit's current rectification task (a new one after each send-back).
    task = models.ForeignKey("tasks.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The inspectors' verification task while a rectification awaits their verdict.
    verify_task = models.ForeignKey("tasks.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    issued_at = models.DateTimeField(_("issued"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    verification_note = models.TextField(_("verification"), blank=True)

    objects = SupervisionQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        verbose_name = _("written assignment")
        constraints = [models.UniqueConstraint(fields=["year", "seq"], name="supervision_assignment_seq_once")]
        indexes = [models.Index(fields=["status", "due_at"]), models.Index(fields=["responsible_unit", "status"])]

    def __str__(self):
        return self.number

    @classmethod
    def narrowing(cls, user) -> Q:
        return own_assignment_q(user) if owns_only(user) else Q()


class Rectification(models.Model):
    """The unit's report of what it did; the inspector's verdict closes the assignment or sends it back."""

    class Verdict(models.TextChoices):
        PENDING = "pending", _("Awaiting verification")
        ACCEPTED = "accepted", _("Verified")
        RETURNED = "returned", _("Sent back")

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="rectifications")
    report = models.TextField(_("what was done"))
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reported_at = models.DateTimeField()
    on_time = models.BooleanField(default=True)
    verdict = models.CharField(_("verdict"), max_length=10, choices=Verdict.choices, default=Verdict.PENDING)
    verdict_note = models.TextField(_("verification note"), blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    verified_at = models.DateTimeField(null=True, blank=True)

    objects = SupervisionQuerySet.as_manager()
    scope_path_lookup = "assignment__unit__path"

    class Meta:
        verbose_name = _("rectification")
        ordering = ["assignment", "reported_at", "pk"]

    def __str__(self):
        return f"{self.assignment.number} {self.reported_at:%Y-%m-%d}"

    @classmethod
    def narrowing(cls, user) -> Q:
        return own_assignment_q(user, "assignment__") if owns_only(user) else Q()
