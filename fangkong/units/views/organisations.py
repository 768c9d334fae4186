"""A node's units with their counts, one unit's page (contacts, staff, plan, shifts, applications, loop), and the
writes on it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.accounts.models import User
from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import require_capability_or_404
from fangkong.core.forms import run_service
from fangkong.core.masking import mask_id_number, mask_phone
from fangkong.core.pagination import page_from_request
from fangkong.territory.models import Level, Unit
from fangkong.units import forms, roster, selectors, services
from fangkong.units.access import APPLY, LOOP, ROSTER, may_org
from fangkong.units.models import Organisation, UnitKind
from fangkong.units.views.common import node_from


@login_required
def organisation_list(request):
    require_capability_or_404(request.user, "units.view")
    user = request.user
    node = node_from(request)
    filters = selectors.UnitFilters.from_params(request.GET)
    page = page_from_request(selectors.organisation_list(user=user, node=node, filters=filters), request)
    for org in page.items:
        org.contact_phone_masked = mask_phone(org.contact_phone)
    query = request.GET.copy()
    query.pop("after", None)
    return render(request, "units/organisation_list.html", {
        "page": page, "node": node or user.scope, "filters": filters, "kinds": UnitKind.choices,
        "statuses": Organisation.Status.choices, "query": query.urlencode(),
        "shifts": list(selectors.shifts_on_node(user=user, node=node)[:200]),
        "may_create": has_capability(user, "units.change"),
        "may_review": has_capability(user, "units.review"),
        "may_manage": has_capability(user, "units.manage"),
    })


def _units_for(user):
    return list(Unit.objects.visible_to(user, "change").filter(level__lte=Level.BUILDING)
                .order_by("path")[:500]) if has_capability(user, "units.change") else []


@login_required
def organisation_new(request):
    require_capability_or_404(request.user, "units.change")
    nodes = [u for u in _units_for(request.user) if u.level <= Level.COMMUNITY]
    form = forms.OrganisationForm(request.POST or None, units=nodes, initial={"unit": request.user.scope_id})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = next((u for u in nodes if u.pk == data["unit"]), None)
        org = run_service(form, lambda: services.organisation_create(
            unit=unit, name=data["name"], kind=data["kind"], contact_name=data["contact_name"],
            contact_phone=data["contact_phone"], industry=data["industry"], address=data["address"],
            status=data["status"], actor=request.user))
        if org is not None:
            messages.success(request, _("Unit added; now link its contact and load its staff list."))
            return redirect("units:organisation_detail", organisation_id=org.pk)
    return render(request, "units/organisation_form.html", {"form": form},
                  status=422 if request.method == "POST" else 200)


def _detail_context(request, org, **forms_in):
    user = request.user
    staff = list(selectors.staff_list(organisation=org)[:500])
    for s in staff:
        s.id_masked = mask_id_number(s.person.id_number)
        s.phone_masked = mask_phone(s.person.phone)
    loop = selectors.active_loop(organisation=org)
    context = {
        "org": org, "contacts": selectors.organisation_contacts(organisation=org), "staff": staff,
        "figures": selectors.staff_figures(organisation=org), "plans": selectors.plans(organisation=org),
        "shifts": selectors.organisation_shifts(organisation=org),
        "applications": selectors.organisation_applications(organisation=org), "loop": loop,
        "checks": selectors.open_checks(organisation=org),
        "may_change": may_org(user, "units.change", org), "may_roster": may_org(user, ROSTER, org),
        "may_apply": may_org(user, APPLY, org), "may_loop": may_org(user, LOOP, org),
        "contact_form": forms.ContactForm(), "staff_form": forms.StaffForm(), "import_form": forms.RosterImportForm(),
        "plan_form": forms.PlanForm(), "shift_form": forms.ShiftForm(),
    }
    context.update(forms_in)
    return context


@login_required
def organisation_detail(request, organisation_id: int):
    require_capability_or_404(request.user, "units.view")
    org = selectors.organisation_get(user=request.user, organisation_id=organisation_id)
    return render(request, "units/organisation_detail.html", _detail_context(request, org))


def _org_for_write(request, organisation_id):
    require_capability_or_404(request.user, "units.view")
    return selectors.organisation_get(user=request.user, organisation_id=organisation_id)


def _back_or_422(request, org, ok, **form):
    if ok:
        return redirect("units:organisation_detail", organisation_id=org.pk)
    return render(request, "units/organisation_detail.html", _detail_context(request, org, **form), status=422)


@login_required
@require_POST
def contact_add(request, organisation_id: int):
    org = _org_for_write(request, organisation_id)
    form = forms.ContactForm(request.POST)
    ok = None
    if form.is_valid():
        user = User.objects.filter(username=form.cleaned_data["username"].strip()).first()
        ok = run_service(form, lambda: services.contact_link(organisation=org, user=user, actor=request.user))
    return _back_or_422(request, org, ok, contact_form=form)


@login_required
@require_POST
def staff_add(request, organisation_id: int):
    org = _org_for_write(request, organisation_id)
    form = forms.StaffForm(request.POST)
    ok = None
    if form.is_valid():
        data = form.cleaned_data
        ok = run_service(form, lambda: roster.staff_add(
            organisation=org, name=data["name"], id_number=data["id_number"], role=data["role"],
            presence=data["presence"], in_dormitory=data["in_dormitory"], from_risk_area=data["from_risk_area"],
            actor=request.user))
    return _back_or_422(request, org, ok, staff_form=form)


@login_required
def staff_change(request, organisation_id: int, staff_id: int):
    org = _org_for_write(request, organisation_id)
    staff = selectors.staff_get(user=request.user, organisation=org, staff_id=staff_id)
    form = forms.StaffChangeForm(request.POST or None, initial={
        "role": staff.role, "presence": staff.presence, "in_dormitory": staff.in_dormitory,
        "from_risk_area": staff.from_risk_area})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_service(form, lambda: roster.staff_update(staff=staff, actor=request.user, **data)) is not None:
            return redirect("units:organisation_detail", organisation_id=org.pk)
    staff.id_masked = mask_id_number(staff.person.id_number)
    return render(request, "units/staff_form.html", {"org": org, "staff": staff, "form": form},
                  status=422 if request.method == "POST" else 200)


@login_required
def roster_import(request, organisation_id: int):
    org = _org_for_write(request, organisation_id)
    if not may_org(request.user, ROSTER, org):
        raise Http404
    form = forms.RosterImportForm(request.POST or None, request.FILES or None)
    report = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            report = run_service(form, lambda: roster.roster_import(organisation=org, data=upload.read(),
                                                                    filename=upload.name, actor=request.user))
            if report is not None and report.ok:
                messages.success(request, _("Staff list loaded: %(created)d added, %(updated)d updated.")
                                 % {"created": report.created, "updated": report.updated})
                return redirect("units:organisation_detail", organisation_id=org.pk)
        status = 422
    return render(request, "units/roster_import.html", {"org": org, "form": form, "report": report}, status=status)


@login_required
@require_POST
def plan_upload(request, organisation_id: int):
    org = _org_for_write(request, organisation_id)
    form = forms.PlanForm(request.POST, request.FILES)
    ok = None
    if form.is_valid():
        ok = run_service(form, lambda: services.plan_upload(organisation=org, text=form.cleaned_data["text"],
                                                            attachment=form.cleaned_data["attachment"],
                                                            actor=request.user))
    return _back_or_422(request, org, ok, plan_form=form)


@login_required
def plan_file(request, plan_id: int):
    require_capability_or_404(request.user, "units.view")
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    if not plan.attachment:
        raise Http404
    return FileResponse(plan.attachment.open("rb"), as_attachment=True,
                        filename=plan.attachment_name or plan.attachment.name.rsplit("/", 1)[-1])


@login_required
@require_POST
def shift_add(request, organisation_id: int):
    org = _org_for_write(request, organisation_id)
    form = forms.ShiftForm(request.POST)
    ok = None
    if form.is_valid():
        ok = run_service(form, lambda: services.shift_add(organisation=org, actor=request.user, **form.cleaned_data))
    return _back_or_422(request, org, ok, shift_form=form)


@login_required
def organisation_edit(request, organisation_id: int):
    org = _org_for_write(request, organisation_id)
    if not may_org(request.user, "units.change", org):
        raise Http404
    form = forms.OrganisationEditForm(request.POST or None, initial={
        "name": org.name, "kind": org.kind, "industry": org.industry, "address": org.address,
        "contact_name": org.contact_name, "contact_phone": org.contact_phone})
    if request.method == "POST" and form.is_valid() and run_service(form, lambda: services.organisation_update(
            organisation=org, actor=request.user, **form.cleaned_data)) is not None:
        return redirect("units:organisation_detail", organisation_id=org.pk)
    return render(request, "units/organisation_form.html", {"form": form, "org": org},
                  status=422 if request.method == "POST" else 200)
