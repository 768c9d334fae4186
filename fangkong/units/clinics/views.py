"""The HQ's page of fever clinics (counts per clinic and day, rises), one clinic's page, and the report form the
clinic's staff fill on a phone."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from fangkong.accounts.models import User
from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import require_capability_or_404
from fangkong.core.forms import run_service
from fangkong.core.masking import mask_id_number, mask_phone
from fangkong.units.access import may_org
from fangkong.units.clinics import forms, selectors, services
from fangkong.units.models import Clinic, Organisation
from fangkong.units.views.common import node_from


@login_required
def clinic_index(request):
    require_capability_or_404(request.user, "units.view")
    user = request.user
    node = node_from(request)
    rows = selectors.daily_counts(user=user, node=node)
    return render(request, "units/clinics/index.html", {
        "node": node or user.scope, "rows": rows, "totals": selectors.day_totals(rows),
        "days": [c.day for c in rows[0].cells] if rows else [],
        "rises": [(row.clinic, cell) for row in rows for cell in row.rises],
        "rise": selectors.rise_settings(),
        "may_register": has_capability(user, "units.change"),
        "may_report": has_capability(user, "units.fever_report"),
    })


def _organisations_for(user):
    taken = Clinic.objects.values("organisation_id")
    return list(Organisation.objects.visible_to(user, "change").exclude(pk__in=taken).select_related("unit")
                .order_by("name")[:500])


@login_required
def clinic_new(request):
    require_capability_or_404(request.user, "units.change")
    form = forms.ClinicRegisterForm(request.POST or None, organisations=_organisations_for(request.user))
    if request.method == "POST" and form.is_valid():
        organisation = form.organisations.get(form.cleaned_data["organisation"])
        clinic = run_service(form, lambda: services.clinic_register(
            organisation=organisation, kind=form.cleaned_data["kind"], actor=request.user))
        if clinic is not None:
            messages.success(request, _("Registered; now link the clinic's staff users."))
            return redirect("units:clinic_detail", clinic_id=clinic.pk)
    return render(request, "units/clinics/new.html", {"form": form},
                  status=422 if request.method == "POST" else 200)


def _detail(request, clinic, staff_form=None, status=200):
    user = request.user
    reports = selectors.clinic_reports(user=user, clinic=clinic)
    for r in reports:
        r.id_masked = mask_id_number(r.person.id_number)
        r.phone_masked = mask_phone(r.phone)
    row = next(iter(selectors.daily_counts(user=user, clinic=clinic)), None)
    return render(request, "units/clinics/detail.html", {
        "clinic": clinic, "reports": reports, "row": row, "staff": selectors.clinic_staff(clinic=clinic),
        "may_change": may_org(user, "units.change", clinic.organisation),
        "staff_form": staff_form or forms.ClinicStaffForm(),
    }, status=status)


@login_required
def clinic_detail(request, clinic_id: int):
    require_capability_or_404(request.user, "units.view")
    return _detail(request, selectors.clinic_get(user=request.user, clinic_id=clinic_id))


@login_required
@require_POST
def clinic_staff_add(request, clinic_id: int):
    require_capability_or_404(request.user, "units.change")
    clinic = selectors.clinic_get(user=request.user, clinic_id=clinic_id)
    form = forms.ClinicStaffForm(request.POST)
    if form.is_valid():
        user = User.objects.filter(username=form.cleaned_data["username"].strip()).first()
        if run_service(form, lambda: services.clinic_staff_link(clinic=clinic, user=user, actor=request.user)):
            return redirect("units:clinic_detail", clinic_id=clinic.pk)
    return _detail(request, clinic, staff_form=form, status=422)


@login_required
def fever_report(request):
    """预检分诊: the clinic's staff report a fever patient (phone-sized form); below it, what they reported today."""
    require_capability_or_404(request.user, "units.fever_report")
    clinics = selectors.clinics_of_staff(user=request.user)
    if not clinics:
        # A clinic account that no clinic has added to its staff yet: say so, rather than a dead link in the menu.
        return render(request, "units/clinics/no_clinic.html", status=403)
    form = forms.FeverReportForm(request.POST or None, clinics=clinics)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            report = run_service(form, lambda: services.fever_report_create(
                clinic=form.clinic_obj(), name=data["name"], id_number=data["id_number"], phone=data["phone"],
                temperature=data["temperature"], symptoms=data["symptoms"], history=data["history"],
                disposition=data["disposition"], sampled=data["sampled"], home_code=data["home_code"],
                address=data["address"], actor=request.user))
            if report is not None:
                messages.success(request, _("Reported: %(name)s, %(temperature)s °C. The single-tube test is due by "
                                            "%(due)s.") % {
                    "name": report.person.name, "temperature": report.temperature,
                    "due": timezone.localtime(report.test_task.due_at).strftime("%H:%M")})
                return redirect("units:fever_report")
        status = 422
    today = selectors.reports_by(user=request.user, reporter=request.user, day=timezone.localdate())
    for r in today:
        r.id_masked = mask_id_number(r.person.id_number)
    return render(request, "units/clinics/report.html", {"form": form, "today": today, "clinics": clinics,
                                                         "report_label": pgettext("units", "Report")},
                  status=status)
