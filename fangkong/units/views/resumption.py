"""Reopening: the unit's application against its checklist, the review queue of the street or department, one
application with its answers, live staff figures and history."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.scope import require_capability_or_404
from fangkong.core.forms import run_service
from fangkong.core.pagination import page_from_request
from fangkong.units import forms, resumption, selectors
from fangkong.units.access import APPLY, may_org
from fangkong.units.models import Application
from fangkong.units.views.common import node_from


@login_required
def apply(request, organisation_id: int):
    require_capability_or_404(request.user, "units.view")
    org = selectors.organisation_get(user=request.user, organisation_id=organisation_id)
    if not may_org(request.user, APPLY, org):
        raise Http404
    items = selectors.checklist_items(kind=org.kind)
    form = forms.ApplicationForm(request.POST or None, request.FILES or None, items=items,
                                 initial={"planned_reopen_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        application = run_service(form, lambda: resumption.application_submit(
            organisation=org, planned_reopen_on=form.cleaned_data["planned_reopen_on"], answers=form.answers(),
            note=form.cleaned_data["note"], actor=request.user), field_map={"__all__": "__all__"})
        if application is not None:
            messages.success(request, _("Application submitted; the street reviews it."))
            return redirect("units:application_detail", application_id=application.pk)
    return render(request, "units/apply.html", {"org": org, "form": form, "figures":
                                                selectors.staff_figures(organisation=org)},
                  status=422 if request.method == "POST" else 200)


@login_required
def application_list(request):
    require_capability_or_404(request.user, "units.view")
    status = request.GET.get("status", Application.Status.SUBMITTED)
    rows = selectors.application_list(user=request.user, status=status, node=node_from(request))
    return render(request, "units/application_list.html", {
        "page": page_from_request(rows, request), "status": status, "statuses": Application.Status.choices})


def _detail(request, application, form, status=200):
    unanswered, unmet = resumption.checklist_gaps(application)
    org = application.organisation
    return render(request, "units/application_detail.html", {
        "application": application, "org": org, "answers": selectors.application_answers(application=application),
        "events": selectors.application_events(application=application),
        "live": selectors.staff_figures(organisation=org), "submitted": application.staff_at_submit,
        "unanswered": unanswered, "unmet": unmet, "form": form,
        "may_review": application.status == Application.Status.SUBMITTED and may_org(request.user, "units.review",
                                                                                      org),
    }, status=status)


@login_required
def application_detail(request, application_id: int):
    require_capability_or_404(request.user, "units.view")
    application = selectors.application_get(user=request.user, application_id=application_id)
    return _detail(request, application, forms.ReviewForm())


@login_required
def application_review(request, application_id: int):
    require_capability_or_404(request.user, "units.review")
    application = selectors.application_get(user=request.user, application_id=application_id, action="review")
    if request.method != "POST":
        return redirect("units:application_detail", application_id=application.pk)
    form = forms.ReviewForm(request.POST)
    if form.is_valid():
        done = run_service(form, lambda: resumption.application_review(
            application=application, decision=form.cleaned_data["decision"], reason=form.cleaned_data["reason"],
            actor=request.user))
        if done is not None:
            messages.success(request, _("Review recorded: %(status)s.") % {"status": done.get_status_display()})
            return redirect("units:application_detail", application_id=application.pk)
    return _detail(request, application, form, status=422)


@login_required
def answer_photo(request, answer_id: int):
    require_capability_or_404(request.user, "units.view")
    answer = selectors.answer_get(user=request.user, answer_id=answer_id)
    if not answer.photo:
        raise Http404
    return FileResponse(answer.photo.open("rb"), content_type="image/jpeg")
