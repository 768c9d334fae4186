from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.scope import ScopedQuerySet
from fangkong.core.masking import mask_phone
from fangkong.core.paths import PathField, path_ids


class Level(models.IntegerChoices):
    CITY = 1, _("City")
    DISTRICT = 2, _("District/county")
    STREET = 3, _("Township/street")
    COMMUNITY = 4, _("Village/community")
    GRID = 5, _("Grid")
    BUILDING = 6, _("Building/compound")


class Unit(models.Model):
    """A node of the jurisdiction tree. Households hang off buildings (people.Household), not off this tree."""

    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    name = models.CharField(_("name"), max_length=100)
    # 6-digit GB/T 2260 codes for districts, 12-digit statistical codes below, free codes for grids and buildings.
    code = models.CharField(_("code"), max_length=32)
    path = PathField(max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(editable=False)
    geometry = models.JSONField(_("polygon (GeoJSON)"), null=True, blank=True)
    # The office's public number (a street's or community's 防控热线), shown to its residents.
    hotline = models.CharField(_("hotline"), max_length=30, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "path"

    class Meta:
        verbose_name = _("jurisdiction node")
        constraints = [models.UniqueConstraint(fields=["code"], name="unit_code_unique")]
        indexes = [models.Index(fields=["parent", "name"])]

    def __str__(self):
        return self.name

    @property
    def ancestor_ids(self) -> list[int]:
        """Root first, this node included."""
        return path_ids(self.path)


class Responsibility(models.Model):
    """四方责任, 责任到人: a named person answerable for a node (or one household) in a role."""

    class Role(models.TextChoices):
        AREA_LEADER = "area_leader", _("Area leader (包片领导)")
        LIAISON_CADRE = "liaison_cadre", _("Liaison cadre (包联干部)")
        GRID_WORKER = "grid_worker", _("Grid worker (网格员)")
        PARTY_MEMBER = "party_member", _("Party member per household (党员包户)")
        UNIT_CONTACT = "unit_contact", _("Unit's responsible contact (主体责任人)")

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="responsibilities")
    household = models.ForeignKey(
        "people.Household", null=True, blank=True, on_delete=models.CASCADE, related_name="responsibilities"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="responsibilities"
    )
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    since = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        verbose_name = _("responsibility")
        indexes = [models.Index(fields=["unit", "role"]), models.Index(fields=["household", "role"])]

    def __str__(self):
        return f"{self.get_role_display()}: {self.name}"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class UnitTally(models.Model):
    """Households and living persons under a node down to the grid, recounted by the worker every few minutes.

    At city scale a live COUNT under a district is a million rows per request (0.3 s on the 10 M demo, 2.7 s for
    the city): pages read these instead and say how old they are. Buildings are counted live (a few hundred rows).
    """

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, primary_key=True, related_name="tally")
    households = models.PositiveIntegerField(default=0)
    persons = models.PositiveIntegerField(default=0)
    counted_at = models.DateTimeField()
