"""The stock pages: stock by place with days of cover, a place's ledger and movement form, the low-stock warning,
the catalogue, and requests from points of use (ask → approve → issue → receive). Thin: scope lives in the
selectors, rules in the services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import require_capability_or_404
from fangkong.core.forms import add_service_errors
from fangkong.core.pagination import page_from_request
from fangkong.supplies.models import SupplyRequest
from fangkong.supplies.stock import forms, selectors, services


def _caps(user) -> dict:
    caps = {name: has_capability(user, f"supplies.{name}")
            for name in ("move", "manage", "approve", "request", "donate", "report")}
    caps["add_items"], caps["add_places"] = services.may_add_items(user), services.may_add_places(user)
    return caps


@login_required
def stock_index(request):
    """Every place the user sees with what it holds and for how many days."""
    require_capability_or_404(request.user, "supplies.view")
    page = page_from_request(selectors.places_for(user=request.user), request, descending=False)
    rows = selectors.stock_rows(user=request.user, places=page.items)
    by_place = {p.pk: [] for p in page.items}
    for row in rows:
        by_place.setdefault(row.place.pk, []).append(row)
    return render(request, "supplies/stock_index.html", {
        "page": page, "places": [(p, by_place.get(p.pk, [])) for p in page.items],
        "low_count": len(selectors.stock_rows(user=request.user, only_low=True)),
        "threshold": selectors.low_cover_days(), "requests": selectors.open_request_counts(user=request.user),
        "may": _caps(request.user)})


@login_required
def stock_low(request):
    require_capability_or_404(request.user, "supplies.view")
    return render(request, "supplies/stock_low.html", {
        "rows": selectors.stock_rows(user=request.user, only_low=True), "threshold": selectors.low_cover_days()})


@login_required
def stock_place(request, place_id: int):
    require_capability_or_404(request.user, "supplies.view")
    place = selectors.place_get(user=request.user, place_id=place_id)
    return render(request, "supplies/stock_place.html", {
        "place": place, "rows": selectors.stock_rows(user=request.user, place=place),
        "threshold": selectors.low_cover_days(), "may": _caps(request.user),
        "recent": selectors.place_ledger(place=place).order_by("-pk")[:10]})


@login_required
def stock_ledger(request, place_id: int):
    require_capability_or_404(request.user, "supplies.view")
    place = selectors.place_get(user=request.user, place_id=place_id)
    item_id = request.GET.get("item", "")
    page = page_from_request(selectors.place_ledger(place=place, item_id=int(item_id) if item_id.isdigit() else None),
                             request)
    return render(request, "supplies/stock_ledger.html", {
        "place": place, "page": page, "item_id": item_id if item_id.isdigit() else "",
        "items": selectors.items_active()})


@login_required
def stock_move(request, place_id: int):
    require_capability_or_404(request.user, "supplies.move")
    place = selectors.place_get(user=request.user, place_id=place_id, action="move")
    others = [p for p in selectors.places_for(user=request.user) if p.pk != place.pk]
    form = forms.MovementForm(request.POST or None, items=list(selectors.items_active()), places=others,
                              initial={"kind": request.GET.get("kind", "receipt")})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                written = services.movement_record(
                    place=place, item=form.chosen_item(), kind=data["kind"], quantity=data["quantity"],
                    counted=data["counted"], counterpart=form.chosen_counterpart(), source=data["source"],
                    note=data["note"], actor=request.user)
            except PermissionDenied:
                raise Http404 from None
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                first = written[0]
                messages.success(request, _("%(kind)s of %(item)s recorded; %(place)s now holds %(n)s.") % {
                    "kind": first.get_kind_display(), "item": first.item.name, "place": place.name,
                    "n": services.fmt(first.balance_after)})
                return redirect("supplies:stock_place", place_id=place.pk)
        status = 422
    return render(request, "supplies/stock_move.html", {"place": place, "form": form}, status=status)


def _units(user):
    from fangkong.territory.models import Level, Unit

    return list(Unit.objects.visible_to(user).filter(level__lte=Level.COMMUNITY).order_by("path")[:500])


@login_required
def stock_items(request):
    """The catalogue, and (for the HQ and the city's supplies office) a form to add an item."""
    require_capability_or_404(request.user, "supplies.view")
    may_add = services.may_add_items(request.user)
    form = forms.ItemForm(request.POST or None) if may_add else None
    status = 200
    if request.method == "POST":
        if not may_add:
            raise Http404
        if form.is_valid():
            try:
                item = services.item_create(**form.cleaned_data, actor=request.user)
            except PermissionDenied:
                raise Http404 from None
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Item %(name)s added.") % {"name": item.name})
                return redirect("supplies:stock_items")
        status = 422
    return render(request, "supplies/stock_items.html", {"items": selectors.items_active(), "form": form},
                  status=status)


@login_required
def stock_place_new(request):
    if not services.may_add_places(request.user):
        raise Http404
    units = _units(request.user)
    form = forms.PlaceForm(request.POST or None, units=units)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            data["unit"] = next(u for u in units if u.pk == data["unit"])
            try:
                place = services.place_create(**data, actor=request.user)
            except PermissionDenied:
                form.add_error("unit", _("You may not open a place there."))
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Place %(name)s added.") % {"name": place.name})
                return redirect("supplies:stock_place", place_id=place.pk)
        status = 422
    return render(request, "supplies/stock_place_form.html", {"form": form}, status=status)


# --- requests --------------------------------------------------------------------------------------------------


@login_required
def request_list(request):
    require_capability_or_404(request.user, "supplies.view")
    status = request.GET.get("status", "open")
    page = page_from_request(selectors.requests_for(user=request.user, status=status), request)
    return render(request, "supplies/stock_request_list.html", {
        "page": page, "status": status, "statuses": SupplyRequest.Status.choices, "may": _caps(request.user)})


def _request_actor_places(user):
    """Points of use the user may ask for: their own (supplies.request), or any in scope for the office."""
    action = "request" if has_capability(user, "supplies.request") else "move"
    return [p for p in selectors.places_for(user=user, action=action) if not p.is_warehouse]


@login_required
def request_new(request):
    if not (has_capability(request.user, "supplies.request") or has_capability(request.user, "supplies.move")):
        raise Http404
    places = _request_actor_places(request.user)
    form = forms.RequestForm(request.POST or None, items=list(selectors.items_active()), places=places,
                             initial={"place": request.GET.get("place")})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                made = services.request_submit(place=form.chosen_place(), lines=form.lines(),
                                               reason=form.cleaned_data["reason"], actor=request.user)
            except PermissionDenied:
                raise Http404 from None
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Request #%(n)d sent for approval.") % {"n": made.pk})
                return redirect("supplies:request_detail", supply_request_id=made.pk)
        status = 422
    return render(request, "supplies/stock_request_form.html", {"form": form}, status=status)


def _decide_form(data, supply_request, lines):
    return forms.LineQuantitiesForm(data, lines=lines, prefix_name="approved", prefix="decide",
                                    initial_of=lambda line: services.fmt(line.requested))


def _issue_form(data, user, supply_request, lines):
    warehouses = [p for p in selectors.places_for(user=user, action="move") if p.is_warehouse]
    return forms.IssueForm(data, lines=[line for line in lines if line.approved], prefix_name="issued",
                           prefix="issue", warehouses=warehouses,
                           initial_of=lambda line: services.fmt(line.approved))


def _receive_form(data, lines):
    return forms.LineQuantitiesForm(data, lines=[line for line in lines if line.issued], prefix_name="received",
                                    prefix="receive", initial_of=lambda line: services.fmt(line.issued))


def _request_page(request, supply_request, *, status=200, **page_forms):
    user, lines = request.user, selectors.request_lines(supply_request)
    caps = _caps(user)
    state = supply_request.Status
    context = {"item": supply_request, "lines": lines, "may": caps}
    if supply_request.status == state.SUBMITTED and caps["approve"]:
        context["decide_form"] = page_forms.get("decide_form") or _decide_form(None, supply_request, lines)
    if supply_request.status == state.APPROVED and caps["move"]:
        issue_form = page_forms.get("issue_form") or _issue_form(None, user, supply_request, lines)
        context["issue_form"] = issue_form
        warehouses = list(issue_form.warehouses.values())
        stock = selectors.warehouse_stock(warehouses=warehouses, items=[line.item for line in issue_form.lines])
        context["warehouse_stock"] = [
            (w, [(line.item, stock.get((w.pk, line.item_id), 0)) for line in issue_form.lines]) for w in warehouses]
    if supply_request.status == state.ISSUED and (caps["request"] or caps["move"]):
        context["receive_form"] = page_forms.get("receive_form") or _receive_form(None, lines)
    context["movements"] = list(supply_request.movements.select_related("item", "place").order_by("pk"))
    return render(request, "supplies/stock_request_detail.html", context, status=status)


@login_required
def request_detail(request, supply_request_id: int):
    require_capability_or_404(request.user, "supplies.view")
    return _request_page(request, selectors.request_get(user=request.user, supply_request_id=supply_request_id))


def _act(request, supply_request, form, form_name, call, done):
    if form.is_valid():
        try:
            call(form)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("supplies:request_detail", supply_request_id=supply_request.pk)
    return _request_page(request, supply_request, status=422, **{form_name: form})


@login_required
@require_POST
def request_decide(request, supply_request_id: int):
    require_capability_or_404(request.user, "supplies.approve")
    supply_request = selectors.request_get(user=request.user, supply_request_id=supply_request_id,
                                           action="approve")
    lines = selectors.request_lines(supply_request)
    form = _decide_form(request.POST, supply_request, lines)
    return _act(request, supply_request, form, "decide_form", lambda f: services.request_decide(
        supply_request=supply_request, approved=f.quantities(), note=f.cleaned_data["note"], actor=request.user),
        _("Decision recorded."))


@login_required
@require_POST
def request_issue(request, supply_request_id: int):
    require_capability_or_404(request.user, "supplies.move")
    supply_request = selectors.request_get(user=request.user, supply_request_id=supply_request_id, action="move")
    form = _issue_form(request.POST, request.user, supply_request, selectors.request_lines(supply_request))
    return _act(request, supply_request, form, "issue_form", lambda f: services.request_issue(
        supply_request=supply_request, warehouse=f.chosen_warehouse(), issued=f.quantities(),
        note=f.cleaned_data["note"], actor=request.user), _("Issued; the point confirms when it arrives."))


@login_required
@require_POST
def request_receive(request, supply_request_id: int):
    action = "request" if has_capability(request.user, "supplies.request") else "move"
    require_capability_or_404(request.user, f"supplies.{action}")
    supply_request = selectors.request_get(user=request.user, supply_request_id=supply_request_id, action=action)
    form = _receive_form(request.POST, selectors.request_lines(supply_request))
    return _act(request, supply_request, form, "receive_form", lambda f: services.request_receive(
        supply_request=supply_request, received=f.quantities(), note=f.cleaned_data["note"], actor=request.user),
        _("Receipt confirmed; the stock is in the point's ledger."))

