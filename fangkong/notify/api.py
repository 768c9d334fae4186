"""GET /notify/figures: delivery figures by message kind and by child node, for the user's subtree."""

from datetime import datetime

from ninja import Query, Router, Schema

from fangkong.accounts.scope import require_capability_or_404
from fangkong.notify import selectors
from fangkong.territory.selectors import unit_get, unit_scope_root

router = Router(tags=["notify"])


class CountsOut(Schema):
    queued: int
    sent: int
    delivered: int
    failed: int
    unreachable: int
    total: int


class KindOut(CountsOut):
    kind: str
    label: str


class NodeOut(CountsOut):
    node_id: int
    name: str


class FiguresOut(Schema):
    node_id: int
    name: str
    since: datetime
    totals: CountsOut
    by_kind: list[KindOut]
    by_node: list[NodeOut]


class FiguresQuery(Schema):
    node: int | None = None
    days: int = 7


def _counts(counter) -> dict:
    values = {column: counter[column] for column in selectors.COLUMNS}
    return {**values, "total": sum(values.values())}


@router.get("/figures", response=FiguresOut, summary="Delivery figures by message kind and by child node")
def figures(request, filters: Query[FiguresQuery]):
    """Messages queued in the last `days` (1, 7 or 30) on the node's subtree (default: the user's scope node),
    counted by status: queued (waiting or being sent), sent, delivered, failed, unreachable. A node outside
    the user's scope is a 404."""
    user = request.auth
    require_capability_or_404(user, "notify.view")
    root = unit_get(user=user, unit_id=filters.node) if filters.node else unit_scope_root(user=user)
    days = filters.days if filters.days in selectors.PERIODS else 7
    data = selectors.figures(user=user, root=root, days=days)
    return {
        "node_id": root.pk, "name": root.name, "since": data.since, "totals": _counts(data.totals),
        "by_kind": [{"kind": row.key, "label": row.label, **_counts(row.counts)} for row in data.by_kind],
        "by_node": [{"node_id": row.key.pk, "name": row.label, **_counts(row.counts)} for row in data.by_node],
    }
