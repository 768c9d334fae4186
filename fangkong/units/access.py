"""Who may write what of an organisation: a capability over its node, and for a unit contact the link to it."""

from django.core.exceptions import PermissionDenied

from fangkong.accounts.roles import Role, has_capability
from fangkong.accounts.scope import ensure_may
from fangkong.units.models import Organisation, UnitContact


def is_linked(user, organisation: Organisation) -> bool:
    return UnitContact.objects.filter(organisation=organisation, user=user).exists()


def ensure_org_may(actor, capabilities: str | tuple[str, ...], organisation: Organisation) -> None:
    """The actor holds one of `capabilities` over the organisation's node, and a unit contact acts only for the
    units they are linked to. actor=None is the system. Raises PermissionDenied (views show it as a 404)."""
    if actor is None:
        return
    if isinstance(capabilities, str):
        capabilities = (capabilities,)
    held = next((c for c in capabilities if has_capability(actor, c)), None)
    if held is None:
        raise PermissionDenied(capabilities[0])
    ensure_may(actor, held, organisation.unit)
    if actor.role == Role.UNIT_CONTACT and not is_linked(actor, organisation):
        raise PermissionDenied("not your unit")


def may_org(user, capabilities: str | tuple[str, ...], organisation: Organisation) -> bool:
    try:
        ensure_org_may(user, capabilities, organisation)
    except PermissionDenied:
        return False
    return user is not None


ROSTER = ("units.roster", "units.change")
APPLY = ("units.apply", "units.change")
LOOP = ("units.roster", "units.change")
