"""Disinfection of places (消杀): terminal disinfection orders (终末消毒) after a case or a positive environment
sample, routine schedules for public places (预防性消毒), and what each done task used."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.accounts.scope import ScopedQuerySet

__all__ = ["DisinfectionOrder", "DisinfectionSchedule", "DisinfectionRecord", "DisinfectionCursor"]


class DisinfectionOrder(models.Model):
    """A place that must be disinfected by a deadline; its work is one task (kind disinfection_terminal)."""

    class Source(models.TextChoices):
        CASE_HOME = "case_home", _("Home of a case")
        CASE_PLACE = "case_place", _("Place on a case's itinerary")
        ENVIRONMENT = "environment", _("Positive environment sample")
        MANUAL = "manual", pgettext_lazy("disinfection source", "Other")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("disinfection", "Awaiting disinfection")
        DONE = "done", pgettext_lazy("disinfection", "Disinfected")
        CANCELLED = "cancelled", pgettext_lazy("disinfection", "Cancelled")

    unit = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("jurisdiction node"))
    place_name = models.CharField(pgettext_lazy("units", "place"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    reason = models.CharField(_("reason"), max_length=300)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    # "case:<id>:home", "case:<id>:place:<key>": one order per case and place, however often the job runs.
    source_ref = models.CharField(max_length=120, blank=True)
    deadline = models.DateTimeField(pgettext_lazy("units", "deadline"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    task = models.ForeignKey("tasks.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        verbose_name = _("terminal disinfection order")
        indexes = [models.Index(fields=["status", "deadline"]), models.Index(fields=["unit", "status"])]
        constraints = [models.UniqueConstraint(fields=["source_ref"], condition=~Q(source_ref=""),
                                               name="units_disinfection_order_once")]

    def __str__(self):
        return self.place_name


class DisinfectionSchedule(models.Model):
    """Routine disinfection of a public place (a market, a station): so many times a day, each a task."""

    unit = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("jurisdiction node"))
    organisation = models.ForeignKey("units.Organisation", null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="disinfection_schedules", verbose_name=_("unit"))
    place_name = models.CharField(pgettext_lazy("units", "place"), max_length=100)
    times_per_day = models.PositiveSmallIntegerField(_("times per day"))
    starts_on = models.DateField(pgettext_lazy("units", "from"))
    ends_on = models.DateField(pgettext_lazy("units", "until"), null=True, blank=True)
    active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        verbose_name = _("routine disinfection schedule")
        indexes = [models.Index(fields=["active", "starts_on"])]

    def __str__(self):
        return self.place_name


class DisinfectionRecord(models.Model):
    """What a done disinfection task recorded: who, when, the product and quantity, and the stock issue."""

    task = models.OneToOneField("tasks.Task", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(DisinfectionOrder, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="records")
    schedule = models.ForeignKey(DisinfectionSchedule, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="records")
    done_at = models.DateTimeField(_("done at"))
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", verbose_name=_("done by"))
    item = models.ForeignKey("supplies.Item", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    product = models.CharField(_("product"), max_length=100, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2, null=True, blank=True)
    movement = models.ForeignKey("supplies.Movement", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        verbose_name = _("disinfection record")

    def __str__(self):
        return f"{self.task_id} {self.done_at:%Y-%m-%d %H:%M}"


class DisinfectionCursor(models.Model):
    """How far the job producing orders from tracing's rows has read ("cases", "visits"): the last id seen."""

    name = models.CharField(max_length=20, primary_key=True)
    last_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
