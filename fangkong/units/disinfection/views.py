"""Disinfection pages (units.disinfect): the orders awaiting disinfection and the routine schedules of a node, a
manual order, one order with what was used, and the open orders as GeoJSON for the map."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from fangkong.accounts.scope import require_capability_or_404
from fangkong.core.forms import run_service
from fangkong.territory.models import Level, Unit
from fangkong.units.disinfection import forms, selectors, services
from fangkong.units.kinds_disinfection import ORDER_SUBJECT
from fangkong.units.models import DisinfectionOrder, Organisation
from fangkong.units.views.common import node_from

CAPABILITY = "units.disinfect"
DONE_KINDS = ("disinfection_terminal", "disinfection_routine")
# The service's data keys are the form's fields; "data" (the tasks service's key for outcome data) goes on top.
DONE_FIELDS = {"data": "__all__"}


def _units_for(user):
    return list(Unit.objects.visible_to(user, "view").filter(level__lte=Level.BUILDING).order_by("path")[:500])


def _organisations_for(user):
    return list(Organisation.objects.visible_to(user).select_related("unit").order_by("name")[:500])


def _schedule_form(request, data=None):
    return forms.ScheduleForm(data, units=_units_for(request.user), organisations=_organisations_for(request.user),
                              prefix="schedule")


@login_required
def disinfection_index(request, schedule_form=None, status=200):
    require_capability_or_404(request.user, CAPABILITY)
    user = request.user
    node = node_from(request)
    state = request.GET.get("status", DisinfectionOrder.Status.OPEN)
    return render(request, "units/disinfection/index.html", {
        "node": node or user.scope, "orders": list(selectors.order_list(user=user, status=state, node=node)[:300]),
        "state": state, "statuses": DisinfectionOrder.Status.choices,
        "schedules": list(selectors.schedule_list(user=user, node=node)[:300]),
        "records": selectors.recent_records(user=user, node=node, limit=20),
        "schedule_form": schedule_form or _schedule_form(request),
        "map_url": reverse("units:disinfection_map") + (f"?node={node.code}" if node else ""),
    }, status=status)


@login_required
def order_new(request):
    require_capability_or_404(request.user, CAPABILITY)
    units = _units_for(request.user)
    form = forms.OrderForm(request.POST or None, units=units, initial={"unit": request.user.scope_id})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        order = run_service(form, lambda: services.order_create(
            unit=form.units.get(data["unit"]), place_name=data["place_name"], address=data["address"],
            reason=data["reason"], source=data["source"], deadline=data["deadline"], actor=request.user))
        if order is not None:
            messages.success(request, _("Order made; the disinfection task is due by %(deadline)s.") % {
                "deadline": order.deadline.strftime("%Y-%m-%d %H:%M")})
            return redirect("units:disinfection_order", disinfection_order_id=order.pk)
    return render(request, "units/disinfection/order_new.html", {"form": form,
                                                                 "order_label": pgettext("units", "Order")},
                  status=422 if request.method == "POST" else 200)


@login_required
def order_detail(request, disinfection_order_id: int):
    require_capability_or_404(request.user, CAPABILITY)
    order = selectors.order_get(user=request.user, order_id=disinfection_order_id)
    return render(request, "units/disinfection/order_detail.html", {
        "order": order, "records": selectors.order_records(order=order)})


@login_required
@require_POST
def schedule_add(request):
    require_capability_or_404(request.user, CAPABILITY)
    form = _schedule_form(request, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        organisation = form.organisations.get(data["organisation"]) if data["organisation"] else None
        schedule = run_service(form, lambda: services.schedule_create(
            unit=form.units.get(data["unit"]) if data["unit"] else None, organisation=organisation,
            place_name=data["place_name"], times_per_day=data["times_per_day"], starts_on=data["starts_on"],
            ends_on=data["ends_on"], actor=request.user))
        if schedule is not None:
            messages.success(request, _("Schedule added; its tasks open each day."))
            return redirect("units:disinfection_index")
    return disinfection_index(request, schedule_form=form, status=422)


@login_required
@require_POST
def schedule_stop(request, disinfection_schedule_id: int):
    require_capability_or_404(request.user, CAPABILITY)
    schedule = selectors.schedule_get(user=request.user, schedule_id=disinfection_schedule_id)
    try:
        services.schedule_stop(schedule=schedule, actor=request.user)
    except PermissionDenied as exc:
        raise Http404 from exc
    return redirect("units:disinfection_index")


@login_required
def disinfection_map(request):
    """GeoJSON of the open orders (?node=<code>), for the command map's layer."""
    require_capability_or_404(request.user, CAPABILITY)
    payload = selectors.open_orders_geojson(
        user=request.user, node=node_from(request),
        url_of=lambda o: reverse("units:disinfection_order", kwargs={"disinfection_order_id": o.pk}))
    return JsonResponse(payload, content_type="application/geo+json")


@login_required
def task_done(request, task_id: int):
    """Closing a disinfection task with what was used (the tasks page shows only outcome and note)."""
    from fangkong.tasks import selectors as task_selectors
    from fangkong.tasks.kinds import get_kind
    from fangkong.tasks.services import task_complete

    require_capability_or_404(request.user, "tasks.view")
    task = task_selectors.task_get(user=request.user, task_id=task_id)
    if task.kind not in DONE_KINDS or not task.is_open or not task_selectors.may_act_on(user=request.user, task=task):
        raise Http404
    kind = get_kind(task.kind)
    form = forms.DisinfectionDoneForm(request.POST or None, task=task, kind=kind, prefix="complete")
    if request.method == "POST" and form.is_valid():
        done = run_service(form, lambda: task_complete(task=task, actor=request.user, **form.completion()),
                           field_map=DONE_FIELDS)
        if done is not None:
            messages.success(request, _("Recorded."))
            if task.subject_type == ORDER_SUBJECT:
                return redirect("units:disinfection_order", disinfection_order_id=task.subject_id)
            return redirect("tasks:task", task_id=task.pk)
    return render(request, "units/disinfection/task_done.html", {"task": task, "form": form},
                  status=422 if request.method == "POST" else 200)
