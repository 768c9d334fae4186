"""Freight passes for vehicles carrying critical supplies (重点物资运输车辆通行证) and hospital escort passes
(陪护"一人一证"), and every scan of either at a checkpoint or a hospital gate."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.accounts.scope import ScopedQuerySet


class CargoKind(models.TextChoices):
    MEDICAL = "medical", _("Medical supplies")
    DAILY = "daily", _("Daily necessities")
    PRODUCTION = "production", _("Production materials")
    FUEL = "fuel", _("Fuel")
    FOOD = "food", _("Food and agricultural produce")
    OTHER = "other", _("Other critical supplies")


class FreightPass(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("Awaiting review")
        ISSUED = "issued", pgettext_lazy("passes", "Issued")
        REJECTED = "rejected", pgettext_lazy("passes", "Rejected")
        REVOKED = "revoked", _("Revoked")

    # Drawn when the request is made (HY + 8 digits); the signed code carries it.
    number = models.CharField(_("pass number"), max_length=20, unique=True, null=True)
    status = models.CharField(pgettext_lazy("passes", "status"), max_length=10, choices=Status.choices,
                              default=Status.REQUESTED)
    # The requester's node: who may see and review the pass.
    unit = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("jurisdiction node"))
    company = models.CharField(_("transport company"), max_length=100, blank=True)
    plate = models.CharField(_("plate"), max_length=10, db_index=True)
    driver_name = models.CharField(_("driver"), max_length=50)
    driver_id_number = models.CharField(_("driver's ID number"), max_length=18)
    driver_phone = models.CharField(_("driver's phone"), max_length=20)
    origin = models.CharField(pgettext_lazy("passes", "origin"), max_length=200)
    destination = models.CharField(_("destination"), max_length=200)
    origin_unit = models.ForeignKey("territory.Unit", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("origin node"))
    destination_unit = models.ForeignKey("territory.Unit", null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="+", verbose_name=_("destination node"))
    checkpoints = models.ManyToManyField("arrivals.Checkpoint", through="RouteStop", related_name="+",
                                         verbose_name=_("allowed checkpoints"))
    cargo = models.CharField(_("cargo"), max_length=12, choices=CargoKind.choices)
    cargo_note = models.CharField(_("cargo details"), max_length=200, blank=True)
    valid_from = models.DateTimeField(_("valid from"))
    valid_to = models.DateTimeField(_("valid until"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    requested_at = models.DateTimeField(_("requested"))
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reject_reason = models.CharField(_("reason for rejection"), max_length=300, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoke_reason = models.CharField(_("reason for revocation"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        verbose_name = _("freight pass")
        indexes = [models.Index(fields=["valid_from", "valid_to"]), models.Index(fields=["status", "valid_to"])]

    def __str__(self):
        return f"{self.number} {self.plate}"


class RouteStop(models.Model):
    """A checkpoint the pass may go through, in the order of the route."""

    freight_pass = models.ForeignKey(FreightPass, on_delete=models.CASCADE, related_name="stops")
    checkpoint = models.ForeignKey("arrivals.Checkpoint", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["freight_pass", "position"]
        constraints = [models.UniqueConstraint(fields=["freight_pass", "checkpoint"], name="passes_stop_once")]


class EscortPass(models.Model):
    """陪护"一人一证": the one named escort of a patient in hospital."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Valid")
        REVOKED = "revoked", _("Revoked")

    number = models.CharField(_("pass number"), max_length=20, unique=True, null=True)
    status = models.CharField(pgettext_lazy("passes", "status"), max_length=10, choices=Status.choices,
                              default=Status.ACTIVE)
    # The hospital's node (the issuer's).
    unit = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("hospital"))
    ward = models.CharField(_("ward"), max_length=100, blank=True)
    patient = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("patient"))
    escort_person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+", verbose_name=_("escort on file"))
    escort_name = models.CharField(pgettext_lazy("passes", "escort"), max_length=50)
    escort_id_number = models.CharField(_("escort's ID number"), max_length=18)
    escort_phone = models.CharField(_("escort's phone"), max_length=20)
    tested_at = models.DateTimeField(_("negative test sampled"))
    valid_from = models.DateTimeField(_("valid from"))
    valid_to = models.DateTimeField(_("valid until"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    issued_at = models.DateTimeField(pgettext_lazy("passes", "issued"))
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoke_reason = models.CharField(_("reason for revocation"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        verbose_name = _("escort pass")
        constraints = [models.UniqueConstraint(fields=["patient"], condition=Q(status="active"),
                                               name="passes_one_active_escort_per_patient")]

    def __str__(self):
        return f"{self.number} {self.escort_name}"


class Disposition(models.TextChoices):
    PASS_POINT_TO_POINT = "pass_p2p", _("Pass (point-to-point)")
    PASS = "pass", pgettext_lazy("passes", "Pass")
    REFUSED = "refused", _("Refused")


class Reason(models.TextChoices):
    VALID = "valid", _("Valid pass")
    EXPIRED = "expired", _("The pass has expired")
    NOT_YET_VALID = "not_yet_valid", _("The pass is not valid yet")
    REVOKED = "revoked", _("The pass was revoked")
    NOT_ISSUED = "not_issued", _("The pass was never issued")
    FORGED = "forged", _("Forged or damaged code (the signature does not match)")
    UNKNOWN = "unknown", _("No such pass")
    OFF_ROUTE = "off_route", _("This checkpoint is not on the pass's route")
    WRONG_HOSPITAL = "wrong_hospital", _("The pass is for another hospital")
    TEST_DUE = "test_due", _("The escort's negative test is too old")


class Scan(models.Model):
    """One scan of a pass's code, whatever it found: forged codes are recorded too."""

    class Kind(models.TextChoices):
        FREIGHT = "freight", _("Freight pass")
        ESCORT = "escort", _("Escort pass")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    freight_pass = models.ForeignKey(FreightPass, null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="scans")
    escort_pass = models.ForeignKey(EscortPass, null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="scans")
    checkpoint = models.ForeignKey("arrivals.Checkpoint", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("checkpoint"))
    # Where the scan happened (the checkpoint's node, or the hospital's): scope.
    unit = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("jurisdiction node"))
    at = models.DateTimeField(_("time"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                           related_name="+", verbose_name=_("scanned by"))
    disposition = models.CharField(_("disposition"), max_length=10, choices=Disposition.choices)
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    # What was read, cut short: enough to trace a forged code.
    code = models.CharField(_("code read"), max_length=120, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        verbose_name = _("pass scan")
        indexes = [models.Index(fields=["checkpoint", "at"]), models.Index(fields=["unit", "at"]),
                   models.Index(fields=["freight_pass", "at"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_disposition_display()}"
