import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import require_capability_or_404, unit_in_scope
from fangkong.core.forms import add_service_errors
from fangkong.core.pagination import page_from_request
from fangkong.workforce import selectors, services
from fangkong.workforce.forms import CheckInForm, HandoverForm, PostFilterForm, PostForm, ShiftForm
from fangkong.workforce.rules import rules_for


def _can_change(user, post) -> bool:
    return unit_in_scope(user, post.unit, "change", capability_app="workforce")


@login_required
def post_list(request):
    require_capability_or_404(request.user, "workforce.view")
    form = PostFilterForm(request.GET or None, nodes=selectors.nodes_for_filter(user=request.user))
    node, kind = None, ""
    if form.is_valid():
        if form.cleaned_data["node"]:
            node = selectors.node_get(user=request.user, node_id=form.cleaned_data["node"])
        kind = form.cleaned_data["kind"]
    page = page_from_request(selectors.post_list(user=request.user, node=node, kind=kind), request, size=50)
    params = request.GET.copy()
    params.pop("after", None)
    return render(request, "workforce/post_list.html", {
        "form": form, "page": page, "params": params.urlencode(),
        "can_change": has_capability(request.user, "workforce.change"),
        "can_rules": has_capability(request.user, "workforce.rules"),
    })


@login_required
def post_new(request):
    require_capability_or_404(request.user, "workforce.change")
    form = PostForm(request.POST or None, nodes=selectors.nodes_for_filter(user=request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            unit = selectors.node_get(user=request.user, node_id=data["unit"])
            post = services.post_create(kind=data["kind"], name=data["name"], unit=unit, actor=request.user)
        except (Http404, PermissionDenied):
            form.add_error("unit", _("Choose a place inside your jurisdiction."))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Post %(name)s is set up; add its shifts.") % {"name": post.name})
            return redirect("workforce:post", post_id=post.pk)
    return render(request, "workforce/post_form.html", {"form": form})


@login_required
def post_detail(request, post_id: int):
    require_capability_or_404(request.user, "workforce.view")
    post = selectors.post_get(user=request.user, post_id=post_id)
    today = timezone.localdate()
    start = parse_date(request.GET.get("start") or "") or today
    days = selectors.roster(user=request.user, post=post, start=start)
    now_shifts = selectors.on_duty(post=post)
    now = timezone.now()
    handover_ids = {s.pk for s in [*now_shifts, *(s for day in days for s in day.shifts)]
                    if s.starts_at <= now and services.may_hand_over(user=request.user, shift=s)}
    return render(request, "workforce/post.html", {
        "post": post, "shifts": now_shifts, "days": days, "handovers": selectors.handovers_of(post=post, limit=5),
        "prev_start": start - datetime.timedelta(days=7), "next_start": start + datetime.timedelta(days=7),
        "is_this_week": start == today, "can_change": _can_change(request.user, post),
        "handover_ids": handover_ids, "now": now, "groups": selectors.groups_of(post=post),
        "rosters": selectors.rosters_of(user=request.user, post=post)[:6], "rules": rules_for(post.unit),
    })


def _initial_times(post) -> dict:
    """A new shift starts when the last one ends (or at the next full hour) and lasts the longest allowed."""
    now = timezone.localtime()
    start = now.replace(minute=0, second=0, microsecond=0) + datetime.timedelta(hours=1)
    last = selectors.shifts_between(post=post, start=now, end=now + datetime.timedelta(days=31)).last()
    if last is not None and last.ends_at > now:
        start = timezone.localtime(last.ends_at)
    return {"starts_at": start, "ends_at": start + datetime.timedelta(hours=services.max_shift_hours(post.unit))}


def _shift_kwargs(data) -> dict:
    kwargs = {key: data[key] for key in ("starts_at", "ends_at", "leader", "leader_name", "leader_phone", "members",
                                         "members_text", "note")}
    kwargs["volunteers"] = list(data.get("volunteers") or ())
    return kwargs


@login_required
def shift_new(request, post_id: int):
    require_capability_or_404(request.user, "workforce.change")
    post = selectors.post_get(user=request.user, post_id=post_id, action="change")
    form = ShiftForm(request.POST or None, initial=_initial_times(post), staff=selectors.staff_for(user=request.user),
                     volunteers=selectors.volunteers_for(user=request.user, post=post))
    if request.method == "POST" and form.is_valid():
        try:
            services.shift_create(post=post, actor=request.user, **_shift_kwargs(form.cleaned_data))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The shift is on the roster."))
            return redirect("workforce:post", post_id=post.pk)
    return render(request, "workforce/shift_form.html", {"form": form, "post": post, "shift": None})


@login_required
def shift_edit(request, shift_id: int):
    require_capability_or_404(request.user, "workforce.change")
    shift = selectors.shift_get(user=request.user, shift_id=shift_id, action="change")
    initial = {
        "starts_at": timezone.localtime(shift.starts_at), "ends_at": timezone.localtime(shift.ends_at),
        "leader": shift.leader_id, "leader_name": shift.leader_name, "leader_phone": shift.leader_phone,
        "members": list(shift.members.values_list("pk", flat=True)), "members_text": shift.members_text,
        "note": shift.note, "volunteers": list(shift.volunteers.values_list("pk", flat=True)),
    }
    form = ShiftForm(request.POST or None, initial=initial, staff=selectors.staff_for(user=request.user),
                     volunteers=selectors.volunteers_for(user=request.user, post=shift.post))
    if request.method == "POST" and form.is_valid():
        try:
            services.shift_update(shift=shift, actor=request.user, **_shift_kwargs(form.cleaned_data))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The shift is changed."))
            return redirect("workforce:post", post_id=shift.post_id)
    return render(request, "workforce/shift_form.html", {
        "form": form, "post": shift.post, "shift": shift, "can_delete": shift.starts_at > timezone.now()})


@login_required
@require_POST
def shift_delete(request, shift_id: int):
    require_capability_or_404(request.user, "workforce.change")
    shift = selectors.shift_get(user=request.user, shift_id=shift_id, action="change")
    try:
        services.shift_delete(shift=shift, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The shift is deleted."))
    return redirect("workforce:post", post_id=shift.post_id)


@login_required
def handover_new(request, shift_id: int):
    require_capability_or_404(request.user, "workforce.view")
    shift = selectors.shift_get(user=request.user, shift_id=shift_id)
    if not services.may_hand_over(user=request.user, shift=shift):
        raise Http404
    form = HandoverForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.handover_record(shift=shift, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The handover is recorded."))
            return redirect("workforce:post", post_id=shift.post_id)
    return render(request, "workforce/handover_form.html", {
        "form": form, "shift": shift, "post": shift.post, "next_shift": selectors.shift_next(shift=shift),
        "last": selectors.last_handover(post=shift.post)})


@login_required
def my_shifts(request):
    now = timezone.now()
    shifts = list(selectors.my_shifts(user=request.user, start=now, end=now + datetime.timedelta(days=14)))
    can_view = has_capability(request.user, "workforce.view")
    attendance = selectors.attendance_of(shifts=shifts, user=request.user) if shifts else {}
    rules = {s.post.unit_id: None for s in shifts}
    rules = {unit_id: rules_for(next(s.post.unit for s in shifts if s.post.unit_id == unit_id)) for unit_id in rules}
    early = now + datetime.timedelta(hours=1)
    return render(request, "workforce/my_shifts.html", {
        "shifts": shifts, "now": now, "can_view": can_view, "early": early,
        "items": [(s, attendance.get(s.pk), CheckInForm(rules=rules[s.post.unit_id])) for s in shifts],
        "handover_ids": {s.pk for s in shifts if s.starts_at <= now
                         and services.may_hand_over(user=request.user, shift=s)},
    })
