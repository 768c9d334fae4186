"""Fever clinics and sentinel pharmacies (发热门诊、哨点药店): pre-screening triage (预检分诊) reports of fever
patients."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.accounts.scope import ScopedQuerySet

__all__ = ["ClinicKind", "ClinicQuerySet", "Clinic", "ClinicStaff", "FeverReport"]


class ClinicKind(models.TextChoices):
    FEVER_CLINIC = "fever_clinic", pgettext_lazy("units", "Fever clinic")
    FEVER_ROOM = "fever_room", _("Fever consulting room")
    SENTINEL_PHARMACY = "sentinel_pharmacy", _("Sentinel pharmacy")


class ClinicQuerySet(ScopedQuerySet):
    """Scoped by the unit's node; a clinic's staff user (role clinic) sees only the clinics they are linked to.
    Models below a clinic name the way to it in `clinic_lookup` ("" on Clinic itself)."""

    def visible_to(self, user, action: str = "view"):
        from fangkong.accounts.roles import Role

        rows = super().visible_to(user, action)
        if getattr(user, "role", None) in (Role.CLINIC, Role.UNIT_CONTACT):
            rows = rows.filter(**{f"{self.model.clinic_lookup}staff__user": user}).distinct()
        return rows


class Clinic(models.Model):
    """A unit of the units app (a hospital's fever clinic, a community clinic, a pharmacy) that reports fever
    patients."""

    organisation = models.OneToOneField("units.Organisation", on_delete=models.CASCADE, related_name="clinic",
                                        verbose_name=_("unit"))
    kind = models.CharField(_("kind"), max_length=20, choices=ClinicKind.choices, default=ClinicKind.FEVER_CLINIC)
    active = models.BooleanField(_("reporting"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ClinicQuerySet.as_manager()
    scope_path_lookup = "organisation__unit__path"
    clinic_lookup = ""

    class Meta:
        verbose_name = _("fever clinic or sentinel pharmacy")

    def __str__(self):
        return self.organisation.name


class ClinicStaff(models.Model):
    """A staff user (role clinic) who reports for the clinic."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clinic_links")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("clinic staff")
        constraints = [models.UniqueConstraint(fields=["clinic", "user"], name="units_clinic_staff_unique")]

    def __str__(self):
        return f"{self.clinic}: {self.user}"


class FeverReport(models.Model):
    """One fever patient seen at the clinic: a person event with a single-tube test due within the protocol's
    turnaround, and a grid worker's follow-up when sent home."""

    class Disposition(models.TextChoices):
        ADMITTED = "admitted", _("Admitted")
        OBSERVATION = "observation", _("Kept under observation")
        SENT_HOME = "sent_home", _("Sent home")
        REFERRED = "referred", _("Referred to another hospital")

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="reports")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("person"))
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    temperature = models.DecimalField(_("temperature (°C)"), max_digits=3, decimal_places=1)
    symptoms = models.CharField(_("symptoms"), max_length=300, blank=True)
    history = models.CharField(_("travel and risk history"), max_length=300, blank=True)
    disposition = models.CharField(_("disposition"), max_length=12, choices=Disposition.choices)
    sampled = models.BooleanField(_("sampled"), default=False)
    seen_at = models.DateTimeField(_("seen at"))
    # The local day of seen_at: the counts per clinic and day group by it.
    seen_on = models.DateField(_("day"))
    test_task = models.ForeignKey("tasks.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    followup_task = models.ForeignKey("tasks.Task", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ClinicQuerySet.as_manager()
    scope_path_lookup = "clinic__organisation__unit__path"
    clinic_lookup = "clinic__"

    class Meta:
        verbose_name = _("fever patient report")
        indexes = [models.Index(fields=["clinic", "seen_on"]), models.Index(fields=["seen_on"])]

    def __str__(self):
        return f"{self.clinic}: {self.person_id} {self.seen_on}"
