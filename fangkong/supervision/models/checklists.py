from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

__all__ = ["SiteType", "Severity", "Checklist", "ChecklistItem"]


class SiteType(models.TextChoices):
    CHECKPOINT = "checkpoint", _("Checkpoint")
    COMMUNITY = "community", _("Village/community")
    ENTERPRISE = "enterprise", _("Enterprise")
    ISOLATION_SITE = "isolation_site", _("Isolation site")
    FEVER_CLINIC = "fever_clinic", pgettext_lazy("site type", "Fever clinic")
    MARKET = "market", _("Market")
    OTHER = "other", _("Other place")


class Severity(models.TextChoices):
    SERIOUS = "serious", _("Serious")
    ORDINARY = "ordinary", _("Ordinary")
    MINOR = "minor", _("Minor")


class Checklist(models.Model):
    """The checklist of one site type; city-wide, edited by the HQ (supervision.manage)."""

    site_type = models.CharField(_("site type"), max_length=20, choices=SiteType.choices, unique=True)
    name = models.CharField(_("name"), max_length=100)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("checklist")
        ordering = ["site_type"]

    def __str__(self):
        return self.name


class ChecklistItem(models.Model):
    """One line of a checklist. Retired items stay (past inspections point at them) but are no longer asked."""

    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(_("order"))
    text = models.CharField(_("item"), max_length=200)
    severity = models.CharField(_("default severity"), max_length=10, choices=Severity.choices,
                                default=Severity.ORDINARY)
    active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("checklist item")
        ordering = ["checklist", "position", "pk"]

    def __str__(self):
        return self.text
