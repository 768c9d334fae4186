from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import require_capability_or_404
from fangkong.audit.selectors import audit_for_object
from fangkong.core.forms import add_service_errors
from fangkong.core.pagination import page_from_request
from fangkong.risk import selectors, services
from fangkong.risk.forms import ChangeLevelForm, DecisionForm, DeclareForm, FilterForm, ImportForm, LiftForm
from fangkong.risk.imports import MAX_BYTES, risk_import
from fangkong.risk.models import RiskLevel
from fangkong.risk.regions import resolve_origin

_FIELD_OF = {"unit": "node"}


def _add_errors(form, exc: ValidationError) -> None:
    add_service_errors(form, exc, _FIELD_OF)


def _params_without_after(request) -> str:
    params = request.GET.copy()
    params.pop("after", None)
    return params.urlencode()


@login_required
@vary_on_headers("HX-Request")
def area_list(request):
    require_capability_or_404(request.user, "risk.view")
    form = FilterForm(request.GET or None)
    filters = selectors.AreaFilters.from_params(request.GET if form.is_valid() else {})
    page = page_from_request(selectors.area_list(user=request.user, filters=filters), request, size=50)
    context = {"form": form, "page": page, "params": _params_without_after(request),
               "counts": selectors.level_counts(user=request.user), "levels": RiskLevel,
               "can_change": has_capability(request.user, "risk.change"),
               "can_import": services.may_change_outside(request.user),
               "can_confirm": has_capability(request.user, "risk.confirm")}
    template = "risk/area_list.html"
    if request.htmx and request.htmx.target != "content":
        template += "#more-rows" if request.GET.get("after") else "#results"
    return render(request, template, context)


@login_required
@vary_on_headers("HX-Request")
def area_detail(request, area_id: int):
    require_capability_or_404(request.user, "risk.view")
    user = request.user
    area = selectors.area_get(user=user, area_id=area_id)
    people = page_from_request(selectors.exposed_people(user=user, area=area), request, size=50)
    if request.htmx and request.GET.get("after"):
        return render(request, "risk/area_detail.html#people-rows", {"area": area, "people": people})
    can_change = has_capability(user, "risk.change") and selectors.may_change(user=user, area=area)
    return render(request, "risk/area_detail.html", {
        "area": area, "history": selectors.area_history(area=area), "people": people,
        "people_visible": has_capability(user, "people.view"), "itinerary_days": selectors.itinerary_days(),
        "proposals": area.proposals.select_related("decided_by").order_by("-pk")[:20],
        "audit": audit_for_object(user=user, obj=area),
        "can_change": can_change and area.is_active,
        "level_form": ChangeLevelForm(initial={"level": area.level}), "lift_form": LiftForm(),
    })


def _declare_nodes(user):
    from fangkong.territory.models import Level
    from fangkong.territory.selectors import subtree, unit_scope_root

    root = unit_scope_root(user=user)
    return subtree(user=user, unit=root).filter(level__lte=Level.GRID).order_by("path")[:500]


def _node_from_form(user, data):
    from fangkong.territory.selectors import unit_get, unit_search

    if data.get("node"):
        return unit_get(user=user, unit_id=data["node"])
    code = data.get("node_code", "").strip()
    match = [u for u in unit_search(user=user, query=code, limit=1) if u.code == code]
    return match[0] if match else None


@login_required
def declare(request):
    require_capability_or_404(request.user, "risk.change")
    user = request.user
    allow_outside = services.may_change_outside(user)
    form = DeclareForm(request.POST or None, nodes=_declare_nodes(user), allow_outside=allow_outside)
    origin = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        kwargs = {}
        if data["target"] == "node":
            try:
                node = _node_from_form(user, data)
            except Http404:
                node = None
            if node is None:
                form.add_error("node_code", _("No node with this code in your jurisdiction."))
            kwargs = {"unit": node}
        elif data["code"]:
            kwargs = {"code": data["code"], "name": data["address"]}
        else:
            # An address alone: resolve it and show the code before anything is saved.
            origin = resolve_origin(data["address"])
            if origin is None:
                form.add_error("address", _("This address could not be resolved to a county: enter the region "
                                            "code."))
            else:
                form.data = form.data.copy()
                form.data["code"] = origin.code
                messages.info(request, _("Check the resolved region code, then declare."))
        if form.is_valid() and kwargs:
            try:
                area = services.risk_area_declare(level=data["level"], reason=data["reason"], actor=user, **kwargs)
            except ValidationError as exc:
                _add_errors(form, exc)
            except PermissionDenied:
                form.add_error(None, _("This node is outside your jurisdiction."))
            else:
                messages.success(request, _("%(name)s is declared a risk area.") % {"name": area.name})
                return redirect("risk:area", area_id=area.pk)
    return render(request, "risk/declare.html", {"form": form, "origin": origin, "allow_outside": allow_outside})


@login_required
def resolve(request):
    """htmx: what an address resolves to, shown under the address box as one types."""
    require_capability_or_404(request.user, "risk.change")
    address = (request.GET.get("address") or "").strip()[:200]
    origin = resolve_origin(address) if address else None
    return render(request, "risk/declare.html#resolution", {"origin": origin, "address": address})


@login_required
@require_POST
def change_level(request, area_id: int):
    require_capability_or_404(request.user, "risk.change")
    area = selectors.area_get(user=request.user, area_id=area_id, action="change")
    form = ChangeLevelForm(request.POST)
    if form.is_valid():
        try:
            services.risk_area_change_level(area=area, level=form.cleaned_data["level"],
                                            reason=form.cleaned_data["reason"], actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The level was changed."))
    else:
        messages.error(request, _("Choose the new level and give the reason."))
    return redirect("risk:area", area_id=area.pk)


@login_required
@require_POST
def lift(request, area_id: int):
    require_capability_or_404(request.user, "risk.change")
    area = selectors.area_get(user=request.user, area_id=area_id, action="change")
    form = LiftForm(request.POST)
    if form.is_valid():
        try:
            services.risk_area_lift(area=area, reason=form.cleaned_data["reason"], actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The area was lifted."))
    else:
        messages.error(request, _("Give the reason for lifting."))
    return redirect("risk:area", area_id=area.pk)


@login_required
def import_list(request):
    require_capability_or_404(request.user, "risk.change")
    if not services.may_change_outside(request.user):
        raise Http404
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            form.add_error("file", _("The file is larger than 5 MB."))
        else:
            report = risk_import(data=upload.read(), filename=upload.name, actor=request.user)
    return render(request, "risk/import.html", {"form": form, "report": report})


@login_required
def proposals(request):
    require_capability_or_404(request.user, "risk.view")
    items = selectors.proposal_list(user=request.user)
    return render(request, "risk/proposals.html", {
        "proposals": items, "criteria_available": selectors.criteria_available(),
        "can_confirm": has_capability(request.user, "risk.confirm"), "form": DecisionForm(),
    })


@login_required
@require_POST
def proposal_decide(request, proposal_id: int, decision: str):
    require_capability_or_404(request.user, "risk.confirm")
    proposal = selectors.proposal_get(user=request.user, proposal_id=proposal_id)
    form = DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    service = services.proposal_confirm if decision == "confirm" else services.proposal_reject
    try:
        service(proposal=proposal, actor=request.user, note=note)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Confirmed: the level was changed.") if decision == "confirm"
                         else _("The proposal was rejected."))
    return redirect("risk:proposals")


def public(request):
    """No login: the current risk areas, as a public notice shows them. No personal data."""
    page = page_from_request(selectors.public_area_list(), request, size=100)
    return render(request, "risk/public.html", {"page": page})
