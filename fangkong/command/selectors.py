"""Scoped reads of the dashboard snapshot: a node's figures and its children's, for the pages, the API and the
reports. Nothing here counts rows of the other modules; the snapshot job did that.

Figures a user's role may not see are left out (never shown as zero): each figure group needs the capability
of the module it comes from (see figures.GROUP_CAPABILITY).
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from fangkong.accounts.roles import capabilities_of
from fangkong.command.figures import GROUP_CAPABILITY, group_of
from fangkong.command.models import NodeFigures, Snapshot
from fangkong.territory.models import Unit

# A snapshot older than this is flagged on the page: the worker may have stopped.
STALE_AFTER = timedelta(minutes=20)


@dataclass
class NodeView:
    unit: Unit
    figures: dict = field(default_factory=dict)
    series: dict = field(default_factory=dict)
    analysis: dict | None = None

    def get(self, key: str, default=0):
        return self.figures.get(key, default)

    def ratio(self, numerator: str, denominator: str) -> float | None:
        """numerator / denominator, or None when the denominator is 0 or not visible."""
        if not self.figures.get(denominator):
            return None
        return self.figures.get(numerator, 0) / self.figures[denominator]


@dataclass
class Dashboard:
    snapshot: Snapshot | None  # None: no snapshot was ever taken
    node: NodeView | None
    children: list[NodeView] = field(default_factory=list)
    caps: frozenset = frozenset()

    @property
    def stale(self) -> bool:
        return self.snapshot is None or timezone.now() - self.snapshot.taken_at > STALE_AFTER


def latest_snapshot() -> Snapshot | None:
    return Snapshot.objects.order_by("-taken_at", "-pk").first()


def _visible(figures: dict, caps) -> dict:
    return {key: value for key, value in figures.items() if GROUP_CAPABILITY.get(group_of(key), "") in caps}


def _view(row: NodeFigures, unit: Unit, caps) -> NodeView:
    series = row.series if "tracing.view" in caps else {}
    analysis = row.analysis if "tracing.view" in caps else None
    return NodeView(unit=unit, figures=_visible(row.figures, caps), series=series, analysis=analysis)


def dashboard(*, user, unit: Unit, snapshot: Snapshot | None = None) -> Dashboard:
    """`unit`'s figures and its visible children's, as the user may see them; `unit` must be visible to the user
    (the view gets it with get_visible_or_404)."""
    caps = capabilities_of(user)
    snapshot = snapshot or latest_snapshot()
    if snapshot is None or "command.view" not in caps:
        return Dashboard(snapshot=snapshot, node=None, caps=caps)
    rows = (NodeFigures.objects.visible_to(user, "view").filter(snapshot=snapshot)
            .filter(Q(unit=unit) | Q(parent_id=unit.pk)).select_related("unit"))
    node, children = None, []
    for row in rows:
        view = _view(row, row.unit, caps)
        if row.unit_id == unit.pk:
            node = view
        else:
            children.append(view)
    children.sort(key=lambda v: (v.unit.code, v.unit.pk))
    return Dashboard(snapshot=snapshot, node=node, children=children, caps=caps)


def node_figures(*, unit: Unit, snapshot: Snapshot | None = None) -> NodeView | None:
    """Every figure of `unit`, unscoped: for the jobs that write reports of a node (the report is scoped)."""
    snapshot = snapshot or latest_snapshot()
    row = NodeFigures.objects.filter(snapshot=snapshot, unit=unit).first() if snapshot else None
    return None if row is None else NodeView(unit=unit, figures=row.figures, series=row.series,
                                             analysis=row.analysis)


def children_figures(*, unit: Unit, snapshot: Snapshot | None = None) -> list[NodeView]:
    snapshot = snapshot or latest_snapshot()
    if snapshot is None:
        return []
    rows = NodeFigures.objects.filter(snapshot=snapshot, parent_id=unit.pk).select_related("unit")
    views = [NodeView(unit=row.unit, figures=row.figures, series=row.series, analysis=row.analysis) for row in rows]
    return sorted(views, key=lambda v: (v.unit.code, v.unit.pk))

