"""Closed loops: start one for a unit with its sites and people, its page (members, breaks and the measures they
started, checks), record an exit or an entry, end it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.accounts.scope import require_capability_or_404
from fangkong.core.forms import run_service
from fangkong.units import forms, loops, selectors
from fangkong.units.access import LOOP, may_org
from fangkong.units.models import StaffMember


@login_required
def loop_start(request, organisation_id: int):
    require_capability_or_404(request.user, "units.view")
    org = selectors.organisation_get(user=request.user, organisation_id=organisation_id)
    if not may_org(request.user, LOOP, org):
        raise Http404
    staff = [s for s in selectors.staff_list(organisation=org) if s.presence != StaffMember.Presence.LEFT]
    on_site = [s.pk for s in staff if s.presence == StaffMember.Presence.ON_SITE]
    form = forms.LoopForm(request.POST or None, staff=staff, initial={
        "starts_on": timezone.localdate(), "staff": on_site, "sites": "厂区 生产区\n宿舍 职工宿舍\n食堂 职工食堂"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        loop = run_service(form, lambda: loops.loop_start(
            organisation=org, starts_on=data["starts_on"], planned_end_on=data["planned_end_on"],
            sites=form.site_list(), staff_ids=data["staff"], test_every_days=data["test_every_days"],
            actor=request.user))
        if loop is not None:
            messages.success(request, _("The unit is in closed loop."))
            return redirect("units:loop_detail", loop_id=loop.pk)
    return render(request, "units/loop_form.html", {"org": org, "form": form},
                  status=422 if request.method == "POST" else 200)


def _detail(request, loop, *, exit_form=None, entry_form=None, status=200):
    members = selectors.loop_members(loop=loop)
    inside = [m for m in members if m.left_at is None]
    return render(request, "units/loop_detail.html", {
        "loop": loop, "org": loop.organisation, "sites": list(loop.sites.all()), "members": members,
        "inside": inside, "events": selectors.loop_events(loop=loop),
        "checks": selectors.open_checks(organisation=loop.organisation),
        "may_record": loop.status == loop.Status.ACTIVE and may_org(request.user, LOOP, loop.organisation),
        "exit_form": exit_form or forms.LoopExitForm(members=inside),
        "entry_form": entry_form or forms.LoopEntryForm(),
    }, status=status)


@login_required
def loop_detail(request, loop_id: int):
    require_capability_or_404(request.user, "units.view")
    return _detail(request, selectors.loop_get(user=request.user, loop_id=loop_id))


@login_required
@require_POST
def loop_exit(request, loop_id: int):
    require_capability_or_404(request.user, "units.view")
    loop = selectors.loop_get(user=request.user, loop_id=loop_id)
    inside = [m for m in selectors.loop_members(loop=loop) if m.left_at is None]
    form = forms.LoopExitForm(request.POST, members=inside)
    if form.is_valid():
        member = next((m for m in inside if m.pk == form.cleaned_data["member"]), None)
        event = run_service(form, lambda: loops.loop_exit_record(loop=loop, member=member,
                                                                 at=form.cleaned_data["at"],
                                                                 note=form.cleaned_data["note"], actor=request.user))
        if event is not None:
            messages.success(request, _("Exit recorded; the protocol's measures are under way for %(name)s.")
                             % {"name": event.person.name})
            return redirect("units:loop_detail", loop_id=loop.pk)
    return _detail(request, loop, exit_form=form, status=422)


@login_required
@require_POST
def loop_entry(request, loop_id: int):
    require_capability_or_404(request.user, "units.view")
    loop = selectors.loop_get(user=request.user, loop_id=loop_id)
    form = forms.LoopEntryForm(request.POST)
    if form.is_valid():
        event = run_service(form, lambda: loops.loop_entry_record(loop=loop, id_number=form.cleaned_data["id_number"],
                                                                  at=form.cleaned_data["at"],
                                                                  note=form.cleaned_data["note"], actor=request.user))
        if event is not None:
            messages.success(request, _("Entry recorded; the protocol's measures are under way for %(name)s.")
                             % {"name": event.person.name})
            return redirect("units:loop_detail", loop_id=loop.pk)
    return _detail(request, loop, entry_form=form, status=422)


@login_required
@require_POST
def loop_end(request, loop_id: int):
    require_capability_or_404(request.user, "units.view")
    loop = selectors.loop_get(user=request.user, loop_id=loop_id)
    form = forms.LoopEntryForm()
    if run_service(form, lambda: loops.loop_end(loop=loop, actor=request.user)) is not None:
        messages.success(request, _("The closed loop has ended."))
        return redirect("units:organisation_detail", organisation_id=loop.organisation_id)
    return _detail(request, loop, entry_form=form, status=422)
