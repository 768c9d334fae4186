from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.units.models.units import Organisation, OrganisationQuerySet, UnitKind

__all__ = ["UnitChecklistItem", "Application", "ApplicationAnswer", "ApplicationEvent"]


class UnitChecklistItem(models.Model):
    """One line of the reopening checklist of a kind of unit; city-wide, edited by the HQ (units.manage). Retired
    items stay (past answers point at them) but are no longer asked."""

    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    position = models.PositiveIntegerField(_("order"))
    text = models.CharField(pgettext_lazy("units", "item"), max_length=200)
    # A required item must be answered "yes" before an application may be approved.
    required = models.BooleanField(_("required"), default=True)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("checklist item")
        ordering = ["kind", "position", "pk"]

    def __str__(self):
        return self.text


class Application(models.Model):
    """复工复产 / 开学: the unit's application to reopen, answered against its kind's checklist, with its staff
    figures as they were at submission."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Awaiting review")
        RETURNED = "returned", _("Returned for changes")
        APPROVED = "approved", pgettext_lazy("units", "Approved")
        REJECTED = "rejected", _("Rejected")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="applications")
    status = models.CharField(pgettext_lazy("units", "status"), max_length=10, choices=Status.choices,
                              default=Status.SUBMITTED)
    planned_reopen_on = models.DateField(_("planned reopening"))
    note = models.TextField(_("note"), blank=True)
    # {"total", "on_site", "away", "at_home", "from_risk", "under_measures", "in_dormitory"} at submission.
    staff_at_submit = models.JSONField(default=dict)
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    review_reason = models.TextField(_("reason"), blank=True)

    objects = OrganisationQuerySet.as_manager()
    scope_path_lookup = "organisation__unit__path"
    organisation_lookup = "organisation__"

    class Meta:
        verbose_name = _("reopening application")
        indexes = [models.Index(fields=["status", "submitted_at"])]
        constraints = [models.UniqueConstraint(fields=["organisation"], condition=models.Q(status="submitted"),
                                               name="units_one_pending_application")]

    def __str__(self):
        return f"{self.organisation} {self.submitted_at:%Y-%m-%d}"


class ApplicationAnswer(models.Model):
    """One checklist line as the unit answered it; the item's text and requirement are copied."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(UnitChecklistItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    position = models.PositiveIntegerField()
    item_text = models.CharField(pgettext_lazy("units", "item"), max_length=200)
    required = models.BooleanField(_("required"))
    # None: not answered.
    met = models.BooleanField(_("in place"), null=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    photo = models.FileField(upload_to="units/answers/%Y/%m/", max_length=200, blank=True)

    objects = OrganisationQuerySet.as_manager()
    scope_path_lookup = "application__organisation__unit__path"
    organisation_lookup = "application__organisation__"

    class Meta:
        verbose_name = _("checklist answer")
        ordering = ["application", "position", "pk"]

    def __str__(self):
        return self.item_text


class ApplicationEvent(models.Model):
    """The application's status history: submitted, returned, approved, rejected, with who and why."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, choices=Application.Status.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("application history")
        ordering = ["application", "at", "pk"]

    def __str__(self):
        return f"{self.from_status} → {self.to_status}"
