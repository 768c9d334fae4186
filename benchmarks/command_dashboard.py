"""The command dashboard's data requests on a built demo city, against the direct COUNT an analyst would run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fk_demo_large \\
        .venv/bin/python benchmarks/command_dashboard.py [--requests 40] [--repeat 5] [--json out.json]

Needs a finished demo (`fangkong demo --size large --no-serve`). Steps, all in one run:

1. snapshot: `command.snapshot.snapshot_take()` once — the background job's cost every 5 minutes (not a page's);
   then its parts, each timed on its own right after: every figure collector of `command.figures.COLLECTORS` called
   as the snapshot calls it (the rows it returns, before the roll-up), and every alert provider for the HQ on the
   city, the first district and its first street (the snapshot asks them for each node down to the streets);
2. app: the dashboard page and its JSON requests (`/command/u/<id>/`, `data.json`, `map.json`) through Django's
   test client as the HQ, for the city, its first district and that district's first street, `--requests` each
   in a shuffled order; p50 and p95 of each;
3. baseline: for the same nodes, the plain SQL that answers the same page's main figures live — residents by
   management status per child node (one GROUP BY over the subtree, path range on the units, the child read off
   the path; '' for rows on the node itself, such as a supervision task on a street) and open/overdue tasks per
   child — median of `--repeat`.

The ratio is baseline ÷ app p95 (above 1: the dashboard is faster). No test asserts any of it.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    os.environ.setdefault("FANGKONG_ALLOWED_HOSTS", "testserver,127.0.0.1")
    import django

    django.setup()


def p(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * len(values) + 0.5) - 1))]


BASELINE_PEOPLE = """
SELECT split_part(substr(u.path, %(cut)s), '/', 1) AS child, p.status, count(*)
FROM people_person p JOIN territory_unit u ON u.id = p.unit_id
WHERE u.path >= %(lo)s AND u.path < %(hi)s AND p.merged_into_id IS NULL
GROUP BY 1, 2
"""
BASELINE_TASKS = """
SELECT split_part(substr(u.path, %(cut)s), '/', 1) AS child, count(*),
       count(*) FILTER (WHERE t.due_at < now())
