"""Living support pages: needs (grid worker's phone and the office's list), unified purchase batches, delivery
rounds confirmed door to door on a phone, and the household's own page behind its link."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role, has_capability
from fangkong.accounts.scope import require_capability_or_404
from fangkong.core.forms import add_service_errors
from fangkong.core.pagination import page_from_request
from fangkong.core.paths import path_ids
from fangkong.supplies.living import selectors, services
from fangkong.supplies.living.forms import BatchForm, ConfirmStopForm, NeedForm, PublicNeedForm
from fangkong.supplies.models.living import DeliveryStop, Need, NeedKind
from fangkong.territory.models import Level, Unit


def _require_reader(user) -> None:
    if selectors.read_action(user) is None:
        raise Http404


def _errors_of(exc) -> str:
    return " ".join(getattr(exc, "messages", None) or [_("You may not do this.")])


# --- needs -----------------------------------------------------------------------------------------------------


@login_required
def need_list(request):
    _require_reader(request.user)
    node = None
    if request.GET.get("node"):
        node = Unit.objects.visible_to(request.user, "view").filter(pk=request.GET["node"]).first()
        if node is None:
            raise Http404
    status = request.GET.get("status", "open")
    if status not in ("open", *Need.Status.values, "all"):
        status = "open"
    kind = request.GET.get("kind", "")
    kind = kind if kind in NeedKind.values else ""
    qs = selectors.needs_for(user=request.user, status="" if status == "all" else status, node=node, kind=kind)
    page = page_from_request(qs, request)
    rows = [(need, selectors.shown_contact(request.user, need.household, name=need.contact_name,
                                           phone=need.contact_phone)) for need in page.items]
    return render(request, "supplies/living_need_list.html", {
        "page": page, "rows": rows, "status": status, "kind": kind, "node": node, "now": timezone.now(),
        "statuses": [("open", _("Open")), *Need.Status.choices, ("all", _("All"))], "kinds": NeedKind.choices,
        "may_record": has_capability(request.user, "supplies.need"),
        "may_purchase": has_capability(request.user, "supplies.purchase"),
    })


@login_required
def household_list(request):
    """The grid worker's phone list: the controlled households of the grid, each one tap from a need form."""
    require_capability_or_404(request.user, "supplies.need")
    page = page_from_request(selectors.controlled_households(user=request.user), request, descending=False)
    return render(request, "supplies/living_household_list.html", {"page": page})


@login_required
def household_detail(request, household_id: int):
    household = selectors.household_for_need(user=request.user, household_id=household_id)
    link = selectors.active_link(household=household)
    return render(request, "supplies/living_household.html", {
        "household": household, "needs": selectors.household_needs(household=household)[:50],
        "control": services.control_reason(household), "link": link,
        "link_url": request.build_absolute_uri(f"/supplies/h/{link.token}/") if link else "",
        "clear": selectors.sees_personal_data(request.user, household),
    })


@login_required
@require_POST
def household_link(request, household_id: int):
    household = selectors.household_for_need(user=request.user, household_id=household_id)
    try:
        services.household_link_get_or_create(household=household, actor=request.user)
    except PermissionDenied:
        raise Http404 from None
    return redirect("supplies:living_household", household_id=household.pk)


@login_required
def need_new(request, household_id: int):
    household = selectors.household_for_need(user=request.user, household_id=household_id)
    form = NeedForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                need = services.need_record(
                    household=household, kind=data["kind"], items=form.items(), care=data["care"],
                    prescription_note=data["prescription_note"], note=data["note"],
                    contact_name=data["contact_name"], contact_phone=data["contact_phone"], actor=request.user)
            except PermissionDenied:
                raise Http404 from None
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Need recorded; due %(due)s.") % {
                    "due": timezone.localtime(need.due_at).strftime("%m-%d %H:%M")})
                return redirect("supplies:living_need", need_id=need.pk)
        status = 422
    return render(request, "supplies/living_need_form.html", {
        "form": form, "household": household, "control": services.control_reason(household)}, status=status)


