"""The resident's own side: one-time codes, resident sessions (not staff logins) and daily check-ins."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.accounts.scope import ScopedQuerySet


class CodeChallenge(models.Model):
    """One request for a sign-in code. Made for unknown ID numbers too (person empty, no code sent), so that
    attempts and rate limits cost the same whether or not an ID is on file."""

    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # Keyed hashes (HMAC with the secret key): the table holds no ID number, phone or address in the clear.
    id_hash = models.CharField(max_length=64, db_index=True)
    # The phone on file for a known ID; the ID itself for an unknown one (the same limit applies to both).
    phone_hash = models.CharField(max_length=64, db_index=True)
    ip_hash = models.CharField(max_length=64, db_index=True)
    code_hash = models.CharField(max_length=100)  # "<salt>$<hmac>"
    created_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in code")

    def __str__(self):
        return f"code #{self.pk}"


class ResidentSession(models.Model):
    """A resident signed in with a code: the browser holds a signed cookie with the key, the table its hash."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("resident session")

    def __str__(self):
        return f"resident session #{self.pk}"


class Slot(models.TextChoices):
    MORNING = "am", _("Morning")
    AFTERNOON = "pm", _("Afternoon")


class Symptom(models.TextChoices):
    FEVER = "fever", _("Fever")
    COUGH = "cough", _("Cough")
    SORE_THROAT = "sore_throat", _("Sore throat")
    TASTE_SMELL = "taste_smell", _("Loss of taste or smell")
    FATIGUE = "fatigue", _("Fatigue")
    BREATH = "breath", _("Shortness of breath")


class CheckIn(models.Model):
    """One half-day health report of a person under home isolation or home health monitoring.

    One per person, day and slot: a second report in the same slot updates this row (the latest reading counts,
    `revisions` says how often it changed). `reported_by` is the household member who reported for a dependent."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="checkins",
                               verbose_name=_("person"))
    day = models.DateField(_("day"))
    slot = models.CharField(pgettext_lazy("residents", "slot"), max_length=2, choices=Slot.choices)
    temperature = models.DecimalField(_("temperature (°C)"), max_digits=3, decimal_places=1)
    symptoms = models.JSONField(_("symptoms"), default=list, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    reported_by = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("reported by"))
    submitted_at = models.DateTimeField(_("submitted at"))
    revisions = models.PositiveSmallIntegerField(default=0)
    alert_task = models.ForeignKey("tasks.Task", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "person__unit__path"

    class Meta:
        verbose_name = _("check-in")
        constraints = [models.UniqueConstraint(fields=["person", "day", "slot"], name="checkin_one_per_slot")]
        indexes = [models.Index(fields=["day", "person"])]

    def __str__(self):
        return f"{self.person_id} {self.day} {self.slot}"

    @property
    def is_proxy(self) -> bool:
        return self.reported_by_id is not None

    @property
    def symptom_labels(self) -> list[str]:
        return [Symptom(s).label if s in Symptom.values else s for s in self.symptoms or ()]