FROM tasks_task t JOIN territory_unit u ON u.id = t.unit_id
WHERE u.path >= %(lo)s AND u.path < %(hi)s AND t.status IN ('open', 'accepted')
GROUP BY 1
"""


def baseline(unit, repeat: int) -> float:
    from django.db import connection

    from fangkong.core.paths import subtree_upper_bound

    params = {"cut": len(unit.path) + 1, "lo": unit.path, "hi": subtree_upper_bound(unit.path)}
    times = []
    for i in range(repeat + 1):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(BASELINE_PEOPLE, params)
            cursor.fetchall()
            cursor.execute(BASELINE_TASKS, params)
            cursor.fetchall()
        if i:  # the first run warms the cache
            times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def collector_times() -> list[tuple[str, float, int]]:
    """(collector module, seconds, unit rows returned) for each collector, slowest first."""
    from django.utils import timezone
    from django.utils.module_loading import import_string

    from fangkong.command.figures import COLLECTORS, Context

    now = timezone.now()
    ctx = Context(now=now, today=timezone.localtime(now).date())
    rows = []
    for path in COLLECTORS:
        started = time.perf_counter()
        try:
            counts = import_string(path)(ctx)
        except Exception as exc:  # the snapshot records the same failure; say it here and go on
            print(f"collector {path} failed: {type(exc).__name__}: {exc}")
            continue
        rows.append((path.removeprefix("fangkong.").removesuffix(".collect"), time.perf_counter() - started,
                     len(counts)))
    return sorted(rows, key=lambda row: -row[1])


def provider_times(user, nodes) -> list[tuple[str, dict[str, float]]]:
    """(provider, {node label: seconds}) for each registered alert provider, as `user` on each node."""
    from fangkong.core import alerts

    rows = []
    for name, provider, _reads in alerts.providers():
        times = {}
        provider(user=user, root=nodes[-1][1])  # warm-up: the first call may load the URLconf (reverse)
        for label, unit in nodes:
            started = time.perf_counter()
            provider(user=user, root=unit)
            times[label] = time.perf_counter() - started
        rows.append((name, times))
    return sorted(rows, key=lambda row: -sum(row[1].values()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json")
    args = parser.parse_args()
    setup()
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from fangkong.accounts.models import User
    from fangkong.command.snapshot import snapshot_take
    from fangkong.demo.models import DemoBuild
    from fangkong.people.models import Person
    from fangkong.territory.models import Level, Unit

    if connection.vendor != "postgresql":
        sys.exit("run on PostgreSQL (the baseline SQL uses strpos and FILTER)")
    build = DemoBuild.objects.filter(finished_at__isnull=False).first()
    if build is None:
        sys.exit("no finished demo city here: fangkong demo --size large --no-serve")
    city = Unit.objects.get(pk=build.city_id)
    district = Unit.objects.filter(parent=city, level=Level.DISTRICT).order_by("code").first()
    street = Unit.objects.filter(parent=district, level=Level.STREET).order_by("code").first()
    residents = Person.objects.count()

    started = time.perf_counter()
    snapshot = snapshot_take()
    snapshot_seconds = time.perf_counter() - started
    print(f"{residents:,} residents; snapshot of {snapshot.nodes.count():,} nodes in {snapshot_seconds:.1f} s "
          f"(errors: {snapshot.errors or 'none'})")

    hq = User.objects.filter(role="hq", scope=city).first()
    nodes = [("city", city), ("district", district), ("street", street)]
    collectors = collector_times()
    print(f"\n{'collector':<36}{'seconds':>9}{'unit rows':>11}")
    for name, seconds, count in collectors:
        print(f"{name:<36}{seconds:>9.2f}{count:>11,}")
    print(f"{'all collectors':<36}{sum(row[1] for row in collectors):>9.2f}")
    providers = provider_times(hq, nodes)
    print(f"\n{'alert provider (as hq)':<28}" + "".join(f"{label + ' s':>12}" for label, _unit in nodes))
    for name, times in providers:
        print(f"{name:<28}" + "".join(f"{times[label]:>12.3f}" for label, _unit in nodes))
    streets = Unit.objects.filter(level__lte=Level.STREET).count()
    print(f"(the snapshot asks every provider for each of the {streets:,} nodes down to the streets, once per "
          f"set of role capabilities)")

    client = Client()
    client.force_login(hq)
    urls = [(label, kind, reverse(f"command:{kind}", kwargs={"unit_id": unit.pk}))
            for label, unit in nodes for kind in ("dashboard_data", "map_data", "dashboard_unit")]
    for _label, _kind, url in urls:  # warm up: first request of each compiles templates, fills caches
        assert client.get(url).status_code == 200, url
    order = [u for u in urls for _ in range(args.requests)]
    random.Random(1).shuffle(order)
    timings: dict[tuple, list[float]] = {(label, kind): [] for label, kind, _url in urls}
    for label, kind, url in order:
        t0 = time.perf_counter()
        response = client.get(url)
        timings[(label, kind)].append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
    all_times = [t for values in timings.values() for t in values]

    results = {"residents": residents, "snapshot_seconds": snapshot_seconds, "rows": [],
               "collectors": [{"collector": n, "seconds": t, "unit_rows": c} for n, t, c in collectors],
               "alert_providers": [{"provider": n, "seconds": t} for n, t in providers]}
    print(f"\n{'request':<28}{'p50 ms':>10}{'p95 ms':>10}{'baseline ms':>14}{'ratio':>9}")
    base_by_node = {label: baseline(unit, args.repeat) for label, unit in nodes}
    for (label, kind), values in timings.items():
        p50, p95 = p(values, 0.5), p(values, 0.95)
        base = base_by_node[label]
        results["rows"].append({"node": label, "request": kind, "p50_ms": p50, "p95_ms": p95,
                                "baseline_ms": base, "ratio": base / p95})
        print(f"{label + ' ' + kind:<28}{p50:>10.1f}{p95:>10.1f}{base:>14.1f}{base / p95:>9.1f}")
    print(f"\nall {len(all_times)} dashboard requests: p95 {p(all_times, 0.95):.1f} ms "
          f"(target < 300 ms on the 10 M city)")
    results["p95_all_ms"] = p(all_times, 0.95)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
