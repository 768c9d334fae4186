"""Taking the dashboard snapshot: every collector's counts, added up from the row's node to the grid that holds it
and from there up to the city, one NodeFigures row per node of level ≤ grid, in one transaction.

The roll-up first moves each row's counts onto its grid (a building's counts onto its grid: ≈500,000 buildings on
the 10 M city, one dict step each), then adds the ≈16,000 grids and nodes above them upwards, deepest first —
never once per ancestor per building.
"""

import logging
import time
from collections import Counter, defaultdict

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from fangkong.command import analysis
from fangkong.command.figures import COLLECTORS, Context
from fangkong.command.models import NodeFigures, Snapshot
from fangkong.territory.models import Level, Unit

logger = logging.getLogger(__name__)
KEEP_SNAPSHOTS = 3


def _tree():
    """(parent by id for every unit, the units of level ≤ grid by id with their level)."""
    parent, tallied = {}, {}
    for pk, parent_id, level in Unit.objects.values_list("pk", "parent_id", "level").order_by().iterator(
            chunk_size=50_000):
        parent[pk] = parent_id
        if level <= Level.GRID:
            tallied[pk] = level
    return parent, tallied


def _anchor(unit_id, parent, tallied, memo):
    """The deepest node of level ≤ grid at or above the unit (None for a unit outside the tree)."""
    chain = []
    node = unit_id
    while node is not None and node not in tallied:
        if node in memo:
            node = memo[node]
            break
        chain.append(node)
        node = parent.get(node)
    for step in chain:
        memo[step] = node
    return node


def _roll_up(by_unit: dict, parent, tallied, memo, depth_order) -> dict[int, Counter]:
    totals: dict[int, Counter] = defaultdict(Counter)
    for unit_id, counts in by_unit.items():
        anchor = _anchor(unit_id, parent, tallied, memo)
        if anchor is not None:
            totals[anchor].update(counts)
    for node in depth_order:  # deepest first: a node is complete before it is added to its parent
        if node in totals and parent.get(node) in tallied:
            totals[parent[node]].update(totals[node])
    return totals


def snapshot_take(*, now=None) -> Snapshot:
    started = time.perf_counter()
    now = now or timezone.now()
    ctx = Context(now=now, today=timezone.localtime(now).date())
    parent, tallied = _tree()
    memo: dict = {}
    depth_order = sorted(tallied, key=lambda pk: -tallied[pk])
    figures: dict[int, Counter] = defaultdict(Counter)
    errors = {}
    for path in COLLECTORS:
        try:
            counts = import_string(path)(ctx)
        except Exception as exc:  # one module's failure must not blank the whole dashboard
            if getattr(settings, "COMMAND_RAISE_COLLECTOR_ERRORS", False):
                raise
            logger.exception("dashboard collector %s failed", path)
            errors[path.rsplit(".", 2)[-2]] = f"{type(exc).__name__}: {exc}"
            continue
        for node, total in _roll_up(counts, parent, tallied, memo, depth_order).items():
            figures[node].update(total)
    series = _series(ctx, parent, tallied, memo, depth_order)
    analyses = _analyses(series, tallied, ctx, figures, errors)
    rows = [NodeFigures(unit_id=pk, parent_id=parent.get(pk), figures=dict(figures.get(pk, {})),
                        series=series.get(pk, {}), analysis=analyses.get(pk)) for pk in tallied]
    with transaction.atomic():
        snapshot = Snapshot.objects.create(taken_at=now, errors=errors)
        for row in rows:
            row.snapshot = snapshot
        NodeFigures.objects.bulk_create(rows, batch_size=2000)
        snapshot.seconds = time.perf_counter() - started
        snapshot.save(update_fields=["seconds"])
    old = list(Snapshot.objects.order_by("-taken_at", "-pk").values_list("pk", flat=True)[KEEP_SNAPSHOTS:])
    if old:
        NodeFigures.objects.filter(snapshot_id__in=old).delete()
        Snapshot.objects.filter(pk__in=old).delete()
    return snapshot


def _series(ctx, parent, tallied, memo, depth_order) -> dict[int, dict]:
    names = {name for per_unit in ctx.series.values() for name in per_unit}
    result: dict[int, dict] = defaultdict(dict)
    for name in names:
        by_unit = {unit_id: per_unit[name] for unit_id, per_unit in ctx.series.items() if name in per_unit}
        for node, counter in _roll_up(by_unit, parent, tallied, memo, depth_order).items():
            result[node][name] = dict(sorted(counter.items()))
    return result


def _analyses(series, tallied, ctx, figures, errors) -> dict[int, dict]:
    """Rt and the rest for the city and its districts; the isolation shortfall forecast for the same nodes."""
    from fangkong.command.figures.isolation import forecast_shortfall
    from fangkong.protocols.selectors import active_rules_or_defaults
    from fangkong.tracing.selectors import city_serial_intervals, recent_rates

    rules = active_rules_or_defaults()
    summary = city_serial_intervals()
    si = analysis.serial_interval(pairs=summary.count, mean=summary.mean, sd=summary.sd,
                                  default_mean=float(rules.serial_interval_mean),
                                  default_sd=float(rules.serial_interval_sd))
    plan = rules.plans.get("close_contact")
    central_share = 1.0 if plan is not None and plan.stages[0].status == "central_isolation" else 0.0
    result = {}
    nodes = Unit.objects.filter(pk__in=[pk for pk, level in tallied.items() if level <= Level.DISTRICT])
    for unit in nodes:
        try:
            figures[unit.pk]["isolation.shortfall"] = forecast_shortfall(unit, ctx.now)
        except Exception as exc:
            if getattr(settings, "COMMAND_RAISE_COLLECTOR_ERRORS", False):
                raise
            logger.exception("isolation forecast of %s failed", unit)
            errors["isolation.forecast"] = f"{type(exc).__name__}: {exc}"
        if unit.pk not in series:
            continue
        _per_day, contacts_per_case = recent_rates(path=unit.path, now=ctx.now)
        result[unit.pk] = analysis.analyse(series=series[unit.pk], today=ctx.today, si=si,
                                           contacts_per_case=contacts_per_case, central_share=central_share)
    return result
