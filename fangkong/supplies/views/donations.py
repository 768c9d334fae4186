"""Donations (捐款捐物): the list, recording one (with its receipt number), its detail with where it went, money
passed on, and the public disclosure report (PDF, Excel)."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import get_visible_or_404, require_capability_or_404
from fangkong.core.forms import add_service_errors
from fangkong.core.pagination import page_from_request
from fangkong.supplies.models import Donation
from fangkong.supplies.stock import disclosure, donations, forms, selectors


def _units(user):
    from fangkong.territory.models import Level, Unit

    return list(Unit.objects.visible_to(user).filter(level__lte=Level.STREET).order_by("path")[:500])


def _may_see_donations(user) -> bool:
    return has_capability(user, "supplies.donate") or has_capability(user, "supplies.report")


@login_required
def donation_list(request):
    if not _may_see_donations(request.user):
        raise Http404
    action = "donate" if has_capability(request.user, "supplies.donate") else "report"
    qs = Donation.objects.visible_to(request.user, action).select_related("item", "unit").annotate(
        allocated=Sum("allocations__amount"))
    kind = request.GET.get("kind", "")
    if kind in Donation.Kind.values:
        qs = qs.filter(kind=kind)
    page = page_from_request(qs, request)
    passed = donations.goods_passed_on(page.items)
    rows = [(d, disclosure.public_donor(d), passed.get(d.pk)) for d in page.items]
    return render(request, "supplies/donation_list.html", {
        "page": page, "rows": rows, "kind": kind, "may_donate": has_capability(request.user, "supplies.donate"),
        "may_report": has_capability(request.user, "supplies.report")})


def _donation_form(user, data=None):
    warehouses = [p for p in selectors.places_for(user=user, action="donate") if p.is_warehouse]
    return forms.DonationForm(data, units=_units(user), items=list(selectors.items_active()), warehouses=warehouses)


@login_required
def donation_new(request):
    require_capability_or_404(request.user, "supplies.donate")
    form = _donation_form(request.user, request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                donation = donations.donation_record(
                    donor_kind=data["donor_kind"], donor_name=data["donor_name"], kind=data["kind"],
                    received_on=data["received_on"], unit=form.chosen("unit"), amount=data["amount"],
                    item=form.chosen("item"), quantity=data["quantity"], warehouse=form.chosen("warehouse"),
                    donor_contact=data["donor_contact"], named_publicly=data["named_publicly"],
                    purpose=data["purpose"], note=data["note"], actor=request.user)
            except PermissionDenied:
                form.add_error(None, _("That node or warehouse is outside your jurisdiction."))
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Donation recorded: receipt %(number)s.") % {"number": donation.number})
                return redirect("supplies:donation_detail", donation_id=donation.pk)
        status = 422
    return render(request, "supplies/donation_form.html", {"form": form}, status=status)


def _donation_get(user, donation_id: int, action: str = "") -> Donation:
    action = action or ("donate" if has_capability(user, "supplies.donate") else "report")
    return get_visible_or_404(Donation.objects.select_related("item", "unit", "warehouse", "created_by"), user=user,
                              action=action, pk=donation_id)


def _detail(request, donation, *, form=None, status=200):
    may_donate = has_capability(request.user, "supplies.donate")
    allocations = list(donation.allocations.order_by("allocated_on", "pk"))
    context = {
        "donation": donation, "public_name": disclosure.public_donor(donation), "may_donate": may_donate,
        "allocations": allocations, "allocated": donations.allocated_of(donation),
        "destinations": donations.goods_destinations(donation),
        "passed_on": donations.goods_passed_on([donation]).get(donation.pk),
    }
    if donation.kind == Donation.Kind.MONEY:
        context["left"] = donation.amount - context["allocated"]
        if may_donate:
            context["form"] = form or forms.AllocationForm()
    return render(request, "supplies/donation_detail.html", context, status=status)


@login_required
def donation_detail(request, donation_id: int):
    if not _may_see_donations(request.user):
        raise Http404
    return _detail(request, _donation_get(request.user, donation_id))


@login_required
@require_POST
def donation_allocate(request, donation_id: int):
    require_capability_or_404(request.user, "supplies.donate")
    donation = _donation_get(request.user, donation_id, "donate")
    form = forms.AllocationForm(request.POST)
    if form.is_valid():
        try:
            donations.allocation_record(donation=donation, actor=request.user, **form.cleaned_data)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Allocation recorded."))
            return redirect("supplies:donation_detail", donation_id=donation.pk)
    return _detail(request, donation, form=form, status=422)


@login_required
def donation_disclosure(request):
    """The period form; with a period, the download (PDF or Excel)."""
    require_capability_or_404(request.user, "supplies.report")
    today = timezone.localdate()
    if "start" not in request.GET:
        form = forms.DisclosureForm(initial={"start": today.replace(day=1), "end": today, "format": "pdf"})
        return render(request, "supplies/donation_disclosure.html", {"form": form})
    form = forms.DisclosureForm(request.GET)
    if not form.is_valid():
        return render(request, "supplies/donation_disclosure.html", {"form": form}, status=422)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    if end - start > datetime.timedelta(days=366):
        form.add_error("end", _("A disclosure covers a year at most."))
        return render(request, "supplies/donation_disclosure.html", {"form": form}, status=422)
    report = disclosure.disclosure_for(user=request.user, start=start, end=end)
    name = f"donations-{start:%Y%m%d}-{end:%Y%m%d}"
    if form.cleaned_data["format"] == "xlsx":
        response = HttpResponse(disclosure.disclosure_xlsx(report), content_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    response = HttpResponse(disclosure.disclosure_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response
