from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.scope import ScopedQuerySet
from fangkong.core.paths import KeyField


class ManagementStatus(models.TextChoices):
    NORMAL = "normal", _("Normal")
    HOME_MONITORING = "home_monitoring", _("Home health monitoring")
    HOME_ISOLATION = "home_isolation", _("Home isolation")
    CENTRAL_ISOLATION = "central_isolation", _("Centralised isolation")
    OBSERVATION = "observation", _("Observation")
    HOSPITAL = "hospital", _("Hospital or shelter hospital")
    RELEASED = "released", _("Released")


# Statuses that keep a person where they are: a positive pool, a case and a classified contact count as under control.
CONFINING_STATUSES = frozenset({"home_isolation", "central_isolation", "observation", "hospital"})


class IdType(models.TextChoices):
    RESIDENT = "resident", _("Resident ID card")
    PASSPORT = "passport", _("Passport")
    HK_MACAO = "hk_macao", _("Mainland travel permit (HK/Macao)")
    TAIWAN = "taiwan", _("Mainland travel permit (Taiwan)")
    OTHER = "other", _("Other")


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")
    UNKNOWN = "U", _("Unknown")


class Tag(models.TextChoices):
    # Vulnerability
    ELDERLY_ALONE = "elderly_alone", _("Elderly living alone")
    CHRONIC = "chronic", _("Chronic disease")
    PREGNANT = "pregnant", _("Pregnant")
    INFANT = "infant", _("Infant or child")
    DISABLED = "disabled", _("Disabled")
    # Key occupations
    MEDICAL = "medical", _("Medical staff")
    COLD_CHAIN = "cold_chain", _("Cold-chain worker")
    TRANSPORT = "transport", _("Transport worker")
    QUARANTINE_STAFF = "quarantine_staff", _("Quarantine-site staff")
    # Categories a module sets from an event (a fever clinic's report).
    FEVER_PATIENT = "fever_patient", _("Fever patient")


class Household(models.Model):
    unit = models.ForeignKey("territory.Unit", verbose_name=_("building"), on_delete=models.PROTECT,
                             related_name="households")
    number = models.CharField(_("door"), max_length=50)
    address = models.CharField(_("address"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        verbose_name = _("household")
        constraints = [models.UniqueConstraint(fields=["unit", "number"], name="household_unique_door")]

    def __str__(self):
        return f"{self.unit.name} {self.number}" if self.unit_id else self.number


class Person(models.Model):
    name = models.CharField(_("name"), max_length=50)
    # Search keys, derived from name, ID and phone by people.search; never edited by hand.
    name_simplified = KeyField(max_length=50, db_index=True, editable=False)
    name_pinyin = KeyField(max_length=200, db_index=True, editable=False)
    name_initials = KeyField(max_length=50, db_index=True, editable=False)
    id_type = models.CharField(_("ID type"), max_length=10, choices=IdType.choices, default=IdType.RESIDENT)
    id_number = models.CharField(_("ID number"), max_length=32, db_index=True)
    # Reversed, so that "ends with 1234" is a prefix range on an index.
    id_number_rev = KeyField(max_length=32, db_index=True, editable=False)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    phone_rev = KeyField(max_length=20, db_index=True, editable=False, blank=True)
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="members", verbose_name=_("household"))
    unit = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("jurisdiction node"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    status = models.CharField(_("management status"), max_length=20, choices=ManagementStatus.choices,
                              default=ManagementStatus.NORMAL, db_index=True)
    status_since = models.DateTimeField(_("status since"), null=True, blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Set by people.retention: name, documents, phone and address are gone; status history stays for statistics.
    anonymised_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        verbose_name = _("person")
        indexes = [models.Index(fields=["unit", "status"])]

    def __str__(self):
        return self.name


class PersonTag(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="tags")
    tag = models.CharField(max_length=30, choices=Tag.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "tag"], name="person_tag_unique")]
        indexes = [models.Index(fields=["tag"])]


class StatusChange(models.Model):
    """The dated history of a person's management status; written only by people.services."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="status_history")
    from_status = models.CharField(max_length=20, choices=ManagementStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=ManagementStatus.choices)
    at = models.DateTimeField(db_index=True)
    cause = models.CharField(_("cause"), max_length=200)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    task = models.ForeignKey("tasks.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-at", "-id"]