def _team_choices(user, unit) -> list[User]:
    return list(User.objects.filter(role=Role.SUPPLIES, is_active=True, scope_id__in=path_ids(unit.path))
                .order_by("username")[:100]) if unit is not None else []


@login_required
def need_detail(request, need_id: int):
    need = selectors.need_get(user=request.user, need_id=need_id)
    delivery = need.stop.round if need.stop_id else None
    shown = selectors.shown_contact(request.user, need.household, name=need.contact_name, phone=need.contact_phone,
                                    delivery=delivery)
    may_plan = need.urgent and need.status == Need.Status.OPEN and (
        has_capability(request.user, "supplies.purchase") or has_capability(request.user, "supplies.deliver"))
    return render(request, "supplies/living_need.html", {
        "need": need, "shown": shown, "items": need.items.all(), "delivery": delivery, "may_plan": may_plan,
        "team": _team_choices(request.user, need.unit) if may_plan else [],
        "show_prescription": selectors.may_read_prescription(request.user),
        "stop": need.stop if need.stop_id else None,
    })


# --- batches ---------------------------------------------------------------------------------------------------


@login_required
def batch_list(request):
    _require_reader(request.user)
    page = page_from_request(selectors.batches_for(user=request.user), request)
    return render(request, "supplies/living_batch_list.html", {
        "page": page, "may_purchase": has_capability(request.user, "supplies.purchase")})


def _batch_units(user) -> list[Unit]:
    return list(Unit.objects.visible_to(user, "view").filter(level__lte=Level.GRID).order_by("path")[:500])


@login_required
def batch_new(request):
    require_capability_or_404(request.user, "supplies.purchase")
    units = _batch_units(request.user)
    initial = {"cut_off": timezone.localtime().replace(second=0, microsecond=0)}
    form = BatchForm(request.POST or None, units=units, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            unit = next(u for u in units if u.pk == form.cleaned_data["unit"])
            try:
                batch = services.batch_create(unit=unit, cut_off=form.cleaned_data["cut_off"], actor=request.user)
            except PermissionDenied:
                raise Http404 from None
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Purchase batch made."))
                return redirect("supplies:living_batch", batch_id=batch.pk)
        status = 422
    return render(request, "supplies/living_batch_form.html", {"form": form}, status=status)


@login_required
def batch_detail(request, batch_id: int):
    _require_reader(request.user)
    batch = selectors.batch_get(user=request.user, batch_id=batch_id)
    needs = list(batch.needs.select_related("household__unit").order_by("unit__path", "household__number"))
    return render(request, "supplies/living_batch.html", {
        "batch": batch, "lines": selectors.purchase_list(batch=batch), "needs": needs,
        "rounds": list(batch.rounds.all()), "team": _team_choices(request.user, batch.unit),
        "may_plan": has_capability(request.user, "supplies.purchase") and batch.status == "open",
    })


# --- delivery rounds ---------------------------------------------------------------------------------------------


def _chosen_members(request, unit) -> list[User]:
    wanted = set(request.POST.getlist("members"))
    return [u for u in _team_choices(request.user, unit) if str(u.pk) in wanted]


@login_required
@require_POST
def round_new(request):
    _require_reader(request.user)
    back = ("supplies:living_batch", {"batch_id": request.POST.get("batch")}) if request.POST.get("batch") else \
        ("supplies:living_need", {"need_id": request.POST.get("need")})
    try:
        if request.POST.get("batch"):
            batch = selectors.batch_get(user=request.user, batch_id=int(request.POST["batch"]))
            delivery = services.round_create_for_batch(batch=batch, members=_chosen_members(request, batch.unit),
                                                       actor=request.user)
        else:
            need = selectors.need_get(user=request.user, need_id=int(request.POST.get("need") or 0))
            delivery = services.round_create_for_need(need=need, members=_chosen_members(request, need.unit),
                                                      actor=request.user)
    except (ValueError, PermissionDenied):
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, _errors_of(exc))
        return redirect(back[0], **back[1])
    messages.success(request, _("Delivery round sent out."))
    return redirect("supplies:living_round", delivery_id=delivery.pk)


