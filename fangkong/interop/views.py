"""Pages of interop: the human queue of lab results (/interop/inbox/) and DHIS2 (/interop/dhis2/)."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import require_capability_or_404
from fangkong.core.forms import add_service_errors
from fangkong.interop import dhis2, forms, lab_inbox, selectors, services
from fangkong.interop.models import InboxItem
from fangkong.ops.services import run_with_retry
from fangkong.territory.models import Level, Unit


def _before(request) -> int | None:
    value = request.GET.get("before", "")
    return int(value) if value.isdigit() else None


@login_required
def inbox_list(request):
    require_capability_or_404(request.user, "interop.view")
    status = request.GET.get("status", InboxItem.Status.OPEN)
    if status not in InboxItem.Status.values and status != "all":
        status = InboxItem.Status.OPEN
    return render(request, "interop/inbox_list.html", {
        "items": selectors.inbox_items(user=request.user, status="" if status == "all" else status,
                                       before=_before(request)),
        "status": status, "statuses": InboxItem.Status.choices})


def _detail(request, item, *, resolve_form=None, reject_form=None, status=200):
    may_resolve = item.status == InboxItem.Status.OPEN and has_capability(request.user, "interop.resolve")
    return render(request, "interop/inbox_detail.html", {
        "item": item, "may_resolve": may_resolve,
        "resolve_form": resolve_form or forms.ResolveForm(initial={"tube_code": item.tube_code}),
        "reject_form": reject_form or forms.RejectForm(),
        "observation_json": json.dumps(item.observation, ensure_ascii=False, indent=2)}, status=status)


@login_required
def inbox_detail(request, inbox_item_id: int):
    require_capability_or_404(request.user, "interop.view")
    return _detail(request, selectors.inbox_item_get(user=request.user, item_id=inbox_item_id))


@login_required
@require_POST
def inbox_resolve(request, inbox_item_id: int):
    require_capability_or_404(request.user, "interop.resolve")
    item = selectors.inbox_item_get(user=request.user, item_id=inbox_item_id, action="resolve")
    form = forms.ResolveForm(request.POST)
    if form.is_valid():
        try:
            lab_inbox.inbox_item_resolve(item=item, tube_code=form.cleaned_data["tube_code"], actor=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc, field_map={"result": "tube_code", "tested_at": "tube_code"})
        except PermissionDenied:
            form.add_error(None, _("You may not do this."))
        else:
            messages.success(request, _("Result recorded for tube %(code)s.")
                             % {"code": form.cleaned_data["tube_code"]})
            return redirect("interop:inbox_list")
    return _detail(request, selectors.inbox_item_get(user=request.user, item_id=inbox_item_id),
                   resolve_form=form, status=422)


@login_required
@require_POST
def inbox_reject(request, inbox_item_id: int):
    require_capability_or_404(request.user, "interop.resolve")
    item = selectors.inbox_item_get(user=request.user, item_id=inbox_item_id, action="resolve")
    form = forms.RejectForm(request.POST)
    if form.is_valid():
        try:
            lab_inbox.inbox_item_reject(item=item, reason=form.cleaned_data["reason"], actor=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            form.add_error(None, _("You may not do this."))
        else:
            messages.success(request, _("Result rejected."))
            return redirect("interop:inbox_list")
    return _detail(request, selectors.inbox_item_get(user=request.user, item_id=inbox_item_id),
                   reject_form=form, status=422)


def _mappable_units(user):
    return list(Unit.objects.visible_to(user, "view").filter(level__lte=Level.GRID).order_by("path")[:500])


def _auto_id(figure: str) -> str:
    """Each figure's row is a form of its own: ids that differ per row."""
    return "id_" + "".join(c if c.isalnum() else "-" for c in figure)[:60] + "_%s"


def _dhis2_page(request, *, day, element_forms=None, org_form=None, status=200):
    built = services.data_value_set(day=day, user=request.user)
    kept = selectors.dhis2_push_for_day(day=day)
    mappings = selectors.data_element_mappings()
    rows = []
    for figure in dhis2.catalogue():
        mapping = mappings.get(figure.key)
        form = (element_forms or {}).get(figure.key) or forms.DataElementForm(
            initial={"figure": figure.key, "data_element": mapping.data_element if mapping else "",
                     "category_option_combo": mapping.category_option_combo if mapping else ""},
            auto_id=_auto_id(figure.key))
        rows.append({"figure": figure, "form": form, "mapping": mapping})
    return render(request, "interop/dhis2.html", {
        "day": day, "day_form": forms.DayForm(initial={"day": day}), "built": built, "kept": kept,
        "rows": rows, "org_units": selectors.org_unit_mappings(user=request.user),
        "org_form": org_form or forms.OrgUnitForm(units=_mappable_units(request.user)),
        "pushes": selectors.dhis2_pushes(), "configured": dhis2.configured(),
        "values": built.payload["dataValues"][:300]}, status=status)


def _day(request):
    form = forms.DayForm(request.GET or request.POST or None)
    if form.is_bound and form.is_valid():
        return form.cleaned_data["day"]
    return timezone.localdate()


@login_required
def dhis2_page(request):
    require_capability_or_404(request.user, "interop.dhis2")
    day = _day(request)
    if request.GET.get("download") == "1":
        kept = selectors.dhis2_push_for_day(day=day)
        built = services.data_value_set(day=day, user=request.user)
        payload = kept.payload if kept is not None and built.left_out else built.payload
        response = HttpResponse(json.dumps(payload, ensure_ascii=False, indent=2), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="dataValueSet-{dhis2.period_of(day)}.json"'
        return response
    return _dhis2_page(request, day=day)


@login_required
@require_POST
def dhis2_element(request):
    require_capability_or_404(request.user, "interop.dhis2")
    figure = request.POST.get("figure", "")
    form = forms.DataElementForm(request.POST, auto_id=_auto_id(figure))
    if form.is_valid():
        try:
            services.data_element_set(figure=form.cleaned_data["figure"],
                                      data_element=form.cleaned_data["data_element"],
                                      category_option_combo=form.cleaned_data["category_option_combo"],
                                      actor=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Mapping saved."))
            return redirect("interop:dhis2")
    return _dhis2_page(request, day=timezone.localdate(), element_forms={figure: form}, status=422)


@login_required
@require_POST
def dhis2_org_unit(request):
    require_capability_or_404(request.user, "interop.dhis2")
    units = _mappable_units(request.user)
    form = forms.OrgUnitForm(request.POST, units=units)
    if form.is_valid():
        unit = next(u for u in units if u.pk == form.cleaned_data["unit"])
        try:
            services.org_unit_set(unit=unit, org_unit=form.cleaned_data["org_unit"], actor=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            form.add_error(None, _("You may not do this."))
        else:
            messages.success(request, _("Mapping saved."))
            return redirect("interop:dhis2")
    return _dhis2_page(request, day=timezone.localdate(), org_form=form, status=422)


@login_required
@require_POST
def dhis2_push(request):
    require_capability_or_404(request.user, "interop.dhis2")
    day = _day(request)
    run_with_retry(job_path="fangkong.interop.jobs.push_dhis2_day",
                   kwargs={"day": day.isoformat(), "actor_id": request.user.pk}, max_attempts=1)
    messages.success(request, _("Sending the figures of %(day)s to DHIS2; the result appears below.")
                     % {"day": day.isoformat()})
    return redirect(f"{reverse('interop:dhis2')}?day={day.isoformat()}")
