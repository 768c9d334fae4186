"""Reads of posts, shifts and handovers. post_for, on_duty, shifts_between and last_handover are the contract other
apps use once they have scoped their own object; the rest start from visible_to(user)."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from fangkong.accounts.scope import get_visible_or_404
from fangkong.core.paths import subtree_q
from fangkong.workforce.models import Handover, Post, Shift


def _with_people(qs: QuerySet) -> QuerySet:
    from django.contrib.auth import get_user_model

    members = get_user_model().objects.order_by("display_name", "pk")
    return qs.select_related("leader", "post__unit").prefetch_related(Prefetch("members", queryset=members))


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
