"""Jurisdiction scope, enforced in one place.

Every scoped model uses ScopedQuerySet and names the path of its territory unit in
`scope_path_lookup` ("path" on Unit, "unit__path" on rows attached to a unit).

`visible_to(user, action)` guarantees:
- anonymous, inactive or scope-less users get no rows;
- a user whose role lacks "<app_label>.<action>" gets no rows;
- otherwise exactly the rows whose unit lies in the subtree of the user's scope node.
There is no superuser bypass: the HQ's scope is the city root.
"""

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404

from fangkong.accounts.roles import has_capability
from fangkong.core.paths import is_within, subtree_q


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "view"):
        if not _may(user, self.model, action):
            return self.none()
        return self.filter(subtree_q(self.model.scope_path_lookup, user.scope_path))


def _may(user, model, action: str) -> bool:
    return may_act(user, model._meta.app_label, action)


def get_visible_or_404(queryset, *, user, action: str = "view", **lookup):
    """One object inside the user's scope; missing and out-of-scope look the same."""
    try:
        return queryset.visible_to(user, action).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404 from exc


def unit_in_scope(user, unit, action: str = "change", capability_app: str = "territory") -> bool:
    return bool(
        unit is not None
        and may_act(user, capability_app, action)
        and is_within(unit.path, user.scope_path)
    )


def may_act(user, app_label: str, action: str) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and getattr(user, "scope_path", None)
        and has_capability(user, f"{app_label}.{action}")
    )


def ensure_unit_in_scope(actor, unit, *, app_label: str, action: str = "change") -> None:
    """Services call this before writing anything attached to `unit`. actor=None is the system itself."""
    if actor is None:
        return
    if not unit_in_scope(actor, unit, action, capability_app=app_label):
        raise PermissionDenied("outside your jurisdiction")


def ensure_may(actor, capability: str, unit) -> None:
    """Services: the actor holds `capability` ("<app>.<action>") and `unit` lies in their scope for it.
    actor=None is the system itself."""
    if actor is None:
        return
    if not has_capability(actor, capability):
        raise PermissionDenied(capability)
    app_label, action = capability.split(".", 1)
    ensure_unit_in_scope(actor, unit, app_label=app_label, action=action)


def acting_user(actor):
    """The user to record as having done something: None for the system, or a request without a login."""
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def require_capability_or_404(user, capability: str) -> None:
    """For views: lacking the capability looks the same as a missing page."""
    if not has_capability(user, capability):
        raise Http404


def ensure_capability(actor, capability: str) -> None:
    if actor is not None and not has_capability(actor, capability):
        raise PermissionDenied(capability)
