"""Foundation benchmarks on the demo city: subtree counts and person search, against plain SQL.

    .venv/bin/python benchmarks/run.py [--size medium] [--repeat 7] [--build] [--json out.json]

Works on whatever database DATABASE_URL points at (SQLite under var/ by default, or FANGKONG_SQLITE_PATH).
Each query runs once to warm the cache, then --repeat times; the median is reported, and the ratio
baseline ÷ app (above 1: the app's query is faster). Ratios, not absolute times, are what to compare
between machines; no test asserts any of these figures.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from fangkong.core.paths import subtree_q, subtree_upper_bound  # noqa: E402
from fangkong.demo.city import SIZES  # noqa: E402
from fangkong.demo.models import DemoBuild  # noqa: E402
from fangkong.people.models import Person  # noqa: E402
from fangkong.people.search import reversed_key  # noqa: E402
from fangkong.territory.models import Level, Unit  # noqa: E402


def timed(fn, repeat: int) -> tuple[float, object]:
    result = fn()  # warm-up, and the answer both sides must agree on
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, result


def sql_scalar(sql: str, params: list) -> object:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def tables():
    return Person._meta.db_table, Unit._meta.db_table


def subtree_cases(unit: Unit):
    """(app queries, baselines): each a (label, callable returning the count). All raw SQL but the ORM line."""
    person, unit_table = tables()
    low, high = unit.path, subtree_upper_bound(unit.path)
    apps = [
        ("path range, JOIN", lambda: sql_scalar(
            f"SELECT count(*) FROM {person} p JOIN {unit_table} u ON u.id = p.unit_id "
            "WHERE u.path >= %s AND u.path < %s", [low, high])),
        ("path range, unit_id IN (subquery)", lambda: sql_scalar(
            f"SELECT count(*) FROM {person} WHERE unit_id IN "
            f"(SELECT id FROM {unit_table} WHERE path >= %s AND path < %s)", [low, high])),
        ("ORM: filter(subtree_q('unit__path')).count()",
         lambda: Person.objects.filter(subtree_q("unit__path", unit.path)).count()),
    ]
    baselines = [
        ("recursive CTE over parent_id", lambda: sql_scalar(
            f"WITH RECURSIVE sub(id) AS (SELECT id FROM {unit_table} WHERE id = %s "
            f"UNION ALL SELECT u.id FROM {unit_table} u JOIN sub ON u.parent_id = sub.id) "
            f"SELECT count(*) FROM {person} p WHERE p.unit_id IN (SELECT id FROM sub)", [unit.id])),
        ("JOIN units, path LIKE 'prefix%'", lambda: sql_scalar(
            f"SELECT count(*) FROM {person} p JOIN {unit_table} u ON u.id = p.unit_id WHERE u.path LIKE %s",
            [unit.path + "%"])),
    ]
    return apps, baselines


def prefix_bounds(prefix: str) -> tuple[str, str]:
    """[prefix, prefix with its last character bumped): the strings that start with prefix, as an index range."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


def search_cases(sample: Person):
    """(label, key column, key prefix, ORM lookup, baseline SQL, baseline parameter)."""
    person, _ = tables()
    prefix = sample.name_simplified[:2]
    initials = sample.name_initials
    last4 = sample.phone[-4:]
    id_last4 = sample.id_number[-4:]
    return [
        (f"name starts with {prefix}", "name_simplified", prefix,
         f"SELECT count(*) FROM {person} WHERE name LIKE %s", "%" + prefix + "%", "name LIKE '%x%'"),
        (f"pinyin initials {initials}", "name_initials", initials,
         f"SELECT count(*) FROM {person} WHERE name_initials LIKE %s", "%" + initials + "%",
         "name_initials LIKE '%x%'"),
        (f"phone ends with {last4}", "phone_rev", reversed_key(last4),
         f"SELECT count(*) FROM {person} WHERE phone LIKE %s", "%" + last4, "phone LIKE '%1234'"),
        (f"ID ends with {id_last4}", "id_number_rev", reversed_key(id_last4),
         f"SELECT count(*) FROM {person} WHERE id_number LIKE %s", "%" + id_last4, "id_number LIKE '%1234'"),
    ]


