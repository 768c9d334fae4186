"""Risk areas (风险区) and their lifecycle: declared → downgraded → lifted, every step in RiskAreaChange.

An area lies either on a node of our own jurisdiction tree (`unit`) or on an outside region named by its
GB/T 2260 code (6 digits, or a 9/12-digit township/village code) and name. Either way it carries the
region key origin_level matches on (see regions.py): `match_code` (the code, or the county code of a
sub-county area) and `match_name` (the sub-county name, empty for a whole region).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.scope import ScopedQuerySet, may_act
from fangkong.core.paths import KeyField, subtree_q


class RiskLevel(models.TextChoices):
    HIGH = "high", _("High risk")
    MEDIUM = "medium", _("Medium risk")
    LOW = "low", _("Low risk")


# The same three levels under the names of the 2022 protocols (封控区/管控区/防范区): a display choice only.
ZONE_NAMES = {
    RiskLevel.HIGH: _("Sealed area"),
    RiskLevel.MEDIUM: _("Controlled area"),
    RiskLevel.LOW: _("Precaution area"),
}
# Highest first: origin_level returns the first level found in this order.
LEVEL_RANK = {RiskLevel.HIGH: 3, RiskLevel.MEDIUM: 2, RiskLevel.LOW: 1}


class AreaStatus(models.TextChoices):
    DECLARED = "declared", _("Declared")
    DOWNGRADED = "downgraded", _("Downgraded")
    LIFTED = "lifted", _("Lifted")


ACTIVE_STATUSES = (AreaStatus.DECLARED, AreaStatus.DOWNGRADED)


def is_hq_scope(user) -> bool:
    """Scope at the city root: only such users may change the public lists of outside regions."""
    path = getattr(user, "scope_path", None) or ""
    return path.count("/") == 2


class RiskAreaQuerySet(ScopedQuerySet):
    def visible_to(self, user, action: str = "view"):
        """Areas on a node: the node lies in the user's subtree. Outside regions: seen by everyone with
        risk.view (they are public lists), changed only by HQ-scope users with risk.change."""
        if not may_act(user, "risk", action):
            return self.none()
        own = subtree_q("unit__path", user.scope_path)
        if action == "view" or is_hq_scope(user):
            return self.filter(own | Q(unit__isnull=True))
        return self.filter(own)

    def active(self):
        return self.filter(status__in=ACTIVE_STATUSES)


class RiskArea(models.Model):
    unit = models.ForeignKey("territory.Unit", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", verbose_name=_("jurisdiction node"))
    name = models.CharField(_("name"), max_length=200)
    # Normalised GB/T 2260 code: "41" province, "4117" city, "411721" county, 9/12 digits below.
    code = KeyField(_("region code"), max_length=12, blank=True)
    match_code = KeyField(max_length=12, editable=False)
    match_name = models.CharField(max_length=100, blank=True, editable=False)
    level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices)
    status = models.CharField(_("status"), max_length=12, choices=AreaStatus.choices, default=AreaStatus.DECLARED)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    declared_at = models.DateTimeField(_("declared at"))
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("declared by"))
    # When the current level began: lifting rules count days from here (or from the last infection, if later).
    level_since = models.DateTimeField(_("level since"))
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=20, default="manual")

    objects = RiskAreaQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        verbose_name = _("risk area")
        indexes = [
            # origin_level: match_code IN (prefixes of the address's code), active rows only.
            models.Index(fields=["match_code", "status"], name="risk_area_match"),
            models.Index(fields=["status", "level"], name="risk_area_status_level"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["unit"], condition=Q(unit__isnull=False) & ~Q(status="lifted"),
                                    name="risk_area_one_active_per_unit"),
            models.UniqueConstraint(fields=["code", "match_name"],
                                    condition=Q(unit__isnull=True) & ~Q(status="lifted"),
                                    name="risk_area_one_active_per_region"),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_level_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def zone_name(self):
        return ZONE_NAMES.get(self.level, "")

    @property
    def is_outside(self) -> bool:
        return self.unit_id is None


class RiskAreaChange(models.Model):
    """The dated history of an area's level and status; written only by risk.services."""

    area = models.ForeignKey(RiskArea, on_delete=models.CASCADE, related_name="history")
    from_level = models.CharField(max_length=10, choices=RiskLevel.choices, blank=True)
    to_level = models.CharField(max_length=10, choices=RiskLevel.choices)
    from_status = models.CharField(max_length=12, choices=AreaStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=AreaStatus.choices)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]


class DowngradeProposal(models.Model):
    """Proposed by propose_downgrades when the protocol's lifting rule is met; a human with risk.confirm decides."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")

    area = models.ForeignKey(RiskArea, on_delete=models.CASCADE, related_name="proposals")
    from_level = models.CharField(max_length=10, choices=RiskLevel.choices)
    # Empty: lift the area altogether.
    to_level = models.CharField(max_length=10, choices=RiskLevel.choices, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # What the rule asked and what the providers said, as shown to the person deciding.
    rule = models.JSONField(default=dict)
    evidence = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["area"], condition=Q(status="pending"),
                                               name="risk_one_pending_proposal_per_area")]
        indexes = [models.Index(fields=["status", "created_at"], name="risk_proposal_status")]

    @property
    def is_lift(self) -> bool:
        return not self.to_level
