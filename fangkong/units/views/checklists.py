"""The reopening checklists by kind of unit: everyone with units.view reads them, the HQ (units.manage) edits."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import require_capability_or_404
from fangkong.core.forms import run_service
from fangkong.units import forms, selectors, services
from fangkong.units.models import UnitChecklistItem, UnitKind


@login_required
def checklist_list(request):
    require_capability_or_404(request.user, "units.view")
    return render(request, "units/checklist_list.html", {"kinds": selectors.checklist_kinds()})


def _detail(request, kind, add_form, status=200):
    items = selectors.checklist_items(kind=kind, active_only=False)
    may_manage = has_capability(request.user, "units.manage")
    return render(request, "units/checklist_detail.html", {
        "kind": kind, "kind_label": UnitKind(kind).label, "may_manage": may_manage, "add_form": add_form,
        "rows": [(item, forms.ItemForm(prefix=f"i{item.pk}", initial={
            "text": item.text, "required": item.required, "active": item.active})) for item in items],
    }, status=status)


@login_required
def checklist_detail(request, kind: str):
    require_capability_or_404(request.user, "units.view")
    if kind not in UnitKind.values:
        raise Http404
    if request.method == "POST":
        require_capability_or_404(request.user, "units.manage")
        form = forms.ItemForm(request.POST)
        if form.is_valid() and run_service(form, lambda: services.checklist_item_add(
                kind=kind, text=form.cleaned_data["text"], required=form.cleaned_data["required"],
                actor=request.user)) is not None:
            return redirect("units:checklist_detail", kind=kind)
        return _detail(request, kind, form, status=422)
    return _detail(request, kind, forms.ItemForm())


@login_required
@require_POST
def item_change(request, item_id: int):
    require_capability_or_404(request.user, "units.manage")
    item = get_object_or_404(UnitChecklistItem, pk=item_id)
    form = forms.ItemForm(request.POST, prefix=f"i{item.pk}")
    if form.is_valid() and run_service(form, lambda: services.checklist_item_update(
            item=item, text=form.cleaned_data["text"], required=form.cleaned_data["required"],
            active=form.cleaned_data["active"], actor=request.user)) is not None:
        return redirect("units:checklist_detail", kind=item.kind)
    return _detail(request, item.kind, forms.ItemForm(), status=422)