@login_required
def round_list(request):
    _require_reader(request.user)
    qs = selectors.rounds_for(user=request.user)
    if request.GET.get("mine"):
        qs = qs.filter(members=request.user)
    return render(request, "supplies/living_round_list.html", {"page": page_from_request(qs, request)})


@login_required
def round_detail(request, delivery_id: int):
    """The delivery team's phone page: the stops in order, confirmed one by one at the door."""
    _require_reader(request.user)
    delivery = selectors.round_get(user=request.user, delivery_id=delivery_id)
    member = delivery.members.filter(pk=request.user.pk).exists()
    stops = []
    for stop in selectors.round_stops(delivery=delivery):
        clear = member or selectors.is_grid_worker_of(request.user, stop.household)
        needs = list(stop.needs.all())
        first = needs[0] if needs else None
        shown = selectors.shown_contact(request.user, stop.household, name=first.contact_name if first else "",
                                        phone=first.contact_phone if first else "", clear=clear)
        stops.append((stop, shown, needs, services.may_confirm(request.user, stop)))
    return render(request, "supplies/living_round.html", {
        "delivery": delivery, "stops": stops, "form": ConfirmStopForm(), "members": list(delivery.members.all())})


@login_required
@require_POST
def stop_confirm(request, delivery_id: int, stop_id: int):
    delivery = selectors.round_get(user=request.user, delivery_id=delivery_id)
    stop = get_object_or_404(DeliveryStop, pk=stop_id, round=delivery)
    form = ConfirmStopForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("supplies:living_round", delivery_id=delivery.pk)
    try:
        services.stop_confirm(stop=stop, handover=form.cleaned_data["handover"], note=form.cleaned_data["note"],
                              photo=form.cleaned_data.get("photo"),
                              keep_location=form.cleaned_data["keep_location"], actor=request.user)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, _errors_of(exc))
    else:
        messages.success(request, _("Delivery confirmed."))
    return redirect("supplies:living_round", delivery_id=delivery.pk)


@login_required
def stop_photo(request, stop_id: int):
    """The photo taken at the door, for whoever may read the household's needs; never a public media URL."""
    stop = selectors.stop_photo_get(user=request.user, stop_id=stop_id)
    try:
        handle = stop.photo.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- the household's own page ---------------------------------------------------------------------------------------


def public_household(request, token: str):
    """No login: the household behind the link states a need and confirms what reached its door."""
    link = selectors.link_by_token(token=token)
    household = link.household
    control = services.control_reason(household)
    form = PublicNeedForm(request.POST or None)
    done, limited, status = False, "", 200
    if request.method == "POST" and control is not None:
        if form.is_valid():
            data = form.cleaned_data
            if data.get("website"):
                done = True
            else:
                try:
                    services.need_record(
                        household=household, kind=data["kind"], items=form.items(), care=data["care"],
                        prescription_note=data["prescription_note"], note=data["note"],
                        contact_name=data["contact_name"], contact_phone=data["contact_phone"], link=link,
                        ip=request.META.get("REMOTE_ADDR"))
                except services.RateLimited as exc:
                    limited, status = exc.message, 429
                except ValidationError as exc:
                    add_service_errors(form, exc)
                    status = 422
                else:
                    done = True
                    form = PublicNeedForm()
        else:
            status = 422
    needs = selectors.household_needs(household=household)[:20]
    pending_stops = {n.stop_id: n.stop for n in needs if n.stop_id and n.stop.received_at is None}
    return render(request, "supplies/living_public.html", {
        "link": link, "household": household, "control": control, "form": form, "done": done, "limited": limited,
        "needs": needs, "stops": list(pending_stops.values())}, status=status)


@require_POST
def public_confirm(request, token: str, stop_id: int):
    link = selectors.link_by_token(token=token)
    stop = get_object_or_404(DeliveryStop, pk=stop_id, household=link.household)
    try:
        services.household_confirm_receipt(link=link, stop=stop)
    except PermissionDenied:
        raise Http404 from None
    return redirect("supplies:living_public", token=token)
