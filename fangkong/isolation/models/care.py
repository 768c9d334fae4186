"""During the stay: daily health checks and requests (诉求). Owned by the care work."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.scope import ScopedQuerySet

__all__ = ["Period", "Symptom", "HealthCheck", "CareRequest"]


class Period(models.TextChoices):
    """Temperature is taken twice a day."""

    MORNING = "morning", _("Morning")
    EVENING = "evening", _("Evening")


class Symptom(models.TextChoices):
    FEVERISH = "feverish", _("Feels feverish")
    COUGH = "cough", _("Cough")
    SORE_THROAT = "sore_throat", _("Sore throat")
    FATIGUE = "fatigue", _("Fatigue")
    TASTE_SMELL = "taste_smell", _("Loss of taste or smell")
    DIARRHOEA = "diarrhoea", _("Diarrhoea")
    BREATH = "breath", _("Shortness of breath")


class HealthCheck(models.Model):
    """One reading of one person in the site for one period of a day; recording the period again corrects it."""

    stay = models.ForeignKey("isolation.Stay", on_delete=models.PROTECT, related_name="health_checks")
    day = models.DateField(_("day"))
    period = models.CharField(_("period"), max_length=8, choices=Period.choices)
    temperature = models.DecimalField(_("temperature (°C)"), max_digits=3, decimal_places=1)
    # Codes of Symptom, in the order of its choices.
    symptoms = models.JSONField(_("symptoms"), default=list, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    # The urgent task a fever or a symptom opened for the site doctor.
    alert_task = models.ForeignKey("tasks.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "stay__site__unit__path"

    class Meta:
        verbose_name = _("health check")
        constraints = [models.UniqueConstraint(fields=["stay", "day", "period"], name="isolation_check_once")]
        indexes = [models.Index(fields=["day", "period"])]

    def __str__(self):
        return f"{self.stay_id} {self.day} {self.period}: {self.temperature}"

    def symptom_labels(self) -> list[str]:
        labels = dict(Symptom.choices)
        return [str(labels.get(code, code)) for code in self.symptoms]


class CareRequest(models.Model):
    """Something a person in the site asked for (诉求), until the site answers it."""

    class Kind(models.TextChoices):
        MEDICINE = "medicine", _("Medicine")
        FOOD = "food", _("Food")
        MENTAL_HEALTH = "mental_health", _("Mental health")
        FAMILY = "family", _("Family matters")
        COMPLAINT = "complaint", _("Complaint")
        OTHER = "other", _("Other")

    stay = models.ForeignKey("isolation.Stay", on_delete=models.PROTECT, related_name="care_requests")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    text = models.CharField(_("what they asked for"), max_length=500)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    answer = models.CharField(_("answer"), max_length=500, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    task = models.ForeignKey("tasks.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "stay__site__unit__path"

    class Meta:
        verbose_name = _("request")
        indexes = [models.Index(fields=["answered_at", "created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.text[:60]}"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None
