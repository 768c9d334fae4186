"""Scoped reads of the review meeting's pack. Everything starts from ReviewItem.objects.visible_to(user, "review")
(command.review: the HQ and officers), so a user sees the items of their jurisdiction only."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from fangkong.accounts.models import User
from fangkong.accounts.scope import get_visible_or_404, require_capability_or_404
from fangkong.command.models import ReviewItem
from fangkong.core.days import day_bounds
from fangkong.core.paths import subtree_q
from fangkong.territory.models import Unit

# A pack is capped per kind when generated; this bounds a page however many runs and hand-added items there are.
PAGE_LIMIT = 1000


def review_node(*, user, unit_id=None) -> Unit:
    """The node whose pack the user asks for: their own scope node by default, or one inside it (404 otherwise)."""
    require_capability_or_404(user, "command.review")
    try:
        unit_id = int(unit_id) if unit_id not in (None, "") else user.scope_id
    except (TypeError, ValueError):
        unit_id = None
    return get_visible_or_404(Unit.objects.select_related("parent"), user=user, action="view", pk=unit_id)


def review_items(*, user, node: Unit) -> QuerySet:
    return (ReviewItem.objects.visible_to(user, "review").filter(subtree_q("unit__path", node.path))
            .select_related("unit", "owner", "resolved_by"))


def review_item_get(*, user, item_id: int) -> ReviewItem:
    return get_visible_or_404(ReviewItem.objects.select_related("unit", "owner", "resolved_by"), user=user,
                              action="review", pk=item_id)


def item_state(item: ReviewItem, day: datetime.date) -> str:
    """fixed / dropped / overdue (open past its fix-by date on `day`) / open."""
    if item.status != ReviewItem.Status.OPEN:
        return item.status
    return "overdue" if item.fix_due is not None and item.fix_due < day else "open"


@dataclass
class KindGroup:
    kind: str
    label: str
    items: list = field(default_factory=list)


@dataclass
class ReviewPack:
    node: Unit
    day: datetime.date
    groups: list[KindGroup]  # the night's problems, by kind, in the order of ReviewItem.Kind
    carried: list[ReviewItem]  # yesterday's items and older ones still open (or resolved since yesterday)
    capped: bool = False

    @property
    def total(self) -> int:
        return sum(len(g.items) for g in self.groups)

    @property
    def carried_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(_STATE_ORDER, 0)
        for item in self.carried:
            counts[item.state] += 1
        return counts


_STATE_ORDER = {"overdue": 0, "open": 1, "fixed": 2, "dropped": 3}


def review_pack(*, user, node: Unit, day: datetime.date) -> ReviewPack:
    items = review_items(user=user, node=node)
    tonight = list(items.filter(day=day).order_by("kind", "pk")[:PAGE_LIMIT + 1])
    capped = len(tonight) > PAGE_LIMIT
    by_kind = {kind: KindGroup(kind, label) for kind, label in ReviewItem.Kind.choices}
    for item in tonight[:PAGE_LIMIT]:
        item.state = item_state(item, day)
        by_kind[item.kind].items.append(item)
    yesterday = day - datetime.timedelta(days=1)
    since, _end = day_bounds(yesterday)
    older = Q(day__lt=yesterday) & (Q(status=ReviewItem.Status.OPEN) | Q(resolved_at__gte=since))
    carried = list(items.filter(Q(day=yesterday) | older).order_by("-day", "kind", "pk")[:PAGE_LIMIT])
    for item in carried:
        item.state = item_state(item, day)
    carried.sort(key=lambda i: (_STATE_ORDER[i.state], -i.day.toordinal(), i.kind, i.pk))
    return ReviewPack(node=node, day=day, groups=[g for g in by_kind.values() if g.items], carried=carried,
                      capped=capped)


def owner_choices(*, node: Unit, limit: int = 300) -> list[User]:
    """Who may own an item of `node`: active users working in it or on its path to the root (see services)."""
    return list(User.objects.filter(Q(subtree_q("scope__path", node.path)) | Q(scope_id__in=node.ancestor_ids),
                                    is_active=True).select_related("scope").order_by("scope__depth", "username")
                [:limit])


def child_nodes(*, user, node: Unit) -> list[Unit]:
    return list(Unit.objects.visible_to(user).filter(parent=node).order_by("code", "pk")[:200])
