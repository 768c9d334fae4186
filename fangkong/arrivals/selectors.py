"""Scoped reads of checkpoints, passages and arrivals; the command HQ's figures. Every one starts from visible_to."""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from fangkong.accounts.scope import get_visible_or_404
from fangkong.arrivals.models import Arrival, Checkpoint, Disposition, Occupant, Passage, ReportLink, RiskLevel
from fangkong.core.paths import path_ids, subtree_q
from fangkong.tasks.selectors import percentile
from fangkong.territory.models import Level, Responsibility, Unit

# --- checkpoints and passages --------------------------------------------------------------------------------


def checkpoint_list(*, user, action: str = "view") -> QuerySet:
    return Checkpoint.objects.visible_to(user, action).select_related("unit").order_by("-active", "name", "pk")


def checkpoint_get(*, user, checkpoint_id: int, action: str = "view") -> Checkpoint:
    return get_visible_or_404(Checkpoint.objects.select_related("unit"), user=user, action=action, pk=checkpoint_id)


def passages_recent(*, user, checkpoint: Checkpoint, since: datetime.datetime, limit: int = 200) -> list[Passage]:
    """The checkpoint's flow since `since`, newest first, occupants and their destinations in two queries."""
    occupants = Occupant.objects.select_related("destination").order_by("pk")
    return list(Passage.objects.visible_to(user).filter(checkpoint=checkpoint, at__gte=since)
                .select_related("recorded_by").prefetch_related(Prefetch("occupants", queryset=occupants))
                .order_by("-at", "-pk")[:limit])


def occupant_get(*, user, occupant_id: int, action: str = "register") -> Occupant:
    passages = Passage.objects.visible_to(user, action)
    occupant = (Occupant.objects.select_related("passage__checkpoint__unit")
                .filter(pk=occupant_id, passage__in=passages).first())
    if occupant is None:
        from django.http import Http404

        raise Http404
    return occupant


def destination_choices(*, unit: Unit, limit: int = 3000) -> list[tuple[int, str]]:
    """Streets, communities and grids of the city `unit` lies in, labelled "district · street · grid".

    A checkpoint hands travellers to any destination in its city; names of nodes are not personal data.
    """
    root_id = path_ids(unit.path)[0]
    root = Unit.objects.get(pk=root_id)
    nodes = list(Unit.objects.filter(subtree_q("path", root.path), level__gte=Level.DISTRICT, level__lte=Level.GRID)
                 .order_by("path").values_list("pk", "path", "name", "level")[:limit])
    names = {pk: name for pk, _path, name, _level in nodes}
    return [(pk, " · ".join(names[i] for i in path_ids(path) if i in names))
            for pk, path, _name, level in nodes if level >= Level.STREET]


def report_links(*, user, checkpoint: Checkpoint | None = None) -> QuerySet:
    qs = ReportLink.objects.visible_to(user).filter(active=True).select_related("unit", "checkpoint")
    if checkpoint is not None:
        qs = qs.filter(checkpoint=checkpoint)
    return qs.order_by("-pk")


def report_link_by_token(*, token: str) -> ReportLink:
    from django.http import Http404

    link = ReportLink.objects.select_related("unit", "checkpoint").filter(token=token, active=True).first()
    if link is None:
        raise Http404
    return link


# --- arrivals ------------------------------------------------------------------------------------------------


@dataclass
class ArrivalFilters:
    level: str = ""
    status: str = ""
    channel: str = ""

    @classmethod
    def from_params(cls, params) -> "ArrivalFilters":
        level, status, channel = params.get("level", ""), params.get("status", ""), params.get("channel", "")
        return cls(level=level if level in RiskLevel.values else "",
                   status=status if status in Arrival.Status.values else "",
                   channel=channel if channel in ("checkpoint", "community", "self_report", "coordination_list")
                   else "")


def arrival_list(*, user, filters: ArrivalFilters | None = None, action: str = "view") -> QuerySet:
    """Arrivals at destinations inside the user's scope, newest first (keyset by pk)."""
    qs = Arrival.objects.visible_to(user, action)
    filters = filters or ArrivalFilters()
    if filters.level:
        qs = qs.filter(origin_level=filters.level)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.channel:
        # channels is a short JSON list; a text match works on SQLite and PostgreSQL alike.
        qs = qs.filter(channels__icontains=f'"{filters.channel}"')
    return qs.select_related("destination", "first_contact_task").order_by("-pk")


