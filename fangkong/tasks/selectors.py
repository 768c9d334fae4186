"""Scoped reads of work orders: inbox, backlog, overdue counts and timeliness (第一时间)."""

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models import IntegerField as IntField
from django.http import Http404
from django.utils import timezone

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import get_visible_or_404, unit_in_scope
from fangkong.core.masking import mask_name
from fangkong.core.pagination import KeysetPage, keyset_page
from fangkong.core.paths import subtree_q
from fangkong.people.models import Person
from fangkong.tasks.models import OPEN_STATUSES, Task
from fangkong.territory.models import Unit

_RELATED = ("unit", "person", "household", "household__unit", "owner", "escalated_owner", "escalated_to")


def task_get(*, user, task_id: int, action: str = "view") -> Task:
    """One task the user may see (404 otherwise, same as missing)."""
    return get_visible_or_404(Task.objects.select_related(*_RELATED), user=user, action=action, pk=task_id)


def inbox(*, user) -> QuerySet:
    """The user's open work: owned by them or escalated to them. Ordered by due time, so overdue comes first."""
    return (
        Task.objects.visible_to(user, "view")
        .filter(Q(owner=user) | Q(escalated_owner=user))
        .still_open()
        .select_related(*_RELATED)
        .order_by("due_at", "pk")
    )


def inbox_recently_closed(*, user, days: int = 3, limit: int = 20) -> list[Task]:
    since = timezone.now() - timedelta(days=days)
    return list(
        Task.objects.visible_to(user, "view")
        .filter(Q(owner=user) | Q(escalated_owner=user))
        .exclude(status__in=OPEN_STATUSES)
        .filter(closed_at__gte=since)
        .select_related(*_RELATED)
        .order_by("-closed_at", "-pk")[:limit]
    )


def due_keyset_page(queryset: QuerySet, *, after=None, size: int = 30) -> KeysetPage:
    """Keyset page over (due_at, pk); `after` is the id of the last task of the previous page."""
    try:
        after_pk = int(after) if after not in (None, "") else None
    except (TypeError, ValueError):
        after_pk = None
    size = max(1, min(int(size), 200))
    qs = queryset
    if after_pk is not None:
        last = queryset.filter(pk=after_pk).values_list("due_at", flat=True).first()
        if last is not None:
            qs = qs.filter(Q(due_at__gt=last) | Q(due_at=last, pk__gt=after_pk))
    rows = list(qs[: size + 1])
    next_after = rows[size - 1].pk if len(rows) > size else None
    return KeysetPage(items=rows[:size], next_after=next_after, after=after_pk, size=size)


def backlog(*, user, unit: Unit | None = None, filters: dict | None = None, now: datetime | None = None) -> QuerySet:
    """Every task in a node's subtree that the user may report on; newest first (keyset by id)."""
    filters = filters or {}
    now = now or timezone.now()
    qs = Task.objects.visible_to(user, "report").select_related(*_RELATED)
    if unit is not None:
        qs = qs.filter(subtree_q("unit__path", unit.path))
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    status = filters.get("status")
    if status == "active":
        qs = qs.still_open()
    elif status:
        qs = qs.filter(status=status)
    if filters.get("overdue"):
        qs = qs.overdue(now)
    if filters.get("escalated"):
        qs = qs.filter(escalation_level__gt=0)
    return qs.order_by("-pk")


def backlog_page(*, user, unit=None, filters=None, after=None, size: int = 50) -> KeysetPage:
    return keyset_page(backlog(user=user, unit=unit, filters=filters), after=after, size=size)


def unit_get(*, user, unit_id: int, capability: str = "tasks.report") -> Unit:
    """A node inside the user's scope, for a user who holds `capability` (404 otherwise, same as missing)."""
    if not has_capability(user, capability):
        raise Http404
    return get_visible_or_404(Unit.objects, user=user, action="view", pk=unit_id)


def children_page(*, user, unit: Unit, after=None, size: int = 100) -> KeysetPage:
    return keyset_page(Unit.objects.visible_to(user, "view").filter(parent=unit), after=after, size=size,
                       descending=False)


