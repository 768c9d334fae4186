"""Findings → written assignments (交办单, also as a PDF) → the unit's rectification → the inspector's verdict."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import require_capability_or_404
from fangkong.core.forms import add_service_errors
from fangkong.supervision import forms, selectors, services
from fangkong.supervision.models import Assignment
from fangkong.tracing.views.report import render_pdf


def _before(request) -> int | None:
    value = request.GET.get("before", "")
    return int(value) if value.isdigit() else None


@login_required
def finding_list(request):
    require_capability_or_404(request.user, "supervision.view")
    open_only = request.GET.get("open") == "1"
    return render(request, "supervision/finding_list.html", {
        "findings": selectors.findings_for(user=request.user, open_only=open_only, before=_before(request)),
        "open_only": open_only})


@login_required
def finding_detail(request, finding_id: int):
    require_capability_or_404(request.user, "supervision.view")
    finding = selectors.finding_get(user=request.user, finding_id=finding_id)
    form = forms.IssueForm(request.POST or None, initial={"severity": finding.severity})
    status = 200
    if request.method == "POST":
        require_capability_or_404(request.user, "supervision.assign")
        finding = selectors.finding_get(user=request.user, finding_id=finding_id, action="assign")
        if form.is_valid():
            try:
                assignment = services.assignment_issue(finding=finding, severity=form.cleaned_data["severity"],
                                                       requirements=form.cleaned_data["requirements"],
                                                       actor=request.user)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Written assignment %(number)s issued.") % {"number": assignment.number})
                return redirect("supervision:assignment_detail", assignment_id=assignment.pk)
        status = 422
    return render(request, "supervision/finding_detail.html", {
        "finding": finding, "assignment": getattr(finding, "assignment", None),
        "photos": list(finding.result.photos.all()), "form": form,
        "may_assign": has_capability(request.user, "supervision.assign")}, status=status)


@login_required
def assignment_list(request):
    require_capability_or_404(request.user, "supervision.view")
    status = request.GET.get("status", "")
    overdue = request.GET.get("overdue") == "1"
    return render(request, "supervision/assignment_list.html", {
        "assignments": selectors.assignments_for(user=request.user, status=status, overdue=overdue,
                                                 before=_before(request)),
        "status": status, "overdue": overdue, "now": timezone.now()})


def _detail(request, assignment, *, rectify_form=None, verify_form=None, status=200):
    user = request.user
    return render(request, "supervision/assignment_detail.html", {
        "assignment": assignment, "finding": assignment.finding,
        "finding_photos": list(assignment.finding.result.photos.all()),
        "rectifications": selectors.assignment_rectifications(assignment=assignment),
        # A refused form stays on the page with its messages, whatever the status is now.
        "may_rectify": rectify_form is not None or (assignment.status == Assignment.Status.OPEN
                                                    and has_capability(user, "supervision.rectify")),
        "may_verify": verify_form is not None or (assignment.status == Assignment.Status.REPORTED
                                                  and has_capability(user, "supervision.verify")),
        "rectify_form": rectify_form or forms.RectifyForm(), "verify_form": verify_form or forms.VerifyForm(),
        "now": timezone.now()}, status=status)


@login_required
def assignment_detail(request, assignment_id: int):
    require_capability_or_404(request.user, "supervision.view")
    return _detail(request, selectors.assignment_get(user=request.user, assignment_id=assignment_id))


@login_required
@require_POST
def rectify(request, assignment_id: int):
    require_capability_or_404(request.user, "supervision.rectify")
    assignment = selectors.assignment_get(user=request.user, assignment_id=assignment_id, action="rectify")
    form = forms.RectifyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.rectification_report(assignment=assignment, report=form.cleaned_data["report"],
                                          photos=form.cleaned_data["photos"],
                                          keep_location=form.cleaned_data["keep_location"], actor=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            form.add_error(None, _("You may not do this."))
        else:
            messages.success(request, _("Rectification reported; the inspectors will verify it."))
            return redirect("supervision:assignment_detail", assignment_id=assignment.pk)
    assignment = selectors.assignment_get(user=request.user, assignment_id=assignment_id)
    return _detail(request, assignment, rectify_form=form, status=422)


@login_required
@require_POST
def verify(request, assignment_id: int):
    require_capability_or_404(request.user, "supervision.verify")
    assignment = selectors.assignment_get(user=request.user, assignment_id=assignment_id, action="verify")
    form = forms.VerifyForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "close":
                services.assignment_close(assignment=assignment, note=data["note"], actor=request.user)
                messages.success(request, _("Verified and closed."))
            else:
                services.assignment_send_back(assignment=assignment, reason=data["note"], actor=request.user)
                messages.success(request, _("Sent back with a new deadline."))
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            form.add_error(None, _("You may not do this."))
        else:
            return redirect("supervision:assignment_detail", assignment_id=assignment.pk)
    assignment = selectors.assignment_get(user=request.user, assignment_id=assignment_id)
    return _detail(request, assignment, verify_form=form, status=422)


@login_required
def assignment_pdf(request, assignment_id: int):
    require_capability_or_404(request.user, "supervision.view")
    assignment = selectors.assignment_get(user=request.user, assignment_id=assignment_id)
    html = render_to_string("supervision/assignment_pdf.html", {
        "assignment": assignment, "finding": assignment.finding, "generated_at": timezone.now()}, request=request)
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="assignment-{assignment.year}-{assignment.seq:04d}.pdf"'
    return response
