"""What the dashboard shows of a node's figures: the metrics a map can be coloured by, derived shares, the rows
of the children's table and the charts' series. Pure functions of NodeView; no queries."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext_lazy as _

from fangkong.command.figures import GROUP_CAPABILITY, group_of
from fangkong.command.selectors import NodeView

CURVE_DAYS = 42


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    format: str = "int"  # "int" or "percent"
    numerator: str = ""  # a share: numerator / denominator of two stored counts
    denominator: str = ""
    worse: str = "high"  # which end of the scale is bad, for the map's colours

    @property
    def group(self) -> str:
        return group_of(self.numerator or self.key)

    def value(self, view: NodeView):
        """The figure for the node (only call for metrics the user may see: metrics_for); None for a share
        whose denominator is 0."""
        if self.numerator:
            return view.ratio(self.numerator, self.denominator)
        return view.figures.get(self.key, 0)


METRICS = [
    Metric("tasks.overdue", _("Overdue tasks")),
    Metric("cases.week", _("New cases, last 7 days")),
    Metric("cases.total", _("Cases, cumulative")),
    Metric("cases.community_share", _("Share of last 7 days' cases found in the community"), "percent",
           "cases.week_community", "cases.week"),
    Metric("people.status.home_isolation", _("Home isolation")),
    Metric("people.status.central_isolation", _("Centralised isolation")),
    Metric("people.status.home_monitoring", _("Home health monitoring")),
    Metric("isolation.queue", _("Waiting for an isolation room")),
    Metric("isolation.rooms_free", _("Free isolation rooms"), worse="low"),
    Metric("testing.coverage", _("Testing coverage of the running round"), "percent", "testing.sampled",
           "testing.target", worse="low"),
    Metric("arrivals.today", _("Arrivals today")),
    Metric("arrivals.first_contact_overdue", _("Arrivals not contacted in time")),
    Metric("arrivals.on_time_share", _("First contacts on time (7 days)"), "percent",
           "arrivals.first_contact_on_time", "arrivals.first_contact_done", worse="low"),
    Metric("risk.high", _("High-risk areas")),
    Metric("supervision.open_findings", _("Open supervision findings")),
    Metric("living.needs_overdue", _("Household needs past their deadline")),
    Metric("followup.reached_share", _("Contacts reached each day of follow-up (7 days)"), "percent",
           "followup.week_reached", "followup.week_due", worse="low"),
    Metric("followup.full_share", _("Contacts reached on every day of their period (7 days)"), "percent",
           "followup.week_ended_full", "followup.week_ended", worse="low"),
    Metric("followup.known_share", _("New cases already known contacts or under control (7 days)"), "percent",
           "followup.week_cases_known", "followup.week_cases", worse="low"),
    Metric("followup.on_time_share", _("New cases reached by a tracer within 24 hours (7 days)"), "percent",
           "followup.week_cases_on_time", "followup.week_cases_timed", worse="low"),
    Metric("vaccination.dose1_60", _("Residents 60 and over with at least one dose"), "percent",
           "vaccination.dose1.60_plus", "vaccination.residents.60_plus", worse="low"),
    Metric("vaccination.booster_60", _("Residents 60 and over with a booster"), "percent",
           "vaccination.booster.60_plus", "vaccination.residents.60_plus", worse="low"),
    Metric("people.persons", _("Residents")),
    Metric("territory.grids_unstaffed", _("Grids without a grid worker")),
]
METRIC_BY_KEY = {m.key: m for m in METRICS}
DEFAULT_METRIC = "tasks.overdue"


def with_derived(view: NodeView) -> NodeView:
    """Counts the snapshot does not store because they are differences of two it does."""
    f = view.figures
    if "cases.total" in f or "cases.week" in f:
        f.setdefault("cases.week", 0)
        f["cases.week_community"] = f.get("cases.week", 0) - f.get("cases.week_controlled", 0)
        f["cases.today_community"] = f.get("cases.today", 0) - f.get("cases.today_controlled", 0)
    return view


def prepared(board):
    """The board with the derived counts on every node it holds."""
    for view in [board.node, *board.children]:
        if view is not None:
            with_derived(view)
    return board


def metrics_for(caps) -> list[Metric]:
    return [m for m in METRICS if GROUP_CAPABILITY.get(m.group) in caps]


def metric_values(view: NodeView, metrics: list[Metric]) -> dict:
    return {m.key: m.value(view) for m in metrics}


def _day_range(end: date, days: int) -> list[date]:
    return [end - timedelta(days=days - 1 - i) for i in range(days)]


def curve(view: NodeView, today: date, days: int = CURVE_DAYS) -> dict:
    """The epidemic curve's series for the chart, and the projection after today when there is one."""
    series = view.series or {}
    dates = _day_range(today, days)
    keys = [d.isoformat() for d in dates]

    def values(name):
        data = series.get(name) or {}
        return [int(data.get(k, 0)) for k in keys]

    report = values("report")
    controlled = values("controlled")
    analysis = view.analysis or {}
    projection = analysis.get("projection") or []
    return {
        "dates": keys,
        "onset": values("onset"),
        "report": report,
        "controlled": controlled,
        "community": [r - c for r, c in zip(report, controlled, strict=True)],
        "imported": values("imported"),
        "projection": {"dates": [p["date"] for p in projection],
                       "median": [round(p["median"], 1) for p in projection],
                       "low": [round(p["q025"], 1) for p in projection],
                       "high": [round(p["q975"], 1) for p in projection]},
        "rt": [{"date": r["t_end"], "mean": _round(r["mean"]), "low": _round(r["q025"]), "high": _round(r["q975"]),
                "status": r["status"]} for r in analysis.get("rt") or []],
    }


def _round(value):
    return None if value is None else round(value, 3)


def overdue_by_kind(view: NodeView) -> list[tuple[str, str, int]]:
    from fangkong.tasks.kinds import get_kind

    rows = []
    for key, n in view.figures.items():
        if key.startswith("tasks.overdue.") and n:
            code = key.removeprefix("tasks.overdue.")
            try:
                label = str(get_kind(code).label)
            except Exception:  # a kind no longer registered still shows, by its code
                label = code
            rows.append((code, label, n))
    return sorted(rows, key=lambda r: (-r[2], r[0]))


def board_json(board, unit) -> dict:
    """A node's dashboard as JSON: its figures, its children's, the curve and the analysis."""
    from django.urls import reverse
    from django.utils import timezone

    metrics = metrics_for(board.caps)
    node = board.node
    today = timezone.localtime(board.snapshot.taken_at).date() if board.snapshot else timezone.localdate()
    return {
        "unit": {"id": unit.pk, "name": unit.name, "code": unit.code},
        "taken_at": board.snapshot.taken_at.isoformat() if board.snapshot else None,
        "stale": board.stale,
        "figures": node.figures if node else {},
        "metrics": metric_values(node, metrics) if node else {},
        "children": [{"id": c.unit.pk, "name": c.unit.name, "code": c.unit.code,
                      "url": reverse("command:dashboard_unit", kwargs={"unit_id": c.unit.pk}),
                      "figures": c.figures, "metrics": metric_values(c, metrics)} for c in board.children],
        "curve": curve(node, today) if node and node.series else None,
        "analysis": node.analysis if node else None,
    }
