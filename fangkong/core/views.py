from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect, render

from fangkong.accounts.roles import Role, has_capability
from fangkong.accounts.scope import get_visible_or_404
from fangkong.core import selectors
from fangkong.territory.models import Unit

# Roles that command an area; everyone else works in the field from an inbox.
COMMAND_ROLES = {Role.HQ, Role.OFFICER, Role.ADMIN}


@login_required
def home(request):
    """A field worker's inbox counts; for those who command an area, the situation dashboard of their node (it
    reads the worker's snapshot: the home page of a 10-million city must not count on every view)."""
    user = request.user
    if user.role not in COMMAND_ROLES:
        return render(request, "core/home_field.html", {"summary": selectors.field_summary(user=user)})
    if not user.scope_id or not has_capability(user, "command.view"):
        return render(request, "core/home_command.html", {"summary": None})
    return redirect("command:dashboard")


@login_required
def home_unit(request, unit_id: int):
    if request.user.role not in COMMAND_ROLES:
        raise PermissionDenied
    unit = get_visible_or_404(Unit.objects, user=request.user, action="view", pk=unit_id)
    return redirect("command:dashboard_unit", unit_id=unit.pk)


def healthz(request):
    return JsonResponse({"status": "ok"})
