from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.units.models.units import Organisation, OrganisationQuerySet, StaffMember

__all__ = ["ClosedLoop", "LoopSite", "LoopMember", "LoopEvent"]


class ClosedLoop(models.Model):
    """闭环管理: the unit works with its people kept inside its sites (plant, dormitory, canteen) and no contact
    outside. While it runs, the unit contact gets a daily health check and the test days as tasks."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("In closed loop")
        ENDED = "ended", _("Ended")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="loops")
    status = models.CharField(pgettext_lazy("units", "status"), max_length=10, choices=Status.choices,
                              default=Status.ACTIVE)
    starts_on = models.DateField(_("start"))
    planned_end_on = models.DateField(_("planned end"))
    # Every this many days, from the start, the people inside are tested.
    test_every_days = models.PositiveSmallIntegerField(_("test every (days)"), default=1)
    ended_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = OrganisationQuerySet.as_manager()
    scope_path_lookup = "organisation__unit__path"
    organisation_lookup = "organisation__"

    class Meta:
        verbose_name = _("closed loop")
        constraints = [models.UniqueConstraint(fields=["organisation"], condition=models.Q(status="active"),
                                               name="units_one_active_loop")]

    def __str__(self):
        return f"{self.organisation} {self.starts_on:%Y-%m-%d}"


class LoopSite(models.Model):
    class Kind(models.TextChoices):
        PLANT = "plant", _("Plant or workplace")
        DORMITORY = "dormitory", _("Dormitory")
        CANTEEN = "canteen", _("Canteen")
        OTHER = "other", pgettext_lazy("units", "Other")

    loop = models.ForeignKey(ClosedLoop, on_delete=models.CASCADE, related_name="sites")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("site in the loop")
        ordering = ["loop", "pk"]

    def __str__(self):
        return self.name


class LoopMember(models.Model):
    """A person of the roster inside the loop; `left_at` is set when they leave it."""

    loop = models.ForeignKey(ClosedLoop, on_delete=models.CASCADE, related_name="members")
    staff = models.ForeignKey(StaffMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    joined_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)

    objects = OrganisationQuerySet.as_manager()
    scope_path_lookup = "loop__organisation__unit__path"
    organisation_lookup = "loop__organisation__"

    class Meta:
        verbose_name = _("person in the loop")
        constraints = [models.UniqueConstraint(fields=["loop", "person"], name="units_loop_member_unique")]

    def __str__(self):
        return f"{self.loop_id}: {self.person_id}"


class LoopEvent(models.Model):
    """A break of the loop: someone inside left it, or someone from outside came in. The protocol's measure it
    started is kept with it."""

    class Kind(models.TextChoices):
        EXIT = "exit", _("Left the loop")
        ENTRY = "entry", _("Came in from outside")

    loop = models.ForeignKey(ClosedLoop, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=5, choices=Kind.choices)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("time"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    measure = models.ForeignKey("protocols.Measure", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    category = models.CharField(max_length=30, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = OrganisationQuerySet.as_manager()
    scope_path_lookup = "loop__organisation__unit__path"
    organisation_lookup = "loop__organisation__"

    class Meta:
        verbose_name = _("loop event")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"
