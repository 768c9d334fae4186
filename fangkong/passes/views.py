"""Pages of passes: request and review freight passes, scan them at a checkpoint on a phone, list passes and scans
by route and day; issue, scan and revoke hospital escort passes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import require_capability_or_404
from fangkong.core.forms import add_service_errors, form_submit
from fangkong.core.masking import mask_id_number, mask_phone
from fangkong.core.pagination import page_from_request
from fangkong.passes import codes, forms, selectors, services


def _refused(form, exc: PermissionDenied) -> None:
    form.add_error(None, _("You may not do this here: it is outside your jurisdiction."))


def _page_query(request) -> str:
    query = request.GET.copy()
    query.pop("after", None)
    return query.urlencode()


# --- freight passes ---------------------------------------------------------------------------------------------


@login_required
def index(request):
    """Freight passes by route and day."""
    require_capability_or_404(request.user, "passes.view")
    user = request.user
    checkpoints = selectors.route_checkpoints(user=user)
    form = forms.PassFilterForm(request.GET or None, checkpoints=checkpoints)
    filters = selectors.PassFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.PassFilters(status=data["status"], route=data["route"], plate=data["plate"],
                                        day=data["day"], checkpoint_id=data["checkpoint"])
    page = page_from_request(selectors.freight_pass_list(user=user, filters=filters), request)
    return render(request, "passes/index.html", {
        "form": form, "page": page, "query": _page_query(request),
        "may_request": has_capability(user, "passes.request"), "may_scan": has_capability(user, "passes.scan"),
    })


@login_required
def freight_new(request):
    require_capability_or_404(request.user, "passes.request")
    checkpoints = selectors.route_checkpoints(user=request.user)
    form = forms.FreightPassForm(request.POST or None, checkpoints=checkpoints)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                freight_pass = services.freight_pass_request(
                    actor=request.user, company=data["company"], plate=data["plate"],
                    driver_name=data["driver_name"], driver_id_number=data["driver_id_number"],
                    driver_phone=data["driver_phone"], origin=data["origin"], destination=data["destination"],
                    cargo=data["cargo"], cargo_note=data["cargo_note"], valid_from=data["valid_from"],
                    valid_to=data["valid_to"], checkpoints=form.route())
            except ValidationError as exc:
                add_service_errors(form, exc, field_map={"checkpoints": "stop_1"})
            except PermissionDenied as exc:
                _refused(form, exc)
            else:
                messages.success(request, _("Pass requested; the transport group reviews it."))
                return redirect("passes:freight_detail", freight_pass_id=freight_pass.pk)
        status = 422
    return render(request, "passes/freight_form.html", {"form": form}, status=status)


def _freight_detail(request, freight_pass, *, review_form=None, revoke_form=None, status=200):
    user = request.user
    code = services.freight_code(freight_pass) if freight_pass.status == freight_pass.Status.ISSUED else ""
    may_review = has_capability(user, "passes.review")
    return render(request, "passes/freight_detail.html", {
        "p": freight_pass, "stops": selectors.route_stops(freight_pass=freight_pass),
        "code": code, "qr": codes.qr_svg(code) if code else "",
        "driver_id": mask_id_number(freight_pass.driver_id_number),
        "driver_phone": mask_phone(freight_pass.driver_phone),
        "scans": list(selectors.scan_list(user=user, filters=selectors.ScanFilters(
            freight_pass_id=freight_pass.pk)).order_by("-at", "-pk")[:50]),
        "test_hours": services.driver_test_hours(),
        "review_form": review_form or forms.ReviewForm(), "revoke_form": revoke_form or forms.ReasonForm(),
        "may_review": may_review and freight_pass.status == freight_pass.Status.REQUESTED,
        "may_revoke": may_review and freight_pass.status == freight_pass.Status.ISSUED,
    }, status=status)


@login_required
def freight_detail(request, freight_pass_id: int):
    require_capability_or_404(request.user, "passes.view")
    return _freight_detail(request, selectors.freight_pass_get(user=request.user, freight_pass_id=freight_pass_id))


@login_required
@require_POST
def freight_review(request, freight_pass_id: int):
    require_capability_or_404(request.user, "passes.review")
    freight_pass = selectors.freight_pass_get(user=request.user, freight_pass_id=freight_pass_id)
    form = forms.ReviewForm(request.POST)
    if form_submit(form, lambda d: services.freight_pass_review(
            freight_pass=freight_pass, approve=d["decision"] == "approve", reason=d["reason"], actor=request.user)):
        return redirect("passes:freight_detail", freight_pass_id=freight_pass.pk)
    return _freight_detail(request, freight_pass, review_form=form, status=422)


@login_required
@require_POST
def freight_revoke(request, freight_pass_id: int):
    require_capability_or_404(request.user, "passes.review")
    freight_pass = selectors.freight_pass_get(user=request.user, freight_pass_id=freight_pass_id)
    form = forms.ReasonForm(request.POST)
    if form_submit(form, lambda d: services.freight_pass_revoke(freight_pass=freight_pass, reason=d["reason"],
                                                                actor=request.user)):
        messages.success(request, _("Pass revoked: checkpoints now refuse it."))
        return redirect("passes:freight_detail", freight_pass_id=freight_pass.pk)
    return _freight_detail(request, freight_pass, revoke_form=form, status=422)


@login_required
def scan(request):
    """The checkpoint's phone page: choose the checkpoint once (remembered in the session), scan, see the
    disposition."""
    require_capability_or_404(request.user, "passes.scan")
    checkpoints = selectors.scan_checkpoints(user=request.user)
    by_pk = {cp.pk: cp for cp in checkpoints}
    initial = {"checkpoint": request.session.get("passes_checkpoint")}
    form = forms.ScanForm(request.POST or None, checkpoints=checkpoints, initial=initial)
    result, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            checkpoint = by_pk[form.cleaned_data["checkpoint"]]
            request.session["passes_checkpoint"] = checkpoint.pk
            try:
                result = services.freight_pass_scan(code=form.cleaned_data["code"], checkpoint=checkpoint,
                                                    actor=request.user)
            except PermissionDenied as exc:
                _refused(form, exc)
                status = 422
            else:
                form = forms.ScanForm(checkpoints=checkpoints, initial={"checkpoint": checkpoint.pk})
        else:
            status = 422
    return render(request, "passes/scan.html", {"form": form, "result": result}, status=status)


@login_required
def scan_list(request):
    """Scans by checkpoint and day."""
    require_capability_or_404(request.user, "passes.view")
    user = request.user
    checkpoints = selectors.scan_checkpoints(user=user) or selectors.route_checkpoints(user=user)
    form = forms.ScanFilterForm(request.GET or None, checkpoints=checkpoints)
    filters = selectors.ScanFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.ScanFilters(day=data["day"], checkpoint_id=data["checkpoint"],
                                        disposition=data["disposition"], kind=data["kind"])
    page = page_from_request(selectors.scan_list(user=user, filters=filters), request)
    return render(request, "passes/scan_list.html", {"form": form, "page": page, "query": _page_query(request)})


# --- escort passes ----------------------------------------------------------------------------------------------


@login_required
def escort_list(request):
    require_capability_or_404(request.user, "passes.view")
    status = request.GET.get("status", "")
    rows = selectors.escort_pass_list(user=request.user, status=status if status in {"active", "revoked"} else "")
    return render(request, "passes/escort_list.html", {
        "page": page_from_request(rows, request), "status": status,
        "may_issue": has_capability(request.user, "passes.escort")})


@login_required
def escort_new(request):
    require_capability_or_404(request.user, "passes.escort")
    form = forms.EscortPassForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            patient = selectors.patient_by_id_number(user=request.user, id_number=data["patient_id_number"])
            try:
                escort_pass = services.escort_pass_issue(
                    actor=request.user, patient=patient, ward=data["ward"], escort_name=data["escort_name"],
                    escort_id_number=data["escort_id_number"], escort_phone=data["escort_phone"],
                    tested_at=data["tested_at"], valid_from=data["valid_from"], valid_to=data["valid_to"])
            except ValidationError as exc:
                add_service_errors(form, exc, field_map={"patient": "patient_id_number"})
            except PermissionDenied as exc:
                _refused(form, exc)
            else:
                messages.success(request, _("Escort pass issued."))
                return redirect("passes:escort_detail", escort_pass_id=escort_pass.pk)
        status = 422
    return render(request, "passes/escort_form.html", {"form": form}, status=status)


def _escort_detail(request, escort_pass, *, revoke_form=None, test_form=None, status=200):
    active = escort_pass.status == escort_pass.Status.ACTIVE
    code = services.escort_code(escort_pass) if active else ""
    may = has_capability(request.user, "passes.escort")
    return render(request, "passes/escort_detail.html", {
        "p": escort_pass, "code": code, "qr": codes.qr_svg(code) if code else "",
        "escort_id": mask_id_number(escort_pass.escort_id_number), "escort_phone": mask_phone(escort_pass.escort_phone),
        "test_hours": services.escort_test_hours(),
        "revoke_form": revoke_form or forms.ReasonForm(), "test_form": test_form or forms.EscortTestForm(),
        "may_change": may and active,
    }, status=status)


@login_required
def escort_detail(request, escort_pass_id: int):
    require_capability_or_404(request.user, "passes.view")
    return _escort_detail(request, selectors.escort_pass_get(user=request.user, escort_pass_id=escort_pass_id))


@login_required
@require_POST
def escort_revoke(request, escort_pass_id: int):
    require_capability_or_404(request.user, "passes.escort")
    escort_pass = selectors.escort_pass_get(user=request.user, escort_pass_id=escort_pass_id)
    form = forms.ReasonForm(request.POST)
    if form_submit(form, lambda d: services.escort_pass_revoke(escort_pass=escort_pass, reason=d["reason"],
                                                               actor=request.user)):
        return redirect("passes:escort_detail", escort_pass_id=escort_pass.pk)
    return _escort_detail(request, escort_pass, revoke_form=form, status=422)


@login_required
@require_POST
def escort_test(request, escort_pass_id: int):
    require_capability_or_404(request.user, "passes.escort")
    escort_pass = selectors.escort_pass_get(user=request.user, escort_pass_id=escort_pass_id)
    form = forms.EscortTestForm(request.POST)
    if form_submit(form, lambda d: services.escort_pass_test_record(escort_pass=escort_pass,
                                                                    tested_at=d["tested_at"], actor=request.user)):
        return redirect("passes:escort_detail", escort_pass_id=escort_pass.pk)
    return _escort_detail(request, escort_pass, test_form=form, status=422)


@login_required
def gate_scan(request):
    """The hospital gate (the user's node)."""
    require_capability_or_404(request.user, "passes.escort")
    form = forms.GateScanForm(request.POST or None)
    result, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            try:
                result = services.escort_pass_scan(code=form.cleaned_data["code"], actor=request.user)
            except PermissionDenied as exc:
                _refused(form, exc)
                status = 422
            else:
                form = forms.GateScanForm()
        else:
            status = 422
    return render(request, "passes/gate_scan.html", {"form": form, "result": result}, status=status)
