"""Checklists per site type, edited by the HQ: add, edit, reorder and retire items."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import require_capability_or_404
from fangkong.core.forms import add_service_errors
from fangkong.supervision import forms, selectors, services
from fangkong.supervision.models import ChecklistItem


@login_required
def checklist_list(request):
    require_capability_or_404(request.user, "supervision.view")
    return render(request, "supervision/checklist_list.html", {
        "checklists": selectors.checklists(), "may_manage": has_capability(request.user, "supervision.manage")})


def _page(request, checklist, add_form, status=200):
    items = selectors.checklist_items(site_type=checklist.site_type, active_only=False)
    rows = [(item, forms.ItemForm(prefix=f"i{item.pk}", initial={"text": item.text, "severity": item.severity,
                                                                  "active": item.active})) for item in items]
    return render(request, "supervision/checklist_detail.html", {
        "checklist": checklist, "rows": rows, "add_form": add_form,
        "may_manage": has_capability(request.user, "supervision.manage")}, status=status)


@login_required
def checklist_detail(request, site_type: str):
    require_capability_or_404(request.user, "supervision.view")
    checklist = selectors.checklist_get(site_type)
    if request.method != "POST":
        return _page(request, checklist, forms.ItemForm())
    require_capability_or_404(request.user, "supervision.manage")
    form = forms.ItemForm(request.POST)
    if form.is_valid():
        try:
            services.checklist_item_add(checklist=checklist, text=form.cleaned_data["text"],
                                        severity=form.cleaned_data["severity"], actor=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Item added."))
            return redirect("supervision:checklist_detail", site_type=checklist.site_type)
    return _page(request, checklist, form, status=422)


@login_required
@require_POST
def item_change(request, item_id: int):
    require_capability_or_404(request.user, "supervision.manage")
    item = get_object_or_404(ChecklistItem.objects.select_related("checklist"), pk=item_id)
    move = request.POST.get("move")
    if move in ("up", "down"):
        services.checklist_item_move(item=item, up=move == "up", actor=request.user)
        return redirect("supervision:checklist_detail", site_type=item.checklist.site_type)
    form = forms.ItemForm(request.POST, prefix=f"i{item.pk}")
    if form.is_valid():
        try:
            services.checklist_item_update(item=item, text=form.cleaned_data["text"],
                                           severity=form.cleaned_data["severity"],
                                           active=form.cleaned_data["active"], actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Item saved."))
    return redirect("supervision:checklist_detail", site_type=item.checklist.site_type)
