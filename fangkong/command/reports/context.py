"""What the daily report says, for the PDF and the workbook alike.

The figures come from the dashboard snapshot (one NodeFigures row per node), never from a live count of the big
tables; only the short lists (overdue tasks, open review items, tomorrow's releases, today's arrivals) are live
queries, limited and confined to the node's subtree. Residents appear in the lists with a masked name only.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.command.figures import collector_of, group_of
from fangkong.command.models import Snapshot
from fangkong.command.selectors import NodeView, children_figures, latest_snapshot, node_figures
from fangkong.core.days import day_bounds
from fangkong.core.masking import mask_name
from fangkong.core.paths import subtree_q
from fangkong.people.models import ManagementStatus
from fangkong.territory.models import Unit

TREND_DAYS = 14
LIST_LIMIT = 100


def _day_key(day: datetime.date) -> str:
    return day.isoformat()


def series_on(view: NodeView, name: str, day: datetime.date) -> int:
    return int((view.series or {}).get(name, {}).get(_day_key(day), 0))


def series_after(view: NodeView, name: str, day: datetime.date) -> int:
    key = _day_key(day)
    return sum(int(n) for d, n in (view.series or {}).get(name, {}).items() if d > key)


def long_date(day: datetime.date) -> str:
    """2026年12月1日 in Chinese, Dec. 1, 2026 in English (Django's DATE_FORMAT of the active language)."""
    return formats.date_format(day, "DATE_FORMAT")


# --- the figure tables ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: object  # a lazy translation
    value: Callable[[NodeView, datetime.date], int | float | None]
    percent: bool = False
    # The figure keys the column reads: the column is blank when their module failed in the snapshot.
    needs: tuple[str, ...] = ()


def _figure(key: str) -> Callable:
    return lambda view, day: int(view.figures.get(key, 0))


def _share(numerator: str, denominator: str) -> Callable:
    def value(view, day):
        below = view.figures.get(denominator, 0)
        return view.figures.get(numerator, 0) / below if below else None
    return value


def _new(view, day):
    return series_on(view, "report", day)


def _new_controlled(view, day):
    return series_on(view, "controlled", day)


def _new_community(view, day):
    return max(series_on(view, "report", day) - series_on(view, "controlled", day), 0)


def _cumulative(view, day):
    return max(int(view.figures.get("cases.total", 0)) - series_after(view, "report", day), 0)


def _open_assignments(view, day):
    """Written assignments not yet closed by a verification, live: the snapshot keeps only the overdue ones, and
    a node's assignments are few (one per finding)."""
    from fangkong.supervision.models import Assignment

    return (Assignment.objects.filter(subtree_q("unit__path", view.unit.path))
            .exclude(status=Assignment.Status.CLOSED).count())


def _col(key, label, value=None, *, percent=False, needs=None):
    return Column(key=key, label=label, value=value or _figure(key), percent=percent,
                  needs=tuple(needs) if needs is not None else (key,))


STATUS_SHOWN = [ManagementStatus.HOME_MONITORING, ManagementStatus.HOME_ISOLATION, ManagementStatus.CENTRAL_ISOLATION,
                ManagementStatus.OBSERVATION, ManagementStatus.HOSPITAL, ManagementStatus.RELEASED]


@dataclass(frozen=True)
class Section:
    slug: str
    title: object
    sheet: object  # the workbook's sheet name (≤ 31 characters)
    columns: list[Column]
    # Current-state figures are as of the snapshot; the day's new cases are read from the series by report day.
    as_of_snapshot: bool = True


SECTIONS = [
    Section("cases", gettext_lazy("Cases"), gettext_lazy("Cases"), [
        _col("new", gettext_lazy("New cases"), _new, needs=("cases.total",)),
        _col("new_controlled", gettext_lazy("of which found under control"), _new_controlled, needs=("cases.total",)),
        _col("new_community", gettext_lazy("of which found in the community"), _new_community,
             needs=("cases.total",)),
        _col("cumulative", gettext_lazy("Cumulative cases"), _cumulative, needs=("cases.total",)),
        _col("cases.confirmed", gettext_lazy("Confirmed (cumulative)")),
        _col("cases.asymptomatic", gettext_lazy("Asymptomatic (cumulative)")),
        _col("contacts.close", gettext_lazy("Close contacts")),
        _col("contacts.secondary", gettext_lazy("Secondary contacts")),
    ], as_of_snapshot=False),
    Section("people", gettext_lazy("People by management status"), gettext_lazy("Management status"), [
        _col(f"people.status.{status.value}", status.label) for status in STATUS_SHOWN
    ]),
    Section("isolation", gettext_lazy("Isolation rooms"), gettext_lazy("Isolation"), [
        _col("isolation.rooms", gettext_lazy("Rooms")),
        _col("isolation.rooms_occupied", gettext_lazy("Occupied")),
        _col("isolation.rooms_free", gettext_lazy("Free")),
        _col("isolation.people", gettext_lazy("People in the sites")),
        _col("isolation.queue", gettext_lazy("Waiting for a room")),
        _col("isolation.shortfall", gettext_lazy("Forecast shortfall (14 days)")),
    ]),
    Section("testing", gettext_lazy("Testing (running round)"), gettext_lazy("Testing"), [
        _col("testing.target", gettext_lazy("To be tested")),
        _col("testing.sampled", gettext_lazy("Sampled")),
        _col("testing.coverage", gettext_lazy("Coverage"), _share("testing.sampled", "testing.target"),
             percent=True, needs=("testing.target",)),
        _col("testing.positive_pools", gettext_lazy("Positive pools")),
    ]),
    Section("arrivals", gettext_lazy("Arrivals and first contact"), gettext_lazy("Arrivals"), [
        _col("arrivals.today", gettext_lazy("Arrived today")),
        _col("arrivals.week", gettext_lazy("Arrived in 7 days")),
        _col("arrivals.first_contact_done", gettext_lazy("First contact made")),
        _col("arrivals.first_contact_on_time", gettext_lazy("of which on time")),
        _col("arrivals.on_time_share", gettext_lazy("On-time share"),
             _share("arrivals.first_contact_on_time", "arrivals.first_contact_done"), percent=True,
             needs=("arrivals.week",)),
        _col("arrivals.first_contact_overdue", gettext_lazy("First contact overdue")),
    ]),
    Section("tasks", gettext_lazy("Tasks"), gettext_lazy("Tasks"), [
        _col("tasks.open", gettext_lazy("Open tasks")),
        _col("tasks.overdue", gettext_lazy("Overdue tasks")),
    ]),
    Section("supervision", gettext_lazy("Supervision"), gettext_lazy("Supervision"), [
        _col("supervision.findings_today", gettext_lazy("New findings today")),
        _col("supervision.open_findings", gettext_lazy("Findings not closed")),
        _col("supervision.open_assignments", gettext_lazy("Open written assignments"), _open_assignments,
             needs=("supervision.open_findings",)),
        _col("supervision.overdue_assignments", gettext_lazy("Rectifications overdue")),
    ]),
]


@dataclass
class FigureRow:
    unit: Unit
    values: list  # one per column: a number, or None when the figure is not there
    is_node: bool = False


def cell_text(value, *, percent: bool = False) -> str:
    if value is None:
        return "—"
    if percent:
        return f"{value * 100:.1f}%"
    return f"{value:,}" if isinstance(value, int) else str(value)


@dataclass
class SectionTable:
    section: Section
    rows: list[FigureRow]

    def display_rows(self) -> list[tuple[FigureRow, list[str]]]:
        return [(row, [cell_text(v, percent=c.percent) for v, c in zip(row.values, self.section.columns, strict=True)])
                for row in self.rows]


def _failed_groups(snapshot: Snapshot) -> set[str]:
    return {name for name in (snapshot.errors or {}) if "." not in name} | (
        {"isolation.shortfall"} if "isolation.forecast" in (snapshot.errors or {}) else set())


def _column_missing(column: Column, failed: set[str]) -> bool:
    for key in column.needs:
        group = group_of(key)
        if key in failed or collector_of(group) in failed:
            return True
    return False


def _row(view: NodeView, section: Section, day, failed, *, is_node=False) -> FigureRow:
    values = [None if _column_missing(c, failed) else c.value(view, day) for c in section.columns]
    return FigureRow(unit=view.unit, values=values, is_node=is_node)


# --- trend and analysis ------------------------------------------------------------------------------------


@dataclass
class TrendDay:
    day: datetime.date
    onset: int
    report: int
    controlled: int
    community: int
    imported: int


def trend_days(view: NodeView, day: datetime.date, n: int = TREND_DAYS) -> list[TrendDay]:
    days = [day - datetime.timedelta(days=i) for i in range(n - 1, -1, -1)]
    rows = []
    for d in days:
        report, controlled = series_on(view, "report", d), series_on(view, "controlled", d)
        rows.append(TrendDay(day=d, onset=series_on(view, "onset", d), report=report, controlled=controlled,
                             community=max(report - controlled, 0), imported=series_on(view, "imported", d)))
    return rows


def latest_rt(analysis: dict | None, day: datetime.date) -> dict | None:
    """The last Rt window ending on or before the report day (a window marked not-ok is returned as such)."""
    windows = [w for w in (analysis or {}).get("rt") or [] if (w.get("t_end") or "") <= _day_key(day)]
    if not windows:
        return None
    usable = [w for w in windows if w.get("status") == "ok" and w.get("mean") is not None]
    return usable[-1] if usable else windows[-1]


@dataclass
class Analysis:
    available: bool
    trend_line: str = ""
    direction: str = ""
    peak_date: str = ""
    rt: dict | None = None
    doubling: dict | None = None
    serial_interval: dict | None = None
    assumption: str = ""
    # The 14-day forecast made with the snapshot: new cases in all ({median, q025, q975}) and the isolation rooms
    # the forecast cases' contacts would need at the worst day ({date, rooms, low, high}).
    forecast_from: str = ""
    forecast_total: dict | None = None
    isolation_peak: dict | None = None


def analysis_of(view: NodeView, day: datetime.date) -> Analysis:
    data = view.analysis
    if not data:
        return Analysis(available=False)
    trend = data.get("trend") or {}
    projection = data.get("projection") or []
    return Analysis(available=True, trend_line=trend.get("line") or "", direction=trend.get("direction") or "",
                    peak_date=trend.get("peak_date") or "", rt=latest_rt(data, day), doubling=data.get("doubling"),
                    serial_interval=data.get("si"), assumption=data.get("assumption") or "",
                    forecast_from=projection[0]["date"] if projection else "",
                    forecast_total=data.get("projection_total"), isolation_peak=data.get("isolation_peak"))


# --- the lists (live, limited, in the node's subtree) ---------------------------------------------------------


LIST_COLUMNS = {
    "overdue": [("due", gettext_lazy("Due")), ("hours_over", gettext_lazy("Hours overdue")),
                ("unit", gettext_lazy("Node")), ("kind", gettext_lazy("Kind")), ("title", gettext_lazy("Task")),
                ("owner", gettext_lazy("Owner"))],
    "review": [("day", gettext_lazy("Meeting day")), ("unit", gettext_lazy("Node")), ("kind", gettext_lazy("Kind")),
               ("title", gettext_lazy("Problem")), ("owner", gettext_lazy("Owner")),
               ("fix", gettext_lazy("Proposed fix")), ("fix_due", gettext_lazy("Fix by"))],
    "releases": [("site", gettext_lazy("Site")), ("room", gettext_lazy("Room")), ("name", gettext_lazy("Name")),
                 ("category", gettext_lazy("Category")), ("home", gettext_lazy("Home node")),
                 ("since", gettext_lazy("In the site since"))],
    "findings": [("found", gettext_lazy("Found")), ("unit", gettext_lazy("Node")), ("site", gettext_lazy("Site")),
                 ("problem", gettext_lazy("Problem")), ("severity", gettext_lazy("Severity")),
                 ("assignment", gettext_lazy("Written assignment")), ("status", gettext_lazy("Status")),
                 ("due", gettext_lazy("Rectify by"))],
    "arrivals": [("name", gettext_lazy("Name")), ("origin", gettext_lazy("Origin")),
                 ("level", gettext_lazy("Risk level")), ("arrived_on", gettext_lazy("Arrived on")),
                 ("destination", gettext_lazy("Destination")), ("first_contact", gettext_lazy("First contact"))],
}


def list_cell_text(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


@dataclass
class Listed:
    kind: str
    rows: list[dict]
    total: int | None = None  # set only when the list was cut at LIST_LIMIT

    @property
    def capped(self) -> bool:
        return self.total is not None and self.total > len(self.rows)

    @property
    def columns(self) -> list[tuple[str, object]]:
        return LIST_COLUMNS[self.kind]

    def cells(self) -> list[list[str]]:
        return [[list_cell_text(row[name]) for name, _label in self.columns] for row in self.rows]


def overdue_tasks(unit: Unit, now: datetime.datetime, *, counted: int | None = None) -> Listed:
    """The oldest overdue tasks; `counted` (the snapshot's figure) spares a count over the city's tasks."""
    from fangkong.tasks.kinds import kind_label
    from fangkong.tasks.models import Task

    tasks = list(Task.objects.overdue(now).filter(subtree_q("unit__path", unit.path))
                 .select_related("unit", "owner").order_by("due_at", "pk")[:LIST_LIMIT + 1])
    rows = [{"unit": t.unit.name, "kind": str(kind_label(t.kind)), "title": t.title,
             "owner": str(t.owner) if t.owner_id else (t.owner_role or "—"),
             "due": timezone.localtime(t.due_at), "hours_over": int((now - t.due_at).total_seconds() // 3600)}
            for t in tasks[:LIST_LIMIT]]
    total = None
    if len(tasks) > LIST_LIMIT:
        total = counted if counted and counted > LIST_LIMIT else (
            Task.objects.overdue(now).filter(subtree_q("unit__path", unit.path)).count())
    return Listed(kind="overdue", rows=rows, total=total)


def open_review_items(unit: Unit) -> Listed:
    from fangkong.command.models import ReviewItem

    items = list(ReviewItem.objects.filter(subtree_q("unit__path", unit.path), status=ReviewItem.Status.OPEN)
                 .select_related("unit", "owner").order_by("day", "pk")[:LIST_LIMIT + 1])
    rows = [{"day": i.day, "unit": i.unit.name, "kind": str(i.get_kind_display()), "title": i.title,
             "owner": str(i.owner) if i.owner_id else "—", "fix": i.fix, "fix_due": i.fix_due}
            for i in items[:LIST_LIMIT]]
    total = None
    if len(items) > LIST_LIMIT:
        total = ReviewItem.objects.filter(subtree_q("unit__path", unit.path),
                                          status=ReviewItem.Status.OPEN).count()
    return Listed(kind="review", rows=rows, total=total)


def unresolved_findings(unit: Unit) -> Listed:
    """Supervision findings under the node not closed by a verification, oldest first: the unscoped twin of
    supervision.selectors.findings_for(open_only=True), confined to the node's subtree."""
    from django.db.models import Q

    from fangkong.supervision.models import Assignment, Finding

    base = Finding.objects.filter(subtree_q("unit__path", unit.path)).filter(
        Q(assignment__isnull=True) | ~Q(assignment__status=Assignment.Status.CLOSED))
    findings = list(base.select_related("unit", "site", "assignment").order_by("found_at", "pk")[:LIST_LIMIT + 1])
    rows = []
    for f in findings[:LIST_LIMIT]:
        assignment = getattr(f, "assignment", None)
        rows.append({"found": timezone.localtime(f.found_at), "unit": f.unit.name, "site": f.site.name,
                     "problem": f.problem, "severity": str(f.get_severity_display()),
                     "assignment": assignment.number if assignment else "",
                     "status": str(assignment.get_status_display()) if assignment else _("Not yet assigned"),
                     "due": timezone.localtime(assignment.due_at) if assignment else None})
    total = base.count() if len(findings) > LIST_LIMIT else None
    return Listed(kind="findings", rows=rows, total=total)


def releases_on(unit: Unit, day: datetime.date) -> Listed:
    """People in the sites whose centralised stage ends on `day` (the stage-end task due that day): unscoped
    twin of isolation.selectors.due_for_release, for the people of the node or in the node's sites."""
    from django.db.models import Q

    from fangkong.isolation.models import Stay
    from fangkong.protocols.services import MEASURE_SUBJECT
    from fangkong.tasks.models import OPEN_STATUSES, Task

    # A stage ends at the midnight that closes its last day, so "ends on `day`" is (day 00:00, next day 00:00].
    start, end = day_bounds(day)
    in_node = subtree_q("unit__path", unit.path) | subtree_q("site__unit__path", unit.path)
    measure_ids = (Task.objects.filter(subject_type=MEASURE_SUBJECT, kind="measure_stage_end",
                                       status__in=OPEN_STATUSES, due_at__gt=start, due_at__lte=end)
                   .values("subject_id"))
    stays = list(Stay.objects.filter(in_node, Q(measure_id__in=measure_ids), status=Stay.Status.ARRIVED)
                 .select_related("person", "room", "site", "unit")
                 .order_by("site__name", "room__number", "pk")[:LIST_LIMIT + 1])
    rows = [{"name": mask_name(s.person.name), "site": s.site.name, "room": s.room.number,
             "home": s.unit.name, "category": str(s.get_category_display()), "since": s.arrived_on}
            for s in stays[:LIST_LIMIT]]
    total = None
    if len(stays) > LIST_LIMIT:
        total = Stay.objects.filter(in_node, Q(measure_id__in=measure_ids), status=Stay.Status.ARRIVED).count()
    return Listed(kind="releases", rows=rows, total=total)


def arrivals_registered_on(unit: Unit, day: datetime.date) -> Listed:
    """Arrivals registered on `day` for the node. An arrival has no expected-arrival date (arrived_on is the day
    they came), so the report lists the day's registrations."""
    from fangkong.arrivals.models import Arrival

    start, end = day_bounds(day)
    base = Arrival.objects.filter(subtree_q("destination__path", unit.path), created_at__gte=start,
                                  created_at__lt=end)
    arrivals = list(base.select_related("destination", "first_contact_task")
                    .order_by("created_at", "pk")[:LIST_LIMIT + 1])
    rows = [{"name": mask_name(a.name), "origin": a.origin_name, "level": str(a.get_origin_level_display() or "—"),
             "arrived_on": a.arrived_on, "destination": a.destination.name,
             "first_contact": (str(a.first_contact_task.get_status_display()) if a.first_contact_task_id else "—")}
            for a in arrivals[:LIST_LIMIT]]
    total = base.count() if len(arrivals) > LIST_LIMIT else None
    return Listed(kind="arrivals", rows=rows, total=total)


# --- the whole report ----------------------------------------------------------------------------------------


@dataclass
class ReportContext:
    unit: Unit
    day: datetime.date
    snapshot: Snapshot
    node: NodeView
    children: list[NodeView]
    tables: list[SectionTable]
    trend: list[TrendDay]
    analysis: Analysis
    overdue: Listed
    review_items: Listed
    releases: Listed
    arrivals: Listed
    generated_at: datetime.datetime
    failed: list[str] = field(default_factory=list)
    findings: Listed | None = None
    target: dict | None = None  # command.target.target_status on the report day

    @property
    def title(self) -> str:
        return _("%(node)s epidemic prevention and control daily report (%(day)s)") % {
            "node": self.unit.name, "day": long_date(self.day)}

    @property
    def release_day(self) -> datetime.date:
        return self.day + datetime.timedelta(days=1)


class NoSnapshot(Exception):
    pass


def report_context(*, unit: Unit, day: datetime.date, snapshot: Snapshot | None = None,
                   now: datetime.datetime | None = None) -> ReportContext:
    """Everything the report of `unit` for `day` says; raises NoSnapshot when no snapshot holds the node."""
    now = now or timezone.now()
    snapshot = snapshot or latest_snapshot()
    node = node_figures(unit=unit, snapshot=snapshot) if snapshot else None
    if node is None:
        raise NoSnapshot(unit.pk)
    children = children_figures(unit=unit, snapshot=snapshot)
    failed = _failed_groups(snapshot)
    tables = [SectionTable(section=s, rows=[_row(node, s, day, failed, is_node=True)]
                           + [_row(child, s, day, failed) for child in children]) for s in SECTIONS]
    from fangkong.command.target import target_status

    return ReportContext(
        unit=unit, day=day, snapshot=snapshot, node=node, children=children, tables=tables,
        trend=trend_days(node, day), analysis=analysis_of(node, day),
        overdue=overdue_tasks(unit, now, counted=node.figures.get("tasks.overdue")),
        review_items=open_review_items(unit),
        releases=releases_on(unit, day + datetime.timedelta(days=1)), arrivals=arrivals_registered_on(unit, day),
        generated_at=now, failed=sorted(snapshot.errors or {}), findings=unresolved_findings(unit),
        target=target_status(unit, node.analysis, today=day),
    )
