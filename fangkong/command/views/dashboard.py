"""The situation dashboard (态势): a node's figures and its children's from the latest snapshot, its curve and Rt,
the map. Every request reads a few snapshot rows; nothing is counted here."""

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.accounts.scope import require_capability_or_404
from fangkong.command import presenters, selectors
from fangkong.command.snapshot import alert_level, node_alerts
from fangkong.people.models import ManagementStatus
from fangkong.risk.models import RiskArea
from fangkong.territory.models import Level, Unit
from fangkong.territory.selectors import unit_breadcrumb, unit_get


def _board(request, unit_id):
    require_capability_or_404(request.user, "command.view")
    unit = unit_get(user=request.user, unit_id=unit_id or request.user.scope_id)
    board = presenters.prepared(selectors.dashboard(user=request.user, unit=unit))
    return unit, board


@login_required
def dashboard_page(request, unit_id: int | None = None):
    unit, board = _board(request, unit_id)
    metrics = presenters.metrics_for(board.caps)
    metric = request.GET.get("metric", presenters.DEFAULT_METRIC)
    if metric not in {m.key for m in metrics}:
        metric = metrics[0].key if metrics else ""
    node = board.node
    today = timezone.localtime(board.snapshot.taken_at).date() if board.snapshot else timezone.localdate()
    rows = [(child, presenters.metric_values(child, metrics)) for child in board.children]
    breadcrumb = unit_breadcrumb(user=request.user, unit=unit)[:-1]
    context = {
        "unit": unit, "board": board, "node": node, "rows": rows, "metrics": metrics, "metric": metric,
        "breadcrumb": breadcrumb,
        "values": presenters.metric_values(node, metrics) if node else {},
        "overdue_kinds": presenters.overdue_by_kind(node) if node else [],
        "curve": presenters.curve(node, today) if node and node.series else None,
        "analysis": node.analysis if node else None,
        **_alerts(request.user, unit, board.snapshot, breadcrumb),
        "statuses": [(f"people.status.{value}", label) for value, label in ManagementStatus.choices],
        # Figures whose module has not landed yet: said on the page, not shown as 0.
        "pending": [] if apps.is_installed("fangkong.supervision") else [_("open supervision findings")],
    }
    return render(request, "command/dashboard.html", context)


def _alerts(user, unit, snapshot, breadcrumb) -> dict:
    """The node's alerts as the snapshot stored them (the providers count live, so the page never asks them); a
    node below the levels it keeps them for says so and points to the nearest node above it that has them."""
    alerts = node_alerts(user=user, unit=unit, snapshot=snapshot)
    kept = alerts is not None or snapshot is None
    above = None if kept else next((u for u in reversed(breadcrumb) if u.level <= alert_level()), None)
    return {"alerts": alerts or [], "alerts_kept": kept, "alerts_above": above,
            "alert_level": Level(alert_level()).label}


@login_required
def dashboard_data(request, unit_id: int):
    """The same figures as JSON, for the page's charts and for other screens (a wall display)."""
    unit, board = _board(request, unit_id)
    return JsonResponse(presenters.board_json(board, unit))


@login_required
def map_data(request, unit_id: int):
    """The children's polygons with every map metric, and the risk areas in force under the node."""
    unit, board = _board(request, unit_id)
    metrics = presenters.metrics_for(board.caps)
    geometries = dict(Unit.objects.filter(pk__in=[c.unit.pk for c in board.children])
                      .values_list("pk", "geometry"))
    features = [{
        "type": "Feature", "id": str(child.unit.pk),
        "properties": {"id": child.unit.pk, "name": child.unit.name,
                       "url": reverse("command:dashboard_unit", kwargs={"unit_id": child.unit.pk}),
                       "values": presenters.metric_values(child, metrics)},
        "geometry": _geometry(geometries.get(child.unit.pk)),
    } for child in board.children]
    return JsonResponse({
        "unit": {"id": unit.pk, "name": unit.name},
        "features": {"type": "FeatureCollection", "features": features},
        "metrics": [{"key": m.key, "label": str(m.label), "format": m.format, "worse": m.worse} for m in metrics],
        "risk": _risk_areas(request.user, unit, geometries),
    })


def _geometry(value):
    if isinstance(value, dict) and value.get("type") == "Feature":
        return value.get("geometry")
    return value or None


def _risk_areas(user, unit: Unit, child_geometries: dict) -> list[dict]:
    from fangkong.core.paths import subtree_q

    areas = (RiskArea.objects.visible_to(user).active().filter(subtree_q("unit__path", unit.path))
             .select_related("unit").order_by("level", "name")[:300])
    rows = []
    for area in areas:
        geometry = _geometry(area.unit.geometry) if area.unit else None
        center = _center(geometry) if geometry else None
        if center is None and area.unit is not None:
            # A building or a block without a polygon: marked at the centre of the child node that holds it.
            holder = next((pk for pk in area.unit.ancestor_ids if pk in child_geometries), None)
            holder_geometry = _geometry(child_geometries.get(holder)) if holder else None
            center = _center(holder_geometry) if holder_geometry else None
        rows.append({"name": area.name, "level": area.level, "label": str(area.get_level_display()),
                     "geometry": geometry, "center": center})
    return rows


def _center(geometry: dict):
    """The mean of a polygon's outer ring (good enough to place a marker on a synthetic or simple polygon)."""
    coords = geometry.get("coordinates") or []
    if geometry.get("type") == "MultiPolygon":
        coords = coords[0] if coords else []
    ring = coords[0] if coords else []
    if not ring:
        return None
    lon = sum(p[0] for p in ring) / len(ring)
    lat = sum(p[1] for p in ring) / len(ring)
    return [round(lon, 5), round(lat, 5)]


@login_required
@require_POST
def refresh(request):
    """Take a new snapshot now, in the worker (the schedule does it every 5 minutes anyway)."""
    from fangkong.ops.services import run_with_retry

    require_capability_or_404(request.user, "command.report")
    run_with_retry(job_path="fangkong.command.jobs.refresh_dashboard_snapshot", max_attempts=1)
    messages.info(request, _("The figures are being recounted; reload the page in a minute."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("command:dashboard")
    return redirect(target)
