"""Taking the dashboard snapshot: every collector's counts, added up from the row's node to the grid that holds it
and from there up to the city, one NodeFigures row per node of level ≤ grid, in one transaction.

The roll-up first moves each row's counts onto its grid (a building's counts onto its grid: ≈500,000 buildings on
the 10 M city, one dict step each), then adds the ≈16,000 grids and nodes above them upwards, deepest first —
never once per ancestor per building.
"""

import dataclasses
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


def _failed(errors: dict, key: str, exc: Exception, message: str, *args) -> None:
    """A part of the snapshot that failed: logged and named in the snapshot's errors, the rest goes on (tests set
    COMMAND_RAISE_COLLECTOR_ERRORS to see the exception instead)."""
    if getattr(settings, "COMMAND_RAISE_COLLECTOR_ERRORS", False):
        raise exc
    logger.error(message, *args, exc_info=exc)
    errors[key] = f"{type(exc).__name__}: {exc}"


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
            _failed(errors, path.rsplit(".", 2)[-2], exc, "dashboard collector %s failed", path)
            continue
        for node, total in _roll_up(counts, parent, tallied, memo, depth_order).items():
            figures[node].update(total)
    series = _series(ctx, parent, tallied, memo, depth_order)
    analyses = _analyses(series, tallied, ctx, figures, errors)
    alerts = _alerts(errors)
    rows = [NodeFigures(unit_id=pk, parent_id=parent.get(pk), figures=dict(figures.get(pk, {})),
                        series=series.get(pk, {}), analysis=analyses.get(pk), alerts=alerts.get(pk))
            for pk in tallied]
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


def alert_level() -> int:
    """The deepest level whose nodes get their alerts stored (streets by default: the alert providers count live,
    a few queries per node and role, and the 10 M city has ~400 streets but ~16,000 communities and grids)."""
    return int(getattr(settings, "COMMAND_ALERT_LEVEL", Level.STREET))


def _alerts(errors: dict) -> dict[int, dict]:
    """Every alert provider's alerts for each node down to alert_level(), as each role that has the dashboard
    would see them on that node's dashboard: {unit id: {role: [alert dict, ...]}}.

    The providers are asked with an unsaved user of the role whose scope is the node itself, so that what they
    read is the node's subtree (a user who may open a node's dashboard sees all of its subtree) and what they show
    follows the role's capabilities. A provider is asked once for all the roles that agree on the capabilities it
    reads (HQ, officers and admins mostly do: a third of the work on the 10 M city)."""
    from django.utils import translation

    from fangkong.accounts.models import User
    from fangkong.accounts.roles import CAPABILITIES
    from fangkong.core.alerts import providers

    started = time.perf_counter()
    roles = {str(role): caps for role, caps in CAPABILITIES.items() if "command.view" in caps}
    asks = []  # (provider name, provider, [(asking role, [roles that get its answer])])
    for name, provider, reads in providers():
        groups: dict[frozenset, list[str]] = defaultdict(list)
        for role, caps in roles.items():
            groups[caps & reads].append(role)
        asks.append((name, provider, [(members[0], members) for members in groups.values()]))

    result: dict[int, dict] = {}
    # Stored texts are in the site's language: the job has no request to take a user's language from.
    with translation.override(settings.LANGUAGE_CODE):
        for unit in Unit.objects.filter(level__lte=alert_level()).order_by("path"):
            stored: dict[str, list] = {role: [] for role in roles}
            for name, provider, groups in asks:
                for asking, members in groups:
                    viewer = User(username=f"snapshot-{asking}", role=asking, scope=unit, is_active=True)
                    try:
                        found = [alert.as_dict() for alert in provider(user=viewer, root=unit)]
                    except Exception as exc:  # one module's failure must not take the others' alerts with it
                        _failed(errors, f"alerts.{name}", exc, "alert provider %s failed", name)
                        continue
                    for role in members:
                        stored[role].extend(found)
            result[unit.pk] = stored
    logger.info("dashboard alerts of %d nodes in %.1f s", len(result), time.perf_counter() - started)
    return result


def node_alerts(*, user, unit: Unit, snapshot: Snapshot | None) -> list | None:
    """The alerts the snapshot stored for `unit` and the user's role (the caller has checked that the user may see
    the node); None when it stored none for the node (below alert_level(), or no snapshot yet)."""
    from fangkong.core.alerts import Alert
    from fangkong.core.chinese import for_active_language

    if snapshot is None:
        return None
    stored = NodeFigures.objects.filter(snapshot=snapshot, unit=unit).values_list("alerts", flat=True).first()
    if stored is None:
        return None
    alerts = [Alert.from_dict(row) for row in stored.get(getattr(user, "role", ""), [])]
    return [dataclasses.replace(alert, text=for_active_language(alert.text)) for alert in alerts]


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
    from fangkong.tracing.selectors import city_serial_intervals

    rules = active_rules_or_defaults()
    summary = city_serial_intervals()
    si = analysis.serial_interval(pairs=summary.count, mean=summary.mean, sd=summary.sd,
                                  default_mean=float(rules.serial_interval_mean),
                                  default_sd=float(rules.serial_interval_sd))
    result = {}
    nodes = Unit.objects.filter(pk__in=[pk for pk, level in tallied.items() if level <= Level.DISTRICT])
    for unit in nodes:
        try:
            figures[unit.pk]["isolation.shortfall"] = forecast_shortfall(unit, ctx.now)
        except Exception as exc:
            _failed(errors, "isolation.forecast", exc, "isolation forecast of %s failed", unit)
        if unit.pk not in series:
            continue
        isolation = analysis.isolation_groups(rules.plans, _contacts_per_case(unit.path, ctx.now))
        result[unit.pk] = analysis.analyse(series=series[unit.pk], today=ctx.today, si=si, isolation=isolation)
    return result


def _contacts_per_case(path: str, now) -> dict[str, float]:
    """Close and secondary contacts on file per case reported in the last 14 days under the node, by category
    (tracing.selectors.recent_rates counts them together; the protocol isolates each category its own way)."""
    import datetime

    from django.db.models import Count

    from fangkong.core.paths import subtree_q
    from fangkong.tracing.models import Case, Contact

    recent = Case.objects.filter(subtree_q("unit__path", path), reported_at__gte=now - datetime.timedelta(days=14))
    n = recent.count()
    if not n:
        return {}
    rows = (Contact.objects.filter(case__in=recent, person__isnull=False, category__in=analysis.CONTACT_CATEGORIES)
            .values("category").annotate(n=Count("pk")).values_list("category", "n").order_by())
    return {category: count / n for category, count in rows}
