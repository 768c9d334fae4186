"""Reads of posts, shifts and handovers. post_for, on_duty, shifts_between and last_handover are the contract other
apps use once they have scoped their own object; the rest start from visible_to(user)."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from fangkong.accounts.scope import get_visible_or_404
from fangkong.core.paths import subtree_q
from fangkong.workforce.models import Handover, Post, Shift, Volunteer


def with_people(qs: QuerySet) -> QuerySet:
    from django.contrib.auth import get_user_model

    members = get_user_model().objects.order_by("display_name", "pk")
    return qs.select_related("leader", "post__unit").prefetch_related(
        Prefetch("members", queryset=members),
        Prefetch("volunteers", queryset=Volunteer.objects.order_by("name", "pk")))


_with_people = with_people


# --- the contract ------------------------------------------------------------------------------------------


def post_for(*, subject_type: str, subject_id: int) -> Post | None:
    """The post staffing a module object ("arrivals.checkpoint", 12), active or not; None if it has none."""
    return (Post.objects.select_related("unit")
            .filter(subject_type=(subject_type or "").lower(), subject_id=subject_id).first())


def on_duty(*, post: Post, at: datetime.datetime | None = None) -> list[Shift]:
    """The shifts covering `at` (default now): a shift is on duty from its start (inclusive) to its end (exclusive)."""
    at = at or timezone.now()
    return list(_with_people(Shift.objects.filter(post=post, starts_at__lte=at, ends_at__gt=at))
                .order_by("starts_at", "pk"))


def subject_on_duty(*, subject_type: str, subject_id: int) -> tuple[Post | None, list[Shift]]:
    """(the post staffing a module object, its shifts on duty now): what a checkpoint's or a sampling point's page
    shows of its staff."""
    post = post_for(subject_type=subject_type, subject_id=subject_id)
    return post, (on_duty(post=post) if post is not None else [])


def shifts_between(*, post: Post, start: datetime.datetime, end: datetime.datetime) -> QuerySet:
    """Shifts of the post overlapping [start, end), in order of start."""
    return _with_people(Shift.objects.filter(post=post, starts_at__lt=end, ends_at__gt=start)).order_by(
        "starts_at", "pk")


def last_handover(*, post: Post) -> Handover | None:
    found = handovers_of(post=post, limit=1)
    return found[0] if found else None


def handovers_of(*, post: Post, limit: int = 10) -> list[Handover]:
    return list(Handover.objects.filter(post=post).select_related("by", "shift_from", "shift_to")
                .order_by("-at", "-pk")[:limit])


# --- scoped reads ------------------------------------------------------------------------------------------


@dataclass
class RosterDay:
    day: datetime.date
    shifts: list = field(default_factory=list)

    @property
    def is_today(self) -> bool:
        return self.day == timezone.localdate()


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def roster(*, user, post: Post, days: int = 7, start: datetime.date | None = None) -> list[RosterDay]:
    """The post's shifts by local day (a shift belongs to the day it starts), from `start` (default today).

    Empty days for a user who may not see the post.
    """
    days = max(1, min(int(days), 31))
    start = start or timezone.localdate()
    result = [RosterDay(day=start + datetime.timedelta(days=n)) for n in range(days)]
    by_day = {d.day: d for d in result}
    shifts = _with_people(Shift.objects.visible_to(user).filter(
        post=post, starts_at__gte=_day_start(start), starts_at__lt=_day_start(start + datetime.timedelta(days=days))))
    for shift in shifts.order_by("starts_at", "pk"):
        by_day[timezone.localdate(shift.starts_at)].shifts.append(shift)
    return result


def my_shifts(*, user, start: datetime.datetime, end: datetime.datetime) -> QuerySet:
    """A staffer's own shifts (as leader or member) overlapping [start, end), with their posts."""
    if user is None or not user.is_authenticated:
        return Shift.objects.none()
    mine = Q(leader=user) | Q(pk__in=Shift.members.through.objects.filter(user=user).values("shift_id"))
    return (_with_people(Shift.objects.filter(mine, starts_at__lt=end, ends_at__gt=start))
            .select_related("post__unit").order_by("starts_at", "pk"))


def post_list(*, user, node=None, kind: str = "") -> QuerySet:
    """Active posts in the user's scope (under `node` if given), with whether anyone is on duty now."""
    qs = Post.objects.visible_to(user).filter(active=True)
    if node is not None:
        qs = qs.filter(subtree_q("unit__path", node.path))
    if kind:
        qs = qs.filter(kind=kind)
    now = timezone.now()
    staffed = Shift.objects.filter(post=OuterRef("pk"), starts_at__lte=now, ends_at__gt=now)
    return qs.select_related("unit").annotate(staffed_now=Exists(staffed)).order_by("-pk")