def _child_case(children) -> Case:
    return Case(*[When(subtree_q("unit__path", child.path), then=Value(child.pk)) for child in children],
                default=Value(None), output_field=IntField())


@dataclass
class ChildCounts:
    unit: Unit | None
    open: int = 0
    overdue: int = 0
    escalated: int = 0


def overdue_counts_by_child(*, user, unit: Unit, children=None, now: datetime | None = None) -> list[ChildCounts]:
    """Open and overdue tasks per child node of `unit` (plus those on the node itself): one GROUP BY query.

    `children` is a page of child nodes; a node with thousands of children is counted page by page.
    """
    now = now or timezone.now()
    if children is None:
        children = list(Unit.objects.visible_to(user, "view").filter(parent=unit).order_by("pk")[:500])
    rows = {
        row["child"]: row
        for row in (
            Task.objects.visible_to(user, "report").filter(subtree_q("unit__path", unit.path)).still_open()
            .annotate(child=_child_case(children)).order_by().values("child")
            .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now)),
                      escalated=Count("pk", filter=Q(escalation_level__gt=0)))
        )
    }
    result = []
    for child in [None, *children]:
        row = rows.get(child.pk if child else None, {})
        if child is None and not row:
            continue
        result.append(ChildCounts(unit=child, open=row.get("open", 0), overdue=row.get("overdue", 0),
                                  escalated=row.get("escalated", 0)))
    return result


# --- timeliness -----------------------------------------------------------------------------------


