"""Setting a node's inflection-point target from its dashboard (POST, then back to the dashboard with a message;
a refused date says why and writes nothing)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fangkong.accounts.scope import require_capability_or_404
from fangkong.command.target import target_clear, target_set
from fangkong.territory.selectors import unit_get


class TargetForm(forms.Form):
    target_date = forms.DateField(label=gettext_lazy("Target date"), required=False,
                                  error_messages={"invalid": gettext_lazy("Enter the target date as YYYY-MM-DD.")})
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=200)


@login_required
@require_POST
def target_update(request, unit_id: int):
    require_capability_or_404(request.user, "command.report")
    unit = unit_get(user=request.user, unit_id=unit_id)
    back = reverse("command:dashboard_unit", kwargs={"unit_id": unit.pk}) + "#inflection-target"
    form = TargetForm(request.POST)
    try:
        if request.POST.get("clear"):
            if target_clear(unit=unit, actor=request.user):
                messages.success(request, _("The inflection-point target of %(node)s was removed.") % {
                    "node": unit.name})
            return redirect(back)
        if not form.is_valid():
            messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
            return redirect(back)
        if form.cleaned_data["target_date"] is None:
            messages.error(request, _("Enter the target date as YYYY-MM-DD."))
            return redirect(back)
        target = target_set(unit=unit, target_date=form.cleaned_data["target_date"],
                            note=form.cleaned_data["note"], actor=request.user)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    messages.success(request, _("Inflection-point target of %(node)s set to %(day)s.") % {
        "node": unit.name, "day": target.target_date.isoformat()})
    return redirect(back)