def post_get(*, user, post_id: int, action: str = "view") -> Post:
    return get_visible_or_404(Post.objects.select_related("unit"), user=user, action=action, pk=post_id)


def shift_get(*, user, shift_id: int, action: str = "view") -> Shift:
    return get_visible_or_404(Shift.objects.select_related("post__unit", "leader"), user=user, action=action,
                              pk=shift_id)


def shift_next(*, shift: Shift) -> Shift | None:
    later = Shift.objects.filter(post_id=shift.post_id, starts_at__gt=shift.starts_at)
    return later.order_by("starts_at", "pk").first()


def nodes_for_filter(*, user) -> list:
    """The nodes a user may filter posts by: their scope and below, down to communities."""
    from fangkong.territory.models import Level
    from fangkong.territory.selectors import subtree

    if not user.scope_id:
        return []
    return list(subtree(user=user, unit=user.scope).filter(level__lte=Level.GRID).order_by("path")[:300])


def node_get(*, user, node_id: int):
    from fangkong.territory.selectors import unit_get

    return unit_get(user=user, unit_id=node_id)


def staff_for(*, user, limit: int = 500) -> QuerySet:
    """Active users the user may put on a shift: those working inside their scope."""
    from django.contrib.auth import get_user_model

    if not user.scope_path:
        return get_user_model().objects.none()
    staff = get_user_model().objects.filter(subtree_q("scope__path", user.scope_path), is_active=True)
    # A bounded choice list that a form can still validate against (no slice on the queryset itself).
    first = staff.order_by("display_name", "username").values("pk")[:limit]
    return staff.filter(pk__in=first).order_by("display_name", "username")


# --- uncovered shifts ----------------------------------------------------------------------------------------


def posts_in_service(*, now: datetime.datetime):
    """Active posts with a shift in the last 7 days or to come: the job's posts (no user: the system)."""
    recent = Shift.objects.filter(post=OuterRef("pk"), ends_at__gt=now - datetime.timedelta(days=7))
    return Post.objects.filter(active=True).filter(Exists(recent)).select_related("unit").order_by("pk").iterator()


def first_gap(*, post: Post, start: datetime.datetime, end: datetime.datetime):
    """(the first moment in [start, end) with nobody on duty at the post, the end of the last shift before it — or
    the post's creation when none — that names the slot), or None when it is covered throughout."""
    covered = start
    last_end = (Shift.objects.filter(post=post, ends_at__lte=start).order_by("-ends_at")
                .values_list("ends_at", flat=True).first())
    for s_start, s_end in (Shift.objects.filter(post=post, starts_at__lt=end, ends_at__gt=start)
                           .order_by("starts_at", "pk").values_list("starts_at", "ends_at")):
        if s_start > covered:
            break
        if s_end > covered:
            covered, last_end = s_end, s_end
    if covered >= end:
        return None
    return covered, (last_end or post.created_at)


# --- volunteers ----------------------------------------------------------------------------------------------


def volunteer_list(*, user, status: str = "", node=None) -> QuerySet:
    """Volunteers registered in the user's scope (under `node` if given), newest first; needs workforce.view."""
    qs = Volunteer.objects.visible_to(user).select_related("unit", "vetted_by")
    if status:
        qs = qs.filter(status=status)
    if node is not None:
        qs = qs.filter(subtree_q("unit__path", node.path))
    return qs.order_by("-pk")


def volunteer_get(*, user, volunteer_id: int, action: str = "view") -> Volunteer:
    return get_visible_or_404(Volunteer.objects.select_related("unit"), user=user, action=action, pk=volunteer_id)


def volunteers_for(*, user, post: Post, limit: int = 500) -> QuerySet:
    """Approved volunteers the user may put on the post's shifts: in their scope, registered in the post's area or
    above it."""
    from fangkong.core.paths import path_ids

    qs = Volunteer.objects.visible_to(user).filter(status=Volunteer.Status.APPROVED)
    above = Q(unit_id__in=path_ids(post.unit.path))
    first = qs.filter(subtree_q("unit__path", post.unit.path) | above).order_by("name", "pk").values("pk")[:limit]
    return Volunteer.objects.filter(pk__in=first).select_related("unit").order_by("name", "pk")


def volunteer_shifts(*, volunteer, now: datetime.datetime | None = None) -> list[Shift]:
    """What a volunteer's link shows: their own shifts from a day ago to 14 days ahead, in draft rosters left out."""
    from fangkong.workforce.models import Roster

    now = now or timezone.now()
    qs = (Shift.objects.filter(volunteers=volunteer, ends_at__gt=now - datetime.timedelta(days=1),
                               starts_at__lt=now + datetime.timedelta(days=14))
          .filter(Q(roster__isnull=True) | Q(roster__status=Roster.Status.PUBLISHED)))
    return list(with_people(qs).order_by("starts_at", "pk"))


