"""What interop keeps: lab messages already applied, results that matched nothing exactly (the human queue),
and the DHIS2 mapping and pushes.

An InboxItem sits at its lab's node (Lab.unit): the officers and HQ above that lab resolve it.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.accounts.scope import ScopedQuerySet
from fangkong.core.masking import mask_id_number
from fangkong.testing.models import Result


class ProcessedMessage(models.Model):
    """A lab message (Bundle.identifier or MessageHeader id) already applied: a replay changes nothing."""

    key = models.CharField(max_length=300, unique=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    received_at = models.DateTimeField(auto_now_add=True)
    applied = models.PositiveIntegerField(default=0)
    queued = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)

    def __str__(self):
        return self.key


class InboxItem(models.Model):
    """One Observation of a lab message that matched no tube exactly, waiting for a person to pick the tube."""

    class Reason(models.TextChoices):
        UNKNOWN_TUBE = "unknown_tube", _("No tube has this code")
        OTHER_LAB = "other_lab", _("The tube was not sent to this lab")
        NOT_RECEIVED = "not_received", _("The tube was not received by the lab")
        NO_SPECIMEN = "no_specimen", _("No tube code and no known person")
        PERSON_NOT_FOUND = "person_not_found", _("No person has this ID number")
        NO_TUBE_FOR_PERSON = "no_tube_for_person", _("The person has no tube awaiting a result at this lab")
        AMBIGUOUS = "ambiguous", _("Two or more tubes could be meant")
        REFUSED = "refused", _("The result was refused")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("interop inbox", "Open")
        RESOLVED = "resolved", _("Resolved")
        REJECTED = "rejected", _("Rejected")

    lab = models.ForeignKey("testing.Lab", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="+")
    message = models.ForeignKey(ProcessedMessage, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="items")
    entry_index = models.PositiveIntegerField(default=0)
    observation = models.JSONField()
    specimen = models.JSONField(null=True, blank=True)
    patient = models.JSONField(null=True, blank=True)
    # What was read from the message, so that the page shows it without parsing FHIR again.
    tube_code = models.CharField(_("tube code"), max_length=60, blank=True)
    id_number = models.CharField(_("ID number"), max_length=32, blank=True)
    result = models.CharField(_("result"), max_length=10)
    ct_orf1ab = models.DecimalField("Ct ORF1ab", max_digits=4, decimal_places=1, null=True, blank=True)
    ct_n = models.DecimalField("Ct N", max_digits=4, decimal_places=1, null=True, blank=True)
    tested_at = models.DateTimeField(_("tested at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    # Tubes the matching found more than one of: offered first on the page.
    candidates = models.JSONField(default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    received_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_tube = models.ForeignKey("testing.Tube", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    rejection = models.CharField(_("reason for rejecting"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        verbose_name = _("lab result to match")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["status", "-received_at"])]

    def __str__(self):
        return self.tube_code or mask_id_number(self.id_number) or f"#{self.pk}"

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def result_label(self) -> str:
        return dict(Result.choices).get(self.result, self.result)


class DataElementMapping(models.Model):
    """One of our figures → a DHIS2 data element (and category option combo)."""

    figure = models.CharField(_("figure"), max_length=60, unique=True)
    data_element = models.CharField(_("data element UID"), max_length=11)
    category_option_combo = models.CharField(_("category option combo UID"), max_length=11, blank=True)

    class Meta:
        ordering = ["figure"]

    def __str__(self):
        return f"{self.figure} → {self.data_element}"


class OrgUnitMapping(models.Model):
    """One of our nodes → a DHIS2 organisation unit (UID, or code when DHIS2_ORG_UNIT_ID_SCHEME is CODE)."""

    unit = models.OneToOneField("territory.Unit", on_delete=models.CASCADE, related_name="+",
                                verbose_name=_("node"))
    org_unit = models.CharField(_("organisation unit"), max_length=50)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        ordering = ["unit__path"]

    def __str__(self):
        return f"{self.unit} → {self.org_unit}"


class Dhis2Push(models.Model):
    """One dataValueSet sent to DHIS2 (or built and kept, when no DHIS2 is configured), with its import summary."""

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        KEPT = "kept", _("Kept, not sent")

    day = models.DateField(_("day"), db_index=True)
    payload = models.JSONField()
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    imported = models.PositiveIntegerField(_("imported"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    ignored = models.PositiveIntegerField(_("ignored"), default=0)
    deleted = models.PositiveIntegerField(_("deleted"), default=0)
    conflicts = models.JSONField(default=list, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    snapshot_taken_at = models.DateTimeField(_("figures as of"), null=True, blank=True)
    pushed_at = models.DateTimeField(_("pushed at"), auto_now_add=True)
    pushed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")

    class Meta:
        ordering = ["-pushed_at", "-pk"]

    def __str__(self):
        return f"DHIS2 {self.day} {self.status}"
