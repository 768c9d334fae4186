"""Inspections: plan one (planned or 暗访) with its team and route, then fill each site's checklist on a phone."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import require_capability_or_404
from fangkong.core.forms import add_service_errors
from fangkong.supervision import forms, selectors, services
from fangkong.territory.models import Unit


def _before(request) -> int | None:
    value = request.GET.get("before", "")
    return int(value) if value.isdigit() else None


@login_required
def index(request):
    require_capability_or_404(request.user, "supervision.view")
    user = request.user
    return render(request, "supervision/index.html", {
        "inspections": selectors.inspections_for(user=user, before=_before(request)),
        "to_rectify": selectors.assignments_for(user=user, status="open")[:20],
        "to_verify": selectors.assignments_for(user=user, status="reported")[:20],
        "may_inspect": has_capability(user, "supervision.inspect"),
        "may_manage": has_capability(user, "supervision.manage"),
        "may_report": has_capability(user, "supervision.report"),
    })


@login_required
def inspection_new(request):
    require_capability_or_404(request.user, "supervision.inspect")
    units = selectors.inspection_units(user=request.user)
    inspectors = [u for u in selectors.team_candidates(user=request.user) if u.pk != request.user.pk]
    initial = {"day": timezone.localdate(), "unit": request.user.scope_id}
    form = forms.InspectionForm(request.POST or None, units=units, inspectors=inspectors, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            unit = next(u for u in units if u.pk == data["unit"])
            team = [u for u in inspectors if u.pk in set(data["team"])]
            try:
                inspection = services.inspection_create(unit=unit, kind=data["kind"], day=data["day"],
                                                        title=data["title"], team=team, actor=request.user)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Inspection planned; now add the sites of its route."))
                return redirect("supervision:inspection_detail", inspection_id=inspection.pk)
        status = 422
    return render(request, "supervision/inspection_form.html", {"form": form}, status=status)


def _detail(request, inspection, site_form, status=200):
    user = request.user
    return render(request, "supervision/inspection_detail.html", {
        "inspection": inspection, "sites": selectors.inspection_sites(user=user, inspection=inspection),
        "team": list(inspection.team.all()), "site_form": site_form,
        "on_team": inspection.team.filter(pk=user.pk).exists() and has_capability(user, "supervision.inspect"),
    }, status=status)


@login_required
def inspection_detail(request, inspection_id: int):
    require_capability_or_404(request.user, "supervision.view")
    inspection = selectors.inspection_get(user=request.user, inspection_id=inspection_id)
    return _detail(request, inspection, forms.SiteForm())


@login_required
def site_add(request, inspection_id: int):
    require_capability_or_404(request.user, "supervision.inspect")
    inspection = selectors.inspection_get(user=request.user, inspection_id=inspection_id, action="inspect")
    form = forms.SiteForm(request.POST or None)
    if request.method != "POST":
        return redirect("supervision:inspection_detail", inspection_id=inspection.pk)
    if form.is_valid():
        data = form.cleaned_data
        unit = Unit.objects.visible_to(request.user).filter(code=data["unit_code"].strip()).first()
        try:
            services.inspection_site_add(inspection=inspection, unit=unit, site_type=data["site_type"],
                                         name=data["name"], actor=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc, field_map={"unit": "unit_code"})
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("You may not do this."))
        else:
            return redirect("supervision:inspection_detail", inspection_id=inspection.pk)
    return _detail(request, inspection, form, status=422)


@login_required
def site_fill(request, inspection_id: int, inspection_site_id: int):
    """The phone page: one checklist item per row."""
    require_capability_or_404(request.user, "supervision.view")
    inspection = selectors.inspection_get(user=request.user, inspection_id=inspection_id)
    site = selectors.site_get(user=request.user, inspection=inspection, site_id=inspection_site_id)
    if site.status == site.Status.SUBMITTED or not has_capability(request.user, "supervision.inspect"):
        return render(request, "supervision/site_results.html", {
            "inspection": inspection, "site": site, "results": selectors.site_results(site=site)})
    items = selectors.checklist_items(site_type=site.site_type)
    form = forms.ChecklistFillForm(request.POST or None, request.FILES or None, items=items)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            answers = [services.Answer(item_id=item.pk, result=data.get(f"item_{item.pk}") or "",
                                       note=data.get(f"note_{item.pk}") or "",
                                       photos=data.get(f"photos_{item.pk}") or [])
                       for item in items]
            try:
                findings = services.site_submit(site=site, answers=answers, notes=data["notes"],
                                                keep_location=data["keep_location"], actor=request.user)
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc) or _("You may not do this."))
            else:
                messages.success(request, _("Submitted: %(count)d findings.") % {"count": len(findings)})
                return redirect("supervision:inspection_detail", inspection_id=inspection.pk)
        status = 422
    return render(request, "supervision/site_fill.html", {"inspection": inspection, "site": site, "form": form},
                  status=status)
