from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.accounts.scope import ScopedQuerySet

__all__ = ["UnitKind", "OrganisationQuerySet", "Organisation", "UnitContact", "StaffMember", "PreventionPlan",
           "StaggeredShift"]


class UnitKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    SCHOOL = "school", _("School")
    MARKET = "market", _("Market")
    HOTEL = "hotel", _("Hotel")
    CONSTRUCTION = "construction", _("Construction site")
    CARE_HOME = "care_home", _("Care home")
    RAILWAY = "railway", _("Railway station or depot")
    HOSPITAL = "hospital", _("Hospital")
    CLINIC = "clinic", _("Clinic or health centre")
    PHARMACY = "pharmacy", _("Pharmacy")
    OTHER = "other", pgettext_lazy("units", "Other")


class OrganisationQuerySet(ScopedQuerySet):
    """Scoped by the organisation's node, and for a unit contact by the link to their own units only: their scope
    node alone would show them the neighbours. Models below an organisation name the way to it in
    `organisation_lookup` ("" on Organisation itself)."""

    def visible_to(self, user, action: str = "view"):
        from fangkong.accounts.roles import Role

        rows = super().visible_to(user, action)
        if getattr(user, "role", None) == Role.UNIT_CONTACT:
            rows = rows.filter(**{f"{self.model.organisation_lookup}contacts__user": user}).distinct()
        return rows


class Organisation(models.Model):
    """A unit with its own prevention duty, sitting on a jurisdiction node (its street, community or building)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Operating")
        SUSPENDED = "suspended", _("Suspended")
        APPLYING = "applying", _("Applied to reopen")

    unit = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("jurisdiction node"))
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    industry = models.CharField(_("industry"), max_length=60, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact_name = models.CharField(_("responsible contact"), max_length=50)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUSPENDED)
    status_since = models.DateTimeField(auto_now_add=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = OrganisationQuerySet.as_manager()
    scope_path_lookup = "unit__path"
    organisation_lookup = ""

    class Meta:
        verbose_name = _("unit")
        indexes = [models.Index(fields=["unit", "kind", "status"])]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="units_organisation_unique_name")]

    def __str__(self):
        return self.name


class UnitContact(models.Model):
    """A staff user (role unit_contact) who acts for the organisation: applies, keeps the roster, records exits."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="contacts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="unit_links")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("unit contact")
        constraints = [models.UniqueConstraint(fields=["organisation", "user"], name="units_contact_unique")]

    def __str__(self):
        return f"{self.organisation}: {self.user}"


class StaffMember(models.Model):
    """A person of the archive on the unit's roster, with where they are now."""

    class Presence(models.TextChoices):
        ON_SITE = "on_site", _("On site")
        AWAY = "away", _("Away (not in town)")
        AT_HOME = "at_home", _("At home (居家)")
        LEFT = "left", _("No longer employed")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="staff")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("person"))
    role = models.CharField(_("role in the unit"), max_length=60, blank=True)
    presence = models.CharField(_("whereabouts"), max_length=10, choices=Presence.choices, default=Presence.ON_SITE)
    in_dormitory = models.BooleanField(_("lives in the dormitory"), default=False)
    from_risk_area = models.BooleanField(_("from a risk area"), default=False)
    added_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganisationQuerySet.as_manager()
    scope_path_lookup = "organisation__unit__path"
    organisation_lookup = "organisation__"

    class Meta:
        verbose_name = _("staff member")
        constraints = [models.UniqueConstraint(fields=["organisation", "person"], name="units_staff_unique")]
        indexes = [models.Index(fields=["organisation", "presence"])]

    def __str__(self):
        return f"{self.organisation}: {self.person_id}"


class PreventionPlan(models.Model):
    """防控预案: each upload is a new version; the newest is the plan in force."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="plans")
    text = models.TextField(_("plan"))
    attachment = models.FileField(_("attachment"), upload_to="units/plans/%Y/%m/", max_length=200, blank=True)
    attachment_name = models.CharField(max_length=200, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    objects = OrganisationQuerySet.as_manager()
    scope_path_lookup = "organisation__unit__path"
    organisation_lookup = "organisation__"

    class Meta:
        verbose_name = _("prevention plan")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self):
        return f"{self.organisation} {self.uploaded_at:%Y-%m-%d}"


class StaggeredShift(models.Model):
    """错峰: one shift's start and the arrival window its staff are given."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="shifts")
    name = models.CharField(_("shift"), max_length=60)
    starts_at = models.TimeField(_("starts at"))
    arrive_from = models.TimeField(_("arrive from"))
    arrive_until = models.TimeField(_("arrive until"))
    headcount = models.PositiveIntegerField(_("headcount"), default=0)

    objects = OrganisationQuerySet.as_manager()
    scope_path_lookup = "organisation__unit__path"
    organisation_lookup = "organisation__"

    class Meta:
        verbose_name = _("staggered shift")
        ordering = ["organisation", "starts_at", "pk"]

    def __str__(self):
        return self.name