def machine() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        mem_kb = 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        db_version = cursor.fetchone()[0]
    return {
        "cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(), "os": platform.platform(),
        "database": f"{connection.vendor} {db_version}".split(" on ")[0],
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=list(SIZES), default=None, help="the demo size expected (checked)")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--build", action="store_true", help="build the demo city of --size first if missing")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    build = DemoBuild.objects.filter(finished_at__isnull=False).select_related("city").order_by("-id").first()
    if build is None and args.build:
        call_command("demo", "--size", args.size or "medium", "--no-serve")
        build = DemoBuild.objects.filter(finished_at__isnull=False).select_related("city").order_by("-id").first()
    if build is None or build.city is None:
        sys.exit("No finished demo city in this database: run `.venv/bin/fangkong demo --size medium --no-serve` "
                 "(or pass --build).")
    if args.size and build.size != args.size:
        sys.exit(f"This database holds the {build.size} demo, not {args.size}.")

    city = build.city
    persons = Person.objects.filter(subtree_q("unit__path", city.path)).count()
    info = machine()
    print(f"Fangkong benchmarks — {build} — {persons:,} residents")
    print(f"{info['database']} | {info['cpu']} × {info['cores']} | {info['memory_gb']} GB | "
          f"Python {info['python']} | load {info['load_average']}")
    print(f"median of {args.repeat} runs after one warm-up; ratio = baseline ÷ app\n")

    district = Unit.objects.filter(subtree_q("path", city.path), level=Level.DISTRICT).order_by("id").first()
    street = Unit.objects.filter(subtree_q("path", district.path), level=Level.STREET).order_by("id").first()
    grid = Unit.objects.filter(subtree_q("path", street.path), level=Level.GRID).order_by("id").first()
    results = {"machine": info, "demo": str(build), "persons": persons, "subtree": [], "search": []}

    print(f"{'subtree count (raw SQL both sides)':<46}{'rows':>10}{'app ms':>10}{'baseline ms':>13}{'ratio':>8}")
    for label, unit in (("city", city), ("district", district), ("street", street), ("grid", grid)):
        apps, baselines = subtree_cases(unit)
        app_times = [(name, *timed(fn, args.repeat)) for name, fn in apps]
        best_app = min(app_times[:2], key=lambda row: row[1])
        for name, fn in baselines:
            ms, answer = timed(fn, args.repeat)
            assert answer == best_app[2], f"{name} counted {answer}, the app {best_app[2]}"
            ratio = ms / best_app[1]
            print(f"{label + ': ' + name:<46}{answer:>10,}{best_app[1]:>10.2f}{ms:>13.2f}{ratio:>8.1f}")
            results["subtree"].append({"scope": label, "baseline": name, "rows": answer, "app_ms": best_app[1],
                                       "app_query": best_app[0], "baseline_ms": ms, "ratio": ratio})
        for name, ms, answer in app_times:
            assert answer == best_app[2]
            print(f"{'   app: ' + name:<56}{ms:>10.2f}")
        results["subtree"].append({"scope": label, "app_variants": {name: ms for name, ms, _ in app_times}})

    sample = (Person.objects.filter(subtree_q("unit__path", grid.path), name_simplified="陈纲").exclude(phone="")
              .first() or Person.objects.exclude(phone="").order_by("id").first())
    print(f"\n{'person search, whole city (raw SQL both sides)':<46}{'rows':>10}{'app ms':>10}{'baseline ms':>13}"
          f"{'ratio':>8}  {'ORM startswith ms':>18}")
    for label, column, prefix, baseline_sql, baseline_param, baseline_label in search_cases(sample):
        low, high = prefix_bounds(prefix)
        app_ms, app_rows = timed(lambda column=column, low=low, high=high: sql_scalar(
            f"SELECT count(*) FROM {tables()[0]} WHERE {column} >= %s AND {column} < %s", [low, high]),
            args.repeat)
        orm_ms, orm_rows = timed(
            lambda column=column, prefix=prefix: Person.objects.filter(**{f"{column}__startswith": prefix}).count(),
            args.repeat)
        assert orm_rows == app_rows
        base_ms, base_rows = timed(lambda sql=baseline_sql, p=baseline_param: sql_scalar(sql, [p]), args.repeat)
        ratio = base_ms / app_ms
        print(f"{label:<46}{app_rows:>10,}{app_ms:>10.2f}{base_ms:>13.2f}{ratio:>8.1f}  {orm_ms:>18.2f}"
              f"   vs {baseline_label} ({base_rows:,} rows)")
        results["search"].append({"query": label, "app_sql": f"{column} >= %s AND {column} < %s",
                                  "app_rows": app_rows, "app_ms": app_ms, "orm_startswith_ms": orm_ms,
                                  "baseline": baseline_label, "baseline_rows": base_rows, "baseline_ms": base_ms,
                                  "ratio": ratio})
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str))


if __name__ == "__main__":
    main()
