"""Vaccination (疫苗接种): the products, each person's doses, and the files they were imported from.

A dose is unique per person and dose number: a person has one first dose, one second dose…; importing the same
file again finds every row already on file and changes nothing, and a row that contradicts the dose on file
(another date or product for the same dose number) is rejected rather than silently overwriting it.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.accounts.scope import ScopedQuerySet

MAX_DOSE = 5
# From this dose number on a dose is a booster (加强针): the primary course of the inactivated vaccines is two doses.
BOOSTER_FROM = 3


class Product(models.Model):
    """A vaccine as the files name it; the list is edited by the HQ, imports match names and aliases."""

    class Route(models.TextChoices):
        INJECTED = "injected", _("Injected")
        INHALED = "inhaled", _("Inhaled")

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(pgettext_lazy("vaccine product", "name"), max_length=80)
    maker = models.CharField(_("maker"), max_length=80, blank=True)
    route = models.CharField(_("route"), max_length=10, choices=Route.choices, default=Route.INJECTED)
    # Other spellings in the files, separated by ";" (科兴中维, CoronaVac, 新冠灭活疫苗(Vero细胞)…).
    aliases = models.CharField(_("other names"), max_length=500, blank=True)
    active = models.BooleanField(_("in use"), default=True)
    position = models.PositiveSmallIntegerField(default=100)

    class Meta:
        verbose_name = _("vaccine product")
        ordering = ["position", "code"]

    def __str__(self):
        return self.name

    def names(self) -> list[str]:
        return [self.code, self.name, *(a.strip() for a in self.aliases.replace("；", ";").split(";"))]


class Dose(models.Model):
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="vaccine_doses",
                               verbose_name=_("person"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="doses",
                                verbose_name=_("vaccine"))
    dose_number = models.PositiveSmallIntegerField(_("dose"))
    given_on = models.DateField(_("vaccinated on"))
    site_name = models.CharField(_("vaccination site"), max_length=100, blank=True)
    site_code = models.CharField(_("site code"), max_length=40, blank=True)
    batch = models.CharField(_("batch number"), max_length=40, blank=True)
    source_import = models.ForeignKey("vaccination.DoseImport", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="doses")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "person__unit__path"

    class Meta:
        verbose_name = _("vaccine dose")
        ordering = ["person", "dose_number"]
        constraints = [
            models.UniqueConstraint(fields=["person", "dose_number"], name="vaccination_dose_once"),
            models.CheckConstraint(condition=models.Q(dose_number__gte=1, dose_number__lte=MAX_DOSE),
                                   name="vaccination_dose_number_range"),
        ]

    def __str__(self):
        return f"{self.person_id} #{self.dose_number} {self.given_on}"

    @property
    def is_booster(self) -> bool:
        return self.dose_number >= BOOSTER_FROM


class DoseImport(models.Model):
    """One file of doses and its report: kept so that the rejected rows can be shown and downloaded again."""

    class Status(models.TextChoices):
        RUNNING = "running", pgettext_lazy("dose import", "Running")
        DONE = "done", pgettext_lazy("dose import", "Done")
        REFUSED = "refused", _("File refused")

    # The importer's scope node: who may read the report.
    unit = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(_("file"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    # The file's header as it was, so that the rejected rows download in the file's own column order.
    header = models.JSONField(default=list, blank=True)
    # [{"line": 3, "message": "…", "values": {column: text}}], at most VACCINATION_REJECTED_KEPT rows.
    rejected = models.JSONField(default=list, blank=True)
    job = models.ForeignKey("ops.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        verbose_name = _("dose import")
        ordering = ["-started_at", "-pk"]

    def __str__(self):
        return self.filename