def attendance_of(*, shifts, user=None, volunteer=None) -> dict:
    """{shift id: Attendance} of one person on these shifts."""
    from fangkong.workforce.models import Attendance

    lookup = {"user": user} if user is not None else {"volunteer": volunteer}
    return {a.shift_id: a for a in Attendance.objects.filter(shift__in=[s.pk for s in shifts], **lookup)}


# --- rules, rosters, groups ----------------------------------------------------------------------------------


def rules_list(*, user) -> QuerySet:
    from fangkong.workforce.models import ShiftRules

    return ShiftRules.objects.visible_to(user).select_related("unit", "updated_by").order_by("unit__path")


def rosters_of(*, user, post: Post) -> QuerySet:
    from fangkong.workforce.models import Roster

    return Roster.objects.visible_to(user).filter(post=post).order_by("-starts_on")


def roster_get(*, user, roster_id: int, action: str = "view"):
    from fangkong.workforce.models import Roster

    return get_visible_or_404(Roster.objects.select_related("post__unit", "published_by"), user=user, action=action,
                              pk=roster_id)


def roster_shifts(*, roster) -> list[Shift]:
    return list(with_people(Shift.objects.filter(roster=roster)).order_by("starts_at", "pk"))


def groups_of(*, post: Post) -> list:
    from fangkong.workforce.models import GroupMember, WorkingGroup

    members = GroupMember.objects.select_related("user").order_by("pk")
    return list(WorkingGroup.objects.filter(post=post).prefetch_related(Prefetch("members", queryset=members))
                .order_by("-set_up_on", "-pk"))


# --- the HQ page ---------------------------------------------------------------------------------------------


@dataclass
class PostFigures:
    post: Post
    hours_week: float = 0
    uncovered: int = 0
    over: list = field(default_factory=list)


def hq_figures(*, user, node, now: datetime.datetime | None = None) -> list[PostFigures]:
    """Per post under `node` in the user's scope: person-hours in the last 7 days, open uncovered alerts, and the
    people over their 7-day hours (with names)."""
    from django.contrib.auth import get_user_model

    from fangkong.tasks.models import OPEN_STATUSES, Task
    from fangkong.workforce.engine.roster import WEEK
    from fangkong.workforce.served import hours_by_post, over_hours

    now = now or timezone.now()
    posts = list(Post.objects.visible_to(user).filter(subtree_q("unit__path", node.path), active=True)
                 .select_related("unit").order_by("unit__path", "name")[:500])
    rows = {p.pk: PostFigures(post=p) for p in posts}
    shifts = list(with_people(Shift.objects.filter(post__in=posts, starts_at__lt=now, ends_at__gt=now - WEEK)))
    for post_id, hours in hours_by_post(shifts, since=now - WEEK, until=now).items():
        rows[post_id].hours_week = round(hours, 1)
    alerts = (Task.objects.filter(kind="workforce_uncovered", status__in=OPEN_STATUSES, subject_type="workforce.post",
                                  subject_id__in=list(rows)).values_list("subject_id", flat=True))
    for post_id in alerts:
        rows[post_id].uncovered += 1
    over = over_hours(shifts, until=now)
    users = {int(o.person[2:]) for o in over if o.person.startswith("u:")}
    vols = {int(o.person[2:]) for o in over if o.person.startswith("v:")}
    names = {f"u:{u.pk}": str(u) for u in get_user_model().objects.filter(pk__in=users)}
    names.update({f"v:{pk}": name for pk, name in Volunteer.objects.filter(pk__in=vols).values_list("pk", "name")})
    for o in over:
        rows[o.post_id].over.append((names.get(o.person, o.person), o.hours, o.limit))
    return list(rows.values())


# --- the public form -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Community:
    pk: int
    label: str


def public_communities(limit: int = 1000) -> list[Community]:
    """Communities a volunteer may choose on the public form ("street · community"), in tree order."""
    from fangkong.territory.models import Level, Unit

    rows = Unit.objects.filter(level=Level.COMMUNITY).select_related("parent").order_by("path")[:limit]
    return [Community(u.pk, f"{u.parent.name} · {u.name}" if u.parent_id else u.name) for u in rows]


def community_for(*, unit_id=None, code: str = ""):
    """The community (or grid, counted as its community) named by id or code; None when there is none."""
    from fangkong.territory.models import Level, Unit

    unit = None
    code = (code or "").strip()
    if code:
        unit = Unit.objects.filter(code=code).first()
    elif unit_id:
        unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        return None
    while unit is not None and unit.level > Level.COMMUNITY:
        unit = unit.parent
    return unit
