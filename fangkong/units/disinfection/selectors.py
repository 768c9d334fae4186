"""Scoped reads of disinfection, behind units.disinfect: orders, schedules, records, and the open orders as GeoJSON
points for the map."""

from django.db.models import QuerySet
from django.utils import timezone

from fangkong.accounts.scope import get_visible_or_404
from fangkong.core.paths import subtree_q
from fangkong.territory.models import Unit
from fangkong.units.models import DisinfectionOrder, DisinfectionRecord, DisinfectionSchedule

ACTION = "disinfect"


def order_list(*, user, status: str = "", node=None) -> QuerySet:
    rows = DisinfectionOrder.objects.visible_to(user, ACTION).select_related("unit", "task")
    if status in DisinfectionOrder.Status.values:
        rows = rows.filter(status=status)
    if node is not None:
        rows = rows.filter(subtree_q("unit__path", node.path))
    return rows.order_by("status", "deadline", "pk")


def order_get(*, user, order_id: int) -> DisinfectionOrder:
    return get_visible_or_404(DisinfectionOrder.objects.select_related("unit", "task__owner", "created_by"),
                              user=user, action=ACTION, pk=order_id)


def order_records(*, order: DisinfectionOrder) -> list[DisinfectionRecord]:
    return list(order.records.select_related("done_by", "item", "movement__place", "task").order_by("done_at"))


def schedule_list(*, user, node=None, active_only: bool = True) -> QuerySet:
    rows = DisinfectionSchedule.objects.visible_to(user, ACTION).select_related("unit", "organisation")
    if active_only:
        rows = rows.filter(active=True)
    if node is not None:
        rows = rows.filter(subtree_q("unit__path", node.path))
    return rows.order_by("unit__path", "place_name", "pk")


def schedule_get(*, user, schedule_id: int) -> DisinfectionSchedule:
    return get_visible_or_404(DisinfectionSchedule.objects.select_related("unit"), user=user, action=ACTION,
                              pk=schedule_id)


def recent_records(*, user, node=None, limit: int = 50) -> list[DisinfectionRecord]:
    rows = DisinfectionRecord.objects.visible_to(user, ACTION).select_related("done_by", "item", "order", "schedule",
                                                                            "movement__place")
    if node is not None:
        rows = rows.filter(subtree_q("unit__path", node.path))
    return list(rows.order_by("-done_at", "-pk")[:limit])


def _geometry(value):
    if isinstance(value, dict) and value.get("type") == "Feature":
        return value.get("geometry")
    return value or None


def centroid(geometry) -> list[float] | None:
    """A Point's coordinates, or the mean of a (Multi)Polygon's outer ring."""
    geometry = _geometry(geometry)
    if not isinstance(geometry, dict):
        return None
    coords = geometry.get("coordinates") or []
    if geometry.get("type") == "Point":
        return [round(float(coords[0]), 6), round(float(coords[1]), 6)] if len(coords) >= 2 else None
    if geometry.get("type") == "MultiPolygon":
        coords = coords[0] if coords else []
    ring = coords[0] if coords else []
    if not ring:
        return None
    return [round(sum(p[0] for p in ring) / len(ring), 6), round(sum(p[1] for p in ring) / len(ring), 6)]


def open_orders_geojson(*, user, node=None, url_of=None) -> dict:
    """The open orders as a FeatureCollection of points: the node's polygon centroid, or the nearest ancestor's
    that has one (a building without a polygon is placed at its grid's or community's centre)."""
    orders = list(order_list(user=user, status=DisinfectionOrder.Status.OPEN, node=node)[:2000])
    wanted = {pk for o in orders for pk in o.unit.ancestor_ids}
    geometries = dict(Unit.objects.filter(pk__in=wanted, geometry__isnull=False).values_list("pk", "geometry"))
    now = timezone.now()
    features = []
    for order in orders:
        point = next((c for c in (centroid(geometries.get(pk)) for pk in reversed(order.unit.ancestor_ids)) if c),
                     None)
        features.append({
            "type": "Feature", "id": str(order.pk),
            "geometry": {"type": "Point", "coordinates": point} if point else None,
            "properties": {"id": order.pk, "place": order.place_name, "node": order.unit.name,
                           "node_id": order.unit_id, "source": order.source,
                           "deadline": timezone.localtime(order.deadline).strftime("%Y-%m-%d %H:%M"),
                           "overdue": order.deadline < now, "url": url_of(order) if url_of else ""},
        })
    return {"type": "FeatureCollection", "features": features}