class PercentileCont(Aggregate):
    """PostgreSQL's percentile_cont(p) WITHIN GROUP (ORDER BY expr)."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


class EpochSeconds(Func):
    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()


def percentile(values: list[float], fraction: float) -> float | None:
    """The same as percentile_cont: linear interpolation between the closest ranks."""
    if not values:
        return None
    values = sorted(values)
    position = fraction * (len(values) - 1)
    low, high = math.floor(position), math.ceil(position)
    return values[low] + (values[high] - values[low]) * (position - low)


@dataclass
class Timeliness:
    unit: Unit | None
    total: int = 0
    accepted: int = 0
    done: int = 0
    on_time: int = 0
    accept_median: timedelta | None = None
    accept_p90: timedelta | None = None
    done_median: timedelta | None = None
    done_p90: timedelta | None = None
    extra: dict = field(default_factory=dict)

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.done if self.done else None


def _seconds(value) -> timedelta | None:
    return None if value is None else timedelta(seconds=round(value))


_ACCEPT_DELAY = ExpressionWrapper(F("accepted_at") - F("created_at"), output_field=DurationField())
_DONE_DELAY = ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField())
_IS_DONE = Q(status=Task.Status.DONE, closed_at__isnull=False)


def _timeliness_base(*, user, unit, since, until, kind):
    qs = Task.objects.visible_to(user, "report").filter(subtree_q("unit__path", unit.path))
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    if until is not None:
        qs = qs.filter(created_at__lt=until)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by()


def timeliness(*, user, unit: Unit, since: datetime | None = None, until: datetime | None = None,
               kind: str | None = None, children=None) -> tuple[Timeliness, list[Timeliness]]:
    """Median and 90th percentile from creation to acceptance and to completion: for `unit` and per child.

    On PostgreSQL the percentiles are computed by percentile_cont in two queries; elsewhere only the
    delay values are fetched (never whole rows) and the same interpolation runs in Python.
    """
    if children is None:
        children = list(Unit.objects.visible_to(user, "view").filter(parent=unit).order_by("pk")[:500])
    base = _timeliness_base(user=user, unit=unit, since=since, until=until, kind=kind)
    counts = {
        "total": Count("pk"),
        "accepted": Count("pk", filter=Q(accepted_at__isnull=False)),
        "done": Count("pk", filter=_IS_DONE),
        "on_time": Count("pk", filter=_IS_DONE & Q(closed_at__lte=F("due_at"))),
    }
    by_child = base.annotate(child=_child_case(children)) if children else base.annotate(
        child=Value(None, output_field=IntField()))
    if connection.vendor == "postgresql":
        accept_s = EpochSeconds(_ACCEPT_DELAY)
        done_s = EpochSeconds(_DONE_DELAY)
        stats = {
            **counts,
            "accept_median": PercentileCont(accept_s, 0.5, filter=Q(accepted_at__isnull=False)),
            "accept_p90": PercentileCont(accept_s, 0.9, filter=Q(accepted_at__isnull=False)),
            "done_median": PercentileCont(done_s, 0.5, filter=_IS_DONE),
            "done_p90": PercentileCont(done_s, 0.9, filter=_IS_DONE),
        }
        overall_row = base.aggregate(**stats)
        child_rows = {r["child"]: r for r in by_child.values("child").annotate(**stats)}
    else:
        overall_row, child_rows = _timeliness_in_python(by_child, counts)

    def build(node, row) -> Timeliness:
        row = row or {}
        return Timeliness(
            unit=node, total=row.get("total", 0), accepted=row.get("accepted", 0), done=row.get("done", 0),
            on_time=row.get("on_time", 0),
            accept_median=_seconds(row.get("accept_median")), accept_p90=_seconds(row.get("accept_p90")),
            done_median=_seconds(row.get("done_median")), done_p90=_seconds(row.get("done_p90")),
        )

    overall = build(unit, overall_row)
    per_child = [build(child, child_rows.get(child.pk)) for child in children]
    if child_rows.get(None):
        per_child.insert(0, build(None, child_rows[None]))
    return overall, per_child


def _timeliness_in_python(by_child, counts) -> tuple[dict, dict]:
    child_rows = {r["child"]: dict(r) for r in by_child.values("child").annotate(**counts)}
    overall = {k: sum(r[k] for r in child_rows.values()) for k in counts}
    delays = {"accept": {}, "done": {}}
    all_delays = {"accept": [], "done": []}
    for child, accept, done, is_done in by_child.annotate(
        accept_delay=_ACCEPT_DELAY, done_delay=_DONE_DELAY,
        is_done=Case(When(_IS_DONE, then=Value(1)), default=Value(0), output_field=IntField()),
    ).values_list("child", "accept_delay", "done_delay", "is_done"):
        if accept is not None:
            seconds = accept.total_seconds()
            delays["accept"].setdefault(child, []).append(seconds)
            all_delays["accept"].append(seconds)
        if is_done and done is not None:
            seconds = done.total_seconds()
            delays["done"].setdefault(child, []).append(seconds)
            all_delays["done"].append(seconds)
    for which in ("accept", "done"):
        overall[f"{which}_median"] = percentile(all_delays[which], 0.5)
        overall[f"{which}_p90"] = percentile(all_delays[which], 0.9)
        for child, values in delays[which].items():
            child_rows[child][f"{which}_median"] = percentile(values, 0.5)
            child_rows[child][f"{which}_p90"] = percentile(values, 0.9)
    return overall, child_rows


def may_act_on(*, user, task: Task, dispatch_only: bool = False) -> bool:
    """Whether the services would let `user` act on `task` (the page shows the buttons accordingly)."""
    if not Task.objects.visible_to(user, "change").filter(pk=task.pk).exists():
        return False
    if unit_in_scope(user, task.unit, "dispatch", capability_app="tasks"):
        return True
    return not dispatch_only and user.pk in (task.owner_id, task.escalated_owner_id)


def outcome_members(*, task: Task, user) -> list[tuple[str, bool]]:
    """(name, present) for a household visit's recorded members; names masked for those not doing the work."""
    members = (task.outcome_data or {}).get("members") or []
    if not members:
        return []
    names = dict(Person.objects.filter(pk__in=[m["person_id"] for m in members]).values_list("pk", "name"))
    show = (lambda name: name) if user.pk in (task.owner_id, task.escalated_owner_id) else mask_name
    return [(show(names.get(m["person_id"], "")) or f"#{m['person_id']}", m["present"]) for m in members]
