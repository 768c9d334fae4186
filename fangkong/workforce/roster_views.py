"""Shift rules, rosters and their check, party branches at posts, staff check-in, and the workforce HQ page."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import require_capability_or_404
from fangkong.core.forms import add_service_errors
from fangkong.workforce import selectors, services
from fangkong.workforce.forms import CheckInForm, GroupForm, PublishForm, RosterForm, ShiftRulesForm
from fangkong.workforce.rules import rules_for


@login_required
def rules_page(request):
    require_capability_or_404(request.user, "workforce.rules")
    nodes = [n for n in selectors.nodes_for_filter(user=request.user) if n.level <= 4]
    form = ShiftRulesForm(request.POST or None, nodes=nodes)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            unit = selectors.node_get(user=request.user, node_id=data["unit"])
            services.shift_rules_set(unit=unit, actor=request.user, max_shift_hours=data["max_shift_hours"],
                                     max_week_hours=data["max_week_hours"], min_rest_hours=data["min_rest_hours"],
                                     equipment=data["equipment"], test_within_hours=data["test_within_hours"])
        except (Http404, PermissionDenied):
            form.add_error("unit", _("Choose a place inside your jurisdiction."))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The shift rules are saved."))
            return redirect("workforce:rules")
    return render(request, "workforce/rules.html", {"form": form, "rows": selectors.rules_list(user=request.user)})


@login_required
def roster_new(request, post_id: int):
    require_capability_or_404(request.user, "workforce.change")
    post = selectors.post_get(user=request.user, post_id=post_id, action="change")
    today = timezone.localdate()
    initial = {"starts_on": today, "ends_on": today + datetime.timedelta(days=13)}
    form = RosterForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            roster = services.roster_create(post=post, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The draft roster is made; add its shifts, then publish it."))
            return redirect("workforce:roster", roster_id=roster.pk)
    return render(request, "workforce/roster_form.html", {"form": form, "post": post})


@login_required
def roster_detail(request, roster_id: int):
    require_capability_or_404(request.user, "workforce.view")
    roster = selectors.roster_get(user=request.user, roster_id=roster_id)
    can_change = bool(selectors.Post.objects.visible_to(request.user, "change").filter(pk=roster.post_id).exists())
    form = PublishForm(request.POST or None)
    if request.method == "POST":
        if not can_change:
            raise Http404
        if form.is_valid():
            try:
                services.roster_publish(roster=roster, actor=request.user,
                                        override_reason=form.cleaned_data["override_reason"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The roster is published."))
                return redirect("workforce:roster", roster_id=roster.pk)
    violations = services.roster_check(roster=roster) if roster.status == "draft" else []
    return render(request, "workforce/roster.html", {
        "roster": roster, "post": roster.post, "shifts": selectors.roster_shifts(roster=roster),
        "violations": violations, "violation_shifts": {r.violation.shift_id for r in violations},
        "rules": rules_for(roster.post.unit), "form": form, "can_change": can_change,
        "may_override": has_capability(request.user, "workforce.rules"), "now": timezone.now(),
    })


@login_required
def group_new(request, post_id: int):
    require_capability_or_404(request.user, "workforce.change")
    post = selectors.post_get(user=request.user, post_id=post_id, action="change")
    form = GroupForm(request.POST or None, staff=selectors.staff_for(user=request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.group_create(post=post, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The group is set up at the post."))
            return redirect("workforce:post", post_id=post.pk)
    return render(request, "workforce/group_form.html", {"form": form, "post": post})


@login_required
@require_POST
def shift_attendance(request, shift_id: int):
    """A staffer checks in or out of their own shift, from their shift list."""
    require_capability_or_404(request.user, "workforce.view")
    shift = selectors.shift_get(user=request.user, shift_id=shift_id)
    if not services.is_on_shift(user=request.user, shift=shift):
        raise Http404
    try:
        if request.POST.get("action") == "out":
            services.attendance_check_out(shift=shift, user=request.user)
        else:
            form = CheckInForm(request.POST, rules=rules_for(shift.post.unit))
            if not form.is_valid():
                raise ValidationError([m for errs in form.errors.values() for m in errs])
            services.attendance_check_in(shift=shift, user=request.user,
                                         equipment=form.cleaned_data.get("equipment") or (),
                                         tested_at=form.cleaned_data.get("tested_at"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Checked out.") if request.POST.get("action") == "out" else _("Checked in."))
    return redirect("workforce:my_shifts")


@login_required
def hq(request):
    require_capability_or_404(request.user, "workforce.change")
    node = request.user.scope
    if request.GET.get("node"):
        try:
            node = selectors.node_get(user=request.user, node_id=int(request.GET["node"]))
        except ValueError:
            raise Http404 from None
    if node is None:
        raise Http404
    rows = selectors.hq_figures(user=request.user, node=node)
    return render(request, "workforce/hq.html", {
        "node": node, "rows": rows, "nodes": selectors.nodes_for_filter(user=request.user),
        "total_hours": round(sum(r.hours_week for r in rows), 1), "total_uncovered": sum(r.uncovered for r in rows),
        "over": [(r.post, *o) for r in rows for o in r.over],
    })
