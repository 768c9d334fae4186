"""Transfer trips (转运): an officer makes a trip for the people placed in a site; the driver works through the
pickup list on a phone; the site staff sign each person in at the handover."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import require_capability_or_404
from fangkong.core.forms import add_service_errors
from fangkong.isolation import forms, selectors, services
from fangkong.isolation.models import Stay


def _drivers(site):
    from fangkong.accounts.models import User
    from fangkong.core.paths import path_ids

    return list(User.objects.filter(role="isolation", is_active=True, scope_id__in=path_ids(site.unit.path))
                .order_by("username"))


@login_required
def trip_new(request, site_id: int):
    require_capability_or_404(request.user, "isolation.place")
    site = selectors.site_get(user=request.user, site_id=site_id, action="place")
    waiting = selectors.stays_waiting_for_trip(user=request.user, site=site)
    drivers = _drivers(site)
    form = forms.TripForm(request.POST or None, stays=waiting, drivers=drivers)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            chosen = [s for s in waiting if s.pk in set(data["stays"])]
            try:
                trip = services.trip_create(
                    site=site, stays=chosen, vehicle=data["vehicle"], driver_name=data["driver_name"],
                    driver_phone=data["driver_phone"], escort_name=data["escort_name"], departs_at=data["departs_at"],
                    driver=next((d for d in drivers if d.pk == data["driver"]), None), actor=request.user)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Trip %(vehicle)s planned with %(count)d people.") % {
                    "vehicle": trip.vehicle, "count": len(chosen)})
                return redirect("isolation:trip_detail", trip_id=trip.pk)
        status = 422
    return render(request, "isolation/trip_form.html", {"form": form, "site": site}, status=status)


def _may_see_trips(user) -> bool:
    return has_capability(user, "isolation.transfer") or has_capability(user, "isolation.view")


@login_required
def trip_list(request):
    if not _may_see_trips(request.user):
        require_capability_or_404(request.user, "isolation.transfer")
    return render(request, "isolation/trip_list.html", {"trips": selectors.trips_for(user=request.user)[:100]})


@login_required
def trip_detail(request, trip_id: int):
    """The driver's phone page: the pickup list in order, found / not found, then the handover at the site."""
    if not _may_see_trips(request.user):
        require_capability_or_404(request.user, "isolation.transfer")
    trip = selectors.trip_get(user=request.user, trip_id=trip_id)
    return render(request, "isolation/trip_detail.html", {
        "trip": trip, "stops": selectors.trip_stops(trip=trip), "handover_form": forms.HandoverForm()})


@login_required
@require_POST
def pickup(request, trip_id: int, stay_id: int):
    trip = selectors.trip_get(user=request.user, trip_id=trip_id)
    stay = get_object_or_404(Stay, pk=stay_id, trip=trip)
    form = forms.PickupForm(request.POST)
    if form.is_valid():
        try:
            services.pickup_record(stay=stay, found=form.cleaned_data["found"] == "yes",
                                   note=form.cleaned_data["note"], actor=request.user)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect("isolation:trip_detail", trip_id=trip.pk)


@login_required
@require_POST
def handover(request, trip_id: int, stay_id: int):
    trip = selectors.trip_get(user=request.user, trip_id=trip_id)
    stay = get_object_or_404(Stay, pk=stay_id, trip=trip)
    form = forms.HandoverForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The site staff member who receives the person signs with their name."))
        return redirect("isolation:trip_detail", trip_id=trip.pk)
    try:
        services.handover_record(stay=stay, received_by=form.cleaned_data["received_by"], actor=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [_("You may not do this.")])))
    else:
        messages.success(request, _("Handed over."))
    return redirect("isolation:trip_detail", trip_id=trip.pk)
