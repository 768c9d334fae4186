from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangkong.supervision.models.access import (
    SupervisionQuerySet,
    inspection_visible_q,
    on_team_q,
    owns_only,
    site_visible_q,
)
from fangkong.supervision.models.checklists import ChecklistItem, Severity, SiteType

__all__ = ["Inspection", "InspectionSite", "CheckResult", "Photo"]


class Inspection(models.Model):
    """督导检查 / 暗访: a team's visit of a route of sites on one day, within the node it is planned for."""

    class Kind(models.TextChoices):
        PLANNED = "planned", _("Planned inspection")
        UNANNOUNCED = "unannounced", _("Unannounced visit")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        UNDER_WAY = "under_way", _("Under way")
        DONE = "done", _("Done")

    unit = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("jurisdiction node"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.PLANNED)
    day = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    team = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("team"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SupervisionQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        verbose_name = _("inspection")
        indexes = [models.Index(fields=["day", "unit"])]

    def __str__(self):
        return self.title

    @classmethod
    def narrowing(cls, user) -> Q:
        return inspection_visible_q(user)


class InspectionSite(models.Model):
    """One stop of the route: a place on a node (a checkpoint, a market), filled against its type's checklist."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Not yet inspected")
        SUBMITTED = "submitted", _("Inspected")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="sites")
    position = models.PositiveSmallIntegerField(default=0)
    unit = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("jurisdiction node"))
    site_type = models.CharField(_("site type"), max_length=20, choices=SiteType.choices)
    name = models.CharField(_("site"), max_length=100)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    notes = models.TextField(_("notes"), blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    objects = SupervisionQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        verbose_name = _("inspected site")
        ordering = ["inspection", "position", "pk"]

    def __str__(self):
        return self.name

    @classmethod
    def narrowing(cls, user) -> Q:
        return site_visible_q(user)

    @property
    def site_key(self) -> str:
        """The same place across inspections: its node, its type and its name."""
        return f"{self.unit_id}:{self.site_type}:{' '.join(self.name.split())}"


class CheckResult(models.Model):
    """One answered checklist line; the item's text and severity are copied, so later edits do not rewrite it."""

    class Result(models.TextChoices):
        PASS = "pass", _("Pass")
        FAIL = "fail", _("Fail")
        NOT_APPLICABLE = "na", _("Not applicable")

    site = models.ForeignKey(InspectionSite, on_delete=models.CASCADE, related_name="results")
    item = models.ForeignKey(ChecklistItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    position = models.PositiveIntegerField()
    item_text = models.CharField(_("item"), max_length=200)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    result = models.CharField(_("result"), max_length=4, choices=Result.choices)
    note = models.TextField(_("note"), blank=True)

    objects = SupervisionQuerySet.as_manager()
    scope_path_lookup = "site__unit__path"

    class Meta:
        verbose_name = _("checklist answer")
        ordering = ["site", "position"]

    def __str__(self):
        return self.item_text

    @classmethod
    def narrowing(cls, user) -> Q:
        # Answers exist only for submitted sites, so an unannounced visit's secrecy needs nothing more here.
        return on_team_q(user, "site__inspection__") if owns_only(user) else Q()


class Photo(models.Model):
    """A re-encoded JPEG of a failed item or of a rectification; served only through a scoped view."""

    unit = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="+")
    result = models.ForeignKey(CheckResult, null=True, blank=True, on_delete=models.CASCADE, related_name="photos")
    rectification = models.ForeignKey("supervision.Rectification", null=True, blank=True, on_delete=models.CASCADE,
                                      related_name="photos")
    file = models.FileField(upload_to="supervision/%Y/%m/", max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    kept_location = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SupervisionQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        verbose_name = _("photo")

    def __str__(self):
        return self.file.name

    @classmethod
    def narrowing(cls, user) -> Q:
        from fangkong.supervision.models.access import own_assignment_q

        if not owns_only(user):
            return Q()
        return own_assignment_q(user, "result__finding__assignment__") | own_assignment_q(
            user, "rectification__assignment__")
