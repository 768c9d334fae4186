"""Scoped reads of notify: delivery figures by message kind and by child node, and the message list.

A message belongs to the node of its unit (the person's building); a user sees the messages of their subtree.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.utils import timezone

from fangkong.core.paths import path_ids, subtree_q
from fangkong.notify.message_kinds import all_message_kinds, message_kind_label
from fangkong.notify.models import Message
from fangkong.territory.models import Unit

# The columns of the figures: "queued" counts what is waiting or being sent right now.
COLUMNS = ("queued", "sent", "delivered", "failed", "unreachable")
_COLUMN_OF = {Message.Status.QUEUED: "queued", Message.Status.SENDING: "queued", Message.Status.SENT: "sent",
              Message.Status.DELIVERED: "delivered", Message.Status.FAILED: "failed",
              Message.Status.UNREACHABLE: "unreachable"}
PERIODS = (1, 7, 30)


@dataclass
class Row:
    key: object
    label: str
    counts: Counter = field(default_factory=Counter)

    @property
    def cells(self) -> list[int]:
        return [self.counts[c] for c in COLUMNS]

    @property
    def total(self) -> int:
        return sum(self.counts[c] for c in COLUMNS)


@dataclass
class Figures:
    root: Unit
    since: datetime.datetime
    by_kind: list[Row]
    by_node: list[Row]
    totals: Counter


def messages_visible(*, user) -> QuerySet:
    return Message.objects.visible_to(user, "view")


def figures(*, user, root: Unit, days: int = 7, now: datetime.datetime | None = None) -> Figures:
    now = now or timezone.now()
    since = now - datetime.timedelta(days=days)
    rows = (messages_visible(user=user).filter(subtree_q("unit__path", root.path), created_at__gte=since)
            .values("kind", "status", "unit__path").annotate(n=Count("pk")).order_by())
    children = list(Unit.objects.visible_to(user).filter(parent=root).order_by("name"))
    child_of = {c.pk: c for c in children}
    by_kind: dict[str, Row] = {}
    by_child: dict[int, Row] = {}
    totals: Counter = Counter()
    for values in rows:
        column, n = _COLUMN_OF[values["status"]], values["n"]
        totals[column] += n
        kind = by_kind.setdefault(values["kind"], Row(values["kind"], message_kind_label(values["kind"])))
        kind.counts[column] += n
        child_id = next((i for i in path_ids(values["unit__path"]) if i in child_of), None)
        if child_id is not None:
            by_child.setdefault(child_id, Row(child_of[child_id], child_of[child_id].name)).counts[column] += n
    order = {k.code: n for n, k in enumerate(all_message_kinds())}
    return Figures(root=root, since=since, totals=totals,
                   by_kind=sorted(by_kind.values(), key=lambda r: (order.get(r.key, len(order)), r.key)),
                   by_node=[by_child[c.pk] for c in children if c.pk in by_child])


def message_list(*, user, root: Unit, kind: str = "", status: str = "") -> QuerySet:
    qs = (messages_visible(user=user).filter(subtree_q("unit__path", root.path))
          .select_related("unit").only("pk", "kind", "phone", "status", "attempts", "last_error", "created_at",
                                       "send_after", "sent_at", "delivered_at", "urgent", "task_id", "unit__name",
                                       "unit__path"))
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    return qs
