"""Isolation for officers and the HQ: occupancy and the headline figure, sites and their rooms, the placement
queue with the proposal to confirm, trips, and the release list."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import require_capability_or_404
from fangkong.core.forms import add_service_errors
from fangkong.isolation import forms, imports, selectors, services
from fangkong.isolation.models import Room, Stay


@login_required
def index(request):
    require_capability_or_404(request.user, "isolation.view")
    sites = selectors.occupancy(user=request.user)
    return render(request, "isolation/index.html", {
        "sites": sites, "figures": selectors.queue_to_room(user=request.user, days=7),
        "queue_count": selectors.queue_count(user=request.user),
        "totals": {status: sum(s.by_status.get(status, 0) for s in sites) for status in Room.Status.values},
        "reserve": selectors.reserve_by_district(user=request.user),
        "forecast": selectors.capacity_forecast(user=request.user),
        "can_manage": has_capability(request.user, "isolation.manage"),
        "can_place": has_capability(request.user, "isolation.place"),
    })


def _units(user):
    from fangkong.territory.models import Level, Unit

    return list(Unit.objects.visible_to(user).filter(level__lte=Level.COMMUNITY).order_by("path")[:500])


def _doctors(unit):
    from fangkong.accounts.models import User
    from fangkong.core.paths import path_ids

    return list(User.objects.filter(role="isolation", is_active=True, scope_id__in=path_ids(unit.path))
                .order_by("username")) if unit else []


@login_required
def site_new(request):
    require_capability_or_404(request.user, "isolation.manage")
    units = _units(request.user)
    form = forms.SiteForm(request.POST or None, units=units, doctors=_doctors(request.user.scope))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            unit = next(u for u in units if u.pk == data["unit"])
            doctor = next((d for d in _doctors(request.user.scope) if d.pk == data["doctor"]), None)
            try:
                site = services.site_create(
                    code=data["code"], name=data["name"], unit=unit, address=data["address"], actor=request.user,
                    operator=data["operator"], manager_name=data["manager_name"], manager_phone=data["manager_phone"],
                    reserve=data["reserve"], category=data["category"], doctor=doctor)
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied:
                form.add_error("unit", _("You may not open a site there."))
            else:
                messages.success(request, _("Site %(name)s created; now add its rooms.") % {"name": site.name})
                return redirect("isolation:site_detail", site_id=site.pk)
        status = 422
    return render(request, "isolation/site_form.html", {"form": form}, status=status)


def _site_page(request, site, *, status=200, **page_forms):
    from fangkong.workforce.selectors import subject_on_duty

    post, shifts = subject_on_duty(subject_type="isolation.site", subject_id=site.pk)
    context = {
        "post": post, "shifts": shifts,
        "site": site, "floors": selectors.site_rooms(site=site),
        "pattern_form": forms.RoomPatternForm(), "upload_form": forms.RoomsUploadForm(),
        "can_manage": has_capability(request.user, "isolation.manage"),
        "can_place": has_capability(request.user, "isolation.place"),
        "waiting": selectors.stays_waiting_for_trip(user=request.user, site=site),
        "trips": selectors.trips_for(user=request.user).filter(site=site)[:20],
    }
    context.update(page_forms)
    return render(request, "isolation/site_detail.html", context, status=status)


@login_required
def site_detail(request, site_id: int):
    require_capability_or_404(request.user, "isolation.view")
    return _site_page(request, selectors.site_get(user=request.user, site_id=site_id))


@login_required
@require_POST
def rooms_pattern(request, site_id: int):
    require_capability_or_404(request.user, "isolation.manage")
    site = selectors.site_get(user=request.user, site_id=site_id, action="manage")
    form = forms.RoomPatternForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            numbers = services.room_numbers(floors=(data["first_floor"], data["last_floor"]),
                                            per_floor=data["per_floor"], skip_digits=data["skip_digits"])
            made = services.rooms_create(site=site, actor=request.user, rooms=[
                {"number": number, "floor": floor, "kind": data["kind"], "beds": data["beds"],
                 "category": data["category"]} for floor, number in numbers])
        except ValidationError as exc:
            add_service_errors(form, exc, {"rooms": "__all__", "floors": "__all__"})
        else:
            messages.success(request, _("%(count)d rooms created.") % {"count": len(made)})
            return redirect("isolation:site_detail", site_id=site.pk)
    return _site_page(request, site, status=422, pattern_form=form)


@login_required
@require_POST
def rooms_upload(request, site_id: int):
    require_capability_or_404(request.user, "isolation.manage")
    site = selectors.site_get(user=request.user, site_id=site_id, action="manage")
    form = forms.RoomsUploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            made = services.rooms_create(site=site, actor=request.user,
                                         rooms=imports.room_rows(upload.read(), upload.name))
        except ValidationError as exc:
            add_service_errors(form, exc, {"rooms": "file"})
        else:
            messages.success(request, _("%(count)d rooms created.") % {"count": len(made)})
            return redirect("isolation:site_detail", site_id=site.pk)
    return _site_page(request, site, status=422, upload_form=form)


# --- the placement queue ---------------------------------------------------------------------------------------


@login_required
def queue(request):
    """The queue, oldest first, with the proposal for all of it; the officer edits rooms and confirms."""
    require_capability_or_404(request.user, "isolation.place")
    entries = selectors.placement_queue(user=request.user)
    proposal = selectors.propose(user=request.user, entries=entries)
    rooms = list(Room.objects.filter(site__in=selectors.sites_for(user=request.user, action="place"),
                                     status=Room.Status.AVAILABLE).select_related("site")
                 .order_by("site__name", "floor", "number")[:3000])
    rooms += [room for _entries, room in proposal.groups if room not in rooms]
    form = forms.QueueForm(request.POST or None, groups=proposal.groups, rooms=rooms)
    status = 200
    if request.method == "POST" and form.is_valid():
        by_task = {e.task_id: e for e in entries}
        by_room = {r.pk: r for r in rooms}
        groups = []
        for index in range(len(proposal.groups)):
            room_id = form.cleaned_data.get(f"room_{index}")
            task_ids = [int(t) for t in form.cleaned_data.get(f"tasks_{index}", "").split(",") if t.isdigit()]
            members = [by_task[t] for t in task_ids if t in by_task]
            if room_id and members:
                groups.append((members, by_room[room_id]))
        try:
            if not groups:
                raise ValidationError(_("Choose at least one room."))
            stays = services.placement_confirm(groups=groups, actor=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc, {"room": "__all__"})
            status = 422
        else:
            messages.success(request, _("%(count)d people have a room; arrange their transfer.") % {
                "count": len(stays)})
            return redirect("isolation:queue")
    elif request.method == "POST":
        status = 422
    rows = [(form[f"room_{i}"], form[f"tasks_{i}"], entries_, room) for i, (entries_, room)
            in enumerate(proposal.groups)]
    return render(request, "isolation/queue.html", {
        "entries": entries, "rows": rows, "form": form, "unplaced": proposal.unplaced, "now": timezone.now(),
    }, status=status)


# --- release ------------------------------------------------------------------------------------------------------


@login_required
def releases(request):
    require_capability_or_404(request.user, "isolation.view")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    return render(request, "isolation/releases.html", {
        "stays": selectors.due_for_release(user=request.user, day=tomorrow), "day": tomorrow,
        "can_release": has_capability(request.user, "isolation.receive"),
    })


@login_required
@require_POST
def release(request, stay_id: int):
    require_capability_or_404(request.user, "isolation.receive")
    from fangkong.accounts.scope import get_visible_or_404

    stay = get_visible_or_404(Stay.objects.select_related("person", "site"), user=request.user, action="receive",
                              pk=stay_id)
    try:
        services.stay_release(stay=stay, actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("%(name)s released; their grid has the follow-on measure.") % {
            "name": stay.person.name})
    return redirect("isolation:releases")
