"""The care pages of a site, phone first: a floor's temperature round, and the site's requests (诉求).
Thin: parse, call one service or selector, render; scope lives in the selectors."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import require_capability_or_404
from fangkong.core.forms import add_service_errors
from fangkong.isolation.care import selectors, services
from fangkong.isolation.care.forms import AnswerForm, FloorChecksForm, RequestAddForm
from fangkong.isolation.models import Period


@login_required
def care_floors(request, site_id: int):
    """The site's floors with people on them: where a round starts."""
    require_capability_or_404(request.user, "isolation.care")
    site = selectors.site_get(user=request.user, site_id=site_id, action="care")
    return render(request, "isolation/care/floors.html", {
        "site": site, "floors": selectors.site_floors(site=site),
        "open_requests": selectors.open_request_count(site=site), "period": selectors.current_period()})


@login_required
def care_floor(request, site_id: int, floor: int):
    """Every person on the floor, room by room, with today's readings; one form enters a round for all."""
    require_capability_or_404(request.user, "isolation.care")
    site = selectors.site_get(user=request.user, site_id=site_id, action="care")
    day = timezone.localdate()
    rows = selectors.floor_rows(site=site, floor=floor, day=day)
    period = request.POST.get("period") or request.GET.get("period") or selectors.current_period()
    if period not in Period.values:
        period = selectors.current_period()
    status = 200
    if request.method == "POST":
        form = FloorChecksForm(request.POST, rows=rows, period=period)
        if form.is_valid():
            try:
                checks = services.health_checks_record(site=site, floor=floor, day=day, period=period,
                                                       rows=form.readings(), actor=request.user)
            except PermissionDenied:
                raise Http404 from None
            except ValidationError as exc:
                # "Not in this site" is about the person: show it at their temperature.
                add_service_errors(form, exc, {f"stay_{r.stay.pk}": f"temperature_{r.stay.pk}" for r in rows})
            else:
                alerts = sum(1 for c in checks if c.alert_task_id)
                text = ngettext("%(count)d reading recorded.", "%(count)d readings recorded.", len(checks)) % {
                    "count": len(checks)}
                if alerts:
                    text += " " + ngettext("%(count)d alert sent to the site doctor.",
                                           "%(count)d alerts sent to the site doctor.", alerts) % {"count": alerts}
                messages.success(request, text)
                return redirect(f"{request.path}?period={period}")
        status = 422
    else:
        form = FloorChecksForm(rows=rows, period=period)
    return render(request, "isolation/care/floor.html", {
        "site": site, "floor": floor, "day": day, "period": period, "form": form,
        "threshold": services.fever_threshold(), "has_rows": bool(rows)}, status=status)


def _requests_page(request, site, *, add_form=None, answer_forms=None, status=200):
    may_care = has_capability(request.user, "isolation.care")
    may_answer = may_care or has_capability(request.user, "isolation.manage")
    items = selectors.site_requests(site=site)
    answer_forms = answer_forms or {}
    now = timezone.now()
    return render(request, "isolation/care/requests.html", {
        "site": site, "may_care": may_care, "may_answer": may_answer, "now": now,
        "items": [(item, answer_forms.get(item.pk) or AnswerForm()) for item in items],
        "add_form": add_form or (RequestAddForm(stays=selectors.site_stays(site=site)) if may_care else None),
    }, status=status)


@login_required
def care_requests(request, site_id: int):
    """The site's requests, open first with their age, with the forms to answer them and to add one."""
    require_capability_or_404(request.user, "isolation.view")
    site = selectors.site_get(user=request.user, site_id=site_id)
    return _requests_page(request, site)


@login_required
@require_POST
def care_request_add(request, site_id: int):
    require_capability_or_404(request.user, "isolation.care")
    site = selectors.site_get(user=request.user, site_id=site_id, action="care")
    form = RequestAddForm(request.POST, stays=selectors.site_stays(site=site))
    if form.is_valid():
        try:
            item = services.care_request_add(stay=form.chosen_stay(), kind=form.cleaned_data["kind"],
                                             text=form.cleaned_data["text"], actor=request.user)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Request recorded; to be answered by %(due)s.") % {
                "due": timezone.localtime(item.task.due_at).strftime("%m-%d %H:%M")})
            return redirect("isolation:care_requests", site_id=site.pk)
    return _requests_page(request, site, add_form=form, status=422)


@login_required
@require_POST
def care_request_answer(request, site_id: int, request_id: int):
    if not (has_capability(request.user, "isolation.care") or has_capability(request.user, "isolation.manage")):
        raise Http404
    site = selectors.site_get(user=request.user, site_id=site_id)
    item = selectors.request_get(user=request.user, site=site, request_id=request_id)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.care_request_answer(request=item, answer=form.cleaned_data["answer"], actor=request.user)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Answer recorded."))
            return redirect("isolation:care_requests", site_id=site.pk)
    return _requests_page(request, site, answer_forms={item.pk: form}, status=422)
