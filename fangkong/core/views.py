from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import render

from fangkong.accounts.roles import Role
from fangkong.accounts.scope import get_visible_or_404
from fangkong.core import selectors
from fangkong.core.alerts import alerts_for
from fangkong.territory.models import Unit

# Roles that command an area; everyone else works in the field from an inbox.
COMMAND_ROLES = {Role.HQ, Role.OFFICER, Role.ADMIN}


@login_required
def home(request):
    user = request.user
    if user.role not in COMMAND_ROLES:
        return render(request, "core/home_field.html", {"summary": selectors.field_summary(user=user)})
    if not user.scope_id:
        return render(request, "core/home_command.html", {"summary": None})
    return _command(request, user.scope)


@login_required
def home_unit(request, unit_id: int):
    if request.user.role not in COMMAND_ROLES:
        raise PermissionDenied
    unit = get_visible_or_404(Unit.objects, user=request.user, action="view", pk=unit_id)
    return _command(request, unit)


def _command(request, root: Unit):
    summary = selectors.command_summary(user=request.user, root=root)
    ancestors = []
    if root.pk != request.user.scope_id:
        ids = root.ancestor_ids
        inside = ids[ids.index(request.user.scope_id):-1] if request.user.scope_id in ids else []
        by_id = Unit.objects.visible_to(request.user, "view").in_bulk(inside)
        ancestors = [by_id[i] for i in inside if i in by_id]
    return render(request, "core/home_command.html", {"summary": summary, "ancestors": ancestors,
                                                      "alerts": alerts_for(user=request.user, root=root)})


def healthz(request):
    return JsonResponse({"status": "ok"})