def arrival_get(*, user, arrival_id: int, action: str = "view") -> Arrival:
    return get_visible_or_404(Arrival.objects.select_related("destination", "first_contact_task", "person"),
                              user=user, action=action, pk=arrival_id)


# --- what the command HQ sees ------------------------------------------------------------------------------


def scope_children(*, user, unit: Unit) -> list[Unit]:
    return list(Unit.objects.visible_to(user).filter(parent=unit).order_by("code", "pk")[:500])


def _child_of(path: str, children: list[Unit]) -> Unit | None:
    for child in children:
        if path.startswith(child.path):
            return child
    return None


@dataclass
class LevelCounts:
    unit: Unit | None
    counts: dict = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def no_level(self) -> int:
        return self.counts.get("", 0)


LEVEL_KEYS = ("high", "medium", "low", "")


def arrivals_by_level_and_child(*, user, unit: Unit, day: datetime.date) -> tuple[LevelCounts, list[LevelCounts]]:
    """Arrivals of `day` in `unit`'s subtree by origin risk level, overall and per child node (one GROUP BY)."""
    children = scope_children(user=user, unit=unit)
    rows = (Arrival.objects.visible_to(user, "report").filter(subtree_q("destination__path", unit.path),
                                                              arrived_on=day)
            .order_by().values("destination__path", "origin_level").annotate(n=Count("pk")))
    overall = LevelCounts(unit=unit, counts=Counter())
    per_child = {c.pk: LevelCounts(unit=c, counts=Counter()) for c in children}
    own = LevelCounts(unit=None, counts=Counter())
    for row in rows:
        overall.counts[row["origin_level"]] += row["n"]
        child = _child_of(row["destination__path"], children)
        (per_child[child.pk] if child else own).counts[row["origin_level"]] += row["n"]
    result = list(per_child.values())
    if own.total:
        result.insert(0, own)
    return overall, result


@dataclass
class Overdue:
    arrival: Arrival
    grid_worker_name: str
    grid_worker_phone: str
    overdue_by: datetime.timedelta

    @property
    def overdue_hours(self) -> float:
        return self.overdue_by.total_seconds() / 3600


def overdue_first_contacts(*, user, unit: Unit, now: datetime.datetime | None = None, after=None,
                           size: int = 100) -> tuple[list[Overdue], int | None]:
    """不漏一人: open arrivals whose first-contact task is still open past its deadline, by grid (keyset by pk)."""
    from fangkong.tasks.models import OPEN_STATUSES
    from fangkong.territory.selectors import responsible_for

    now = now or timezone.now()
    qs = (Arrival.objects.visible_to(user, "report").still_open()
          .filter(subtree_q("destination__path", unit.path), first_contact_task__status__in=OPEN_STATUSES,
                  first_contact_task__due_at__lt=now)
          .select_related("destination", "first_contact_task__owner").order_by("-pk"))
    if after:
        qs = qs.filter(pk__lt=int(after))
    rows = list(qs[: size + 1])
    next_after = rows[size - 1].pk if len(rows) > size else None
    workers: dict[int, Responsibility | None] = {}
    result = []
    for arrival in rows[:size]:
        if arrival.destination_id not in workers:
            workers[arrival.destination_id] = responsible_for(unit=arrival.destination,
                                                              role=Responsibility.Role.GRID_WORKER)
        worker = workers[arrival.destination_id]
        result.append(Overdue(arrival=arrival, grid_worker_name=worker.name if worker else "",
                              grid_worker_phone=worker.masked_phone if worker else "",
                              overdue_by=now - arrival.first_contact_task.due_at))
    result.sort(key=lambda o: (o.arrival.destination.path, -o.overdue_by.total_seconds()))
    return result, next_after


@dataclass
class Timeliness:
    unit: Unit | None
    arrivals: int = 0
    contacted: int = 0
    median_hours: float | None = None
    p90_hours: float | None = None


