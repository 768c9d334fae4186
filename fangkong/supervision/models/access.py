"""Who sees which supervision rows beyond their scope node.

Scope (the subtree of the user's node) is the first filter; two narrowings follow it:
- A role that only answers for rectifications (a unit's contact, a grid worker, the roles of
  tasks.models.OWN_TASKS_ONLY) sees the written assignments it owns, or that went to a fellow contact of an
  organisation it is linked to, with their findings, rectifications and photos; no inspection unless on the team.
- An unannounced visit (暗访) stays hidden from anyone not on its team, the HQ aside (supervision.manage), until
  it has happened: a site of it is submitted (that site shows, the rest of the route does not) or its day passed.
"""

from django.db.models import Q
from django.utils import timezone

from fangkong.accounts.roles import Role, has_capability
from fangkong.accounts.scope import ScopedQuerySet

__all__ = ["SupervisionQuerySet", "owns_only"]


def owns_only(user) -> bool:
    from fangkong.tasks.models import OWN_TASKS_ONLY

    return getattr(user, "role", None) in OWN_TASKS_ONLY | {Role.GRID_WORKER}


def sees_unannounced(user) -> bool:
    return has_capability(user, "supervision.manage")


class SupervisionQuerySet(ScopedQuerySet):
    """The model's `narrowing(user)` (a Q, empty for none) applies after the scope."""

    def visible_to(self, user, action: str = "view"):
        rows = super().visible_to(user, action)
        if not getattr(user, "is_authenticated", False):
            return rows
        narrowing = self.model.narrowing(user)
        return rows.filter(narrowing) if narrowing else rows


def on_team_q(user, prefix: str = "") -> Q:
    """`prefix` leads from the model to its Inspection ("" on Inspection itself)."""
    from fangkong.supervision.models.inspections import Inspection

    teams = Inspection.team.through.objects.filter(user_id=user.pk).values("inspection_id")
    return Q(**{f"{prefix}id__in": teams})


def inspection_visible_q(user, prefix: str = "") -> Q:
    from fangkong.supervision.models.inspections import Inspection, InspectionSite

    if owns_only(user):
        return on_team_q(user, prefix)
    if sees_unannounced(user):
        return Q()
    visited = InspectionSite.objects.filter(status=InspectionSite.Status.SUBMITTED).values("inspection_id")
    return (Q(**{f"{prefix}kind": Inspection.Kind.PLANNED}) | Q(**{f"{prefix}day__lt": timezone.localdate()})
            | Q(**{f"{prefix}id__in": visited}) | on_team_q(user, prefix))


def site_visible_q(user) -> Q:
    from fangkong.supervision.models.inspections import Inspection, InspectionSite

    if owns_only(user):
        return on_team_q(user, "inspection__")
    if sees_unannounced(user):
        return Q()
    return (Q(inspection__kind=Inspection.Kind.PLANNED) | Q(inspection__day__lt=timezone.localdate())
            | Q(status=InspectionSite.Status.SUBMITTED) | on_team_q(user, "inspection__"))


def own_assignment_q(user, prefix: str = "") -> Q:
    """`prefix` leads from the model to its Assignment ("" on Assignment itself). A unit contact also sees what went
    to a fellow contact of the same organisation in that role (the assignment is addressed to the unit)."""
    from fangkong.territory.models import Responsibility
    from fangkong.units.models import UnitContact

    q = Q(**{f"{prefix}owner_id": user.pk})
    if user.role == Role.UNIT_CONTACT:
        colleagues = UnitContact.objects.filter(organisation__contacts__user_id=user.pk).values("user_id")
        q |= Q(**{f"{prefix}responsible_role": Responsibility.Role.UNIT_CONTACT, f"{prefix}owner_id__in": colleagues})
    return q