def first_contact_timeliness(*, user, unit: Unit, since: datetime.datetime,
                             limit: int = 200_000) -> tuple[Timeliness, list[Timeliness]]:
    """Hours from registration to the first contact done: median and 90th percentile, overall and per street.

    Only the two timestamps and the destination path of each arrival are read (bounded by `limit`).
    """
    from fangkong.tasks.models import Task

    streets = list(Unit.objects.visible_to(user).filter(subtree_q("path", unit.path), level=Level.STREET)
                   .order_by("code", "pk")[:1000])
    street_by_id = {s.pk: s for s in streets}
    rows = (Arrival.objects.visible_to(user, "report")
            .filter(subtree_q("destination__path", unit.path), created_at__gte=since)
            .order_by().values_list("destination__path", "created_at", "first_contact_task__status",
                                    "first_contact_task__closed_at")[:limit])
    hours_all: list[float] = []
    per: dict[int | None, list] = defaultdict(list)
    counts: Counter = Counter()
    for path, created, status, closed in rows:
        street = next((street_by_id[i] for i in path_ids(path) if i in street_by_id), None)
        key = street.pk if street else None
        counts[key] += 1
        if status == Task.Status.DONE and closed is not None:
            hours = max((closed - created).total_seconds(), 0) / 3600
            hours_all.append(hours)
            per[key].append(hours)

    def build(node, values, n) -> Timeliness:
        return Timeliness(unit=node, arrivals=n, contacted=len(values), median_hours=percentile(values, 0.5),
                          p90_hours=percentile(values, 0.9))

    overall = build(unit, hours_all, sum(counts.values()))
    result = [build(s, per.get(s.pk, []), counts.get(s.pk, 0)) for s in streets if counts.get(s.pk)]
    return overall, result


@dataclass
class Throughput:
    checkpoint: Checkpoint
    by_hour: list = field(default_factory=lambda: [0] * 24)
    by_shift: list = field(default_factory=lambda: [0, 0, 0])
    passages: int = 0
    people: int = 0
    # The post's own shifts of the day (workforce), each with the people registered while it was on duty.
    duty_shifts: list = field(default_factory=list)


# Three eight-hour bands, as the checkpoints of the seeds ran their 24-hour duty (交接换班); the rosters'
# real shifts are shown beside them when the checkpoint's post has any.
SHIFTS = ((0, 8), (8, 16), (16, 24))


def checkpoint_throughput(*, user, day: datetime.date, limit: int = 100_000) -> list[Throughput]:
    """Passages and people per local hour and per shift at each checkpoint in scope, for one day."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
    end = start + datetime.timedelta(days=1)
    checkpoints = {c.pk: Throughput(checkpoint=c) for c in checkpoint_list(user=user, action="report")[:500]}
    rows = list(Passage.objects.visible_to(user, "report")
                .filter(at__gte=start, at__lt=end, checkpoint_id__in=checkpoints)
                .order_by().annotate(people=Count("occupants")).values_list("checkpoint_id", "at", "people")[:limit])
    _duty_shifts(checkpoints, rows, start, end)
    for checkpoint_id, at, people in rows:
        t = checkpoints[checkpoint_id]
        hour = timezone.localtime(at).hour
        t.by_hour[hour] += people
        t.by_shift[next(i for i, (a, b) in enumerate(SHIFTS) if a <= hour < b)] += people
        t.passages += 1
        t.people += people
    return [t for t in checkpoints.values() if t.passages or t.checkpoint.active]


def _duty_shifts(checkpoints: dict, rows: list, start, end) -> None:
    from fangkong.workforce.selectors import post_for, shifts_between

    for checkpoint_id, throughput in checkpoints.items():
        post = post_for(subject_type="arrivals.checkpoint", subject_id=checkpoint_id)
        if post is None:
            continue
        for shift in shifts_between(post=post, start=start, end=end)[:50]:
            people = sum(n for cid, at, n in rows if cid == checkpoint_id and shift.starts_at <= at < shift.ends_at)
            throughput.duty_shifts.append((shift, people))


def dispositions_on(*, user, day: datetime.date) -> list[tuple[str, str, int]]:
    """(code, label, count) of the day's dispositions at checkpoints in scope."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
    counts = dict(Occupant.objects.filter(passage__in=Passage.objects.visible_to(user, "report")
                                          .filter(at__gte=start, at__lt=start + datetime.timedelta(days=1)))
                  .order_by().values_list("disposition").annotate(n=Count("pk")))
    return [(code, label, counts.get(code, 0)) for code, label in Disposition.choices]


def fever_referrals(*, user, day: datetime.date, limit: int = 100) -> list[Occupant]:
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
    return list(Occupant.objects.filter(
        Q(disposition=Disposition.FEVER_CLINIC) | Q(disposition=Disposition.OBSERVATION),
        passage__in=Passage.objects.visible_to(user, "report").filter(
            at__gte=start, at__lt=start + datetime.timedelta(days=1)))
        .select_related("passage__checkpoint").order_by("-passage__at")[:limit])
