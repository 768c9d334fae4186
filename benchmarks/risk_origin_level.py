"""origin_level: 10,000 lookups against 5,000 risk areas, against plain prefix matching.

    .venv/bin/python benchmarks/risk_origin_level.py [--areas 5000] [--lookups 10000] [--seed 7]

Runs on a fresh SQLite file of its own (migrated here) unless DATABASE_URL or FANGKONG_SQLITE_PATH is set;
on a shared database it only adds and then deletes areas whose source is "bench".

The app: `fangkong.risk.selectors.origin_level` — one query, `match_code IN (2-, 4-, 6-digit prefixes and the
full code)` on the (match_code, status) index, then the sub-county name check in Python on the few rows found.
Baselines, each returning the same levels (asserted):
- SQL LIKE: `? LIKE code || '%'` (and `? LIKE match_name || '%'`) — what one writes without the key; no index helps.
- DuckDB, one query per lookup, the same LIKE prefix match on an in-memory copy of the areas.
- DuckDB, all lookups in one join (starts_with), for scale: a batch the per-occupant caller cannot use.
Ratio = baseline ÷ app (above 1: the app is faster). No test asserts any of these figures.
"""

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
_OWN_DB = not os.environ.get("DATABASE_URL") and not os.environ.get("FANGKONG_SQLITE_PATH")
if _OWN_DB:
    os.environ["FANGKONG_SQLITE_PATH"] = str(Path(tempfile.mkdtemp(prefix="fk_risk_bench_")) / "bench.sqlite3")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from fangkong.risk.models import LEVEL_RANK, RiskArea  # noqa: E402
from fangkong.risk.regions import _cpca, name_matches  # noqa: E402
from fangkong.risk.selectors import origin_level  # noqa: E402

TOWNSHIP_WORDS = ["城关镇", "柏城街道", "出山镇", "东关街道", "新华路街道", "人和乡", "杨庄乡", "西关街道"]
LEVELS = ["high", "medium", "low"]


def region_codes():
    cpca = _cpca()
    codes = {"province": set(), "city": set(), "county": set()}
    for info in cpca.ad_2_addr_dict.values():
        key = ("province", "city", "county")[info.rank]
        codes[key].add(info.adcode[: (2, 4, 6)[info.rank]])
    return {k: sorted(v) for k, v in codes.items()}


def build_areas(n: int, rng: random.Random, regions) -> list[RiskArea]:
    now = timezone.now()
    areas, seen = [], set()
    while len(areas) < n:
        kind = rng.random()
        if kind < 0.001:
            code, match_name = rng.choice(regions["province"]), ""
        elif kind < 0.01:
            code, match_name = rng.choice(regions["city"]), ""
        elif kind < 0.45:
            code, match_name = rng.choice(regions["county"]), ""
        else:
            code, match_name = rng.choice(regions["county"]), rng.choice(TOWNSHIP_WORDS)
        if (code, match_name) in seen:
            continue
        seen.add((code, match_name))
        status = "lifted" if rng.random() < 0.1 else rng.choice(["declared", "downgraded"])
        areas.append(RiskArea(name=f"{code}{match_name}", code=code, match_code=code[:6], match_name=match_name,
                              level=rng.choice(LEVELS), status=status, declared_at=now, level_since=now,
                              source="bench"))
    return areas


def build_lookups(n: int, rng: random.Random, regions) -> list[tuple[str, str]]:
    return [(rng.choice(regions["county"]), rng.choice(TOWNSHIP_WORDS + ["", "某某路1号"]) + "某小区")
            for _ in range(n)]


def highest(rows, code: str, name: str):
    levels = [level for level, area_code, match_name in rows
              if not match_name or (len(area_code) > 6 and code.startswith(area_code)) or name_matches(match_name,
                                                                                                     name)]
    return max(levels, key=LEVEL_RANK.get, default=None)


def run(label, fn, lookups, repeat):
    answers = fn(lookups)  # warm-up, and the answers every side must agree on
    best = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn(lookups)
        best.append(time.perf_counter() - started)
    return label, min(best), answers


def app_orm(lookups):
    return [origin_level(code=code, name=name) for code, name in lookups]


def sql_like(lookups):
    table = RiskArea._meta.db_table
    out = []
    with connection.cursor() as cursor:
        for code, name in lookups:
            cursor.execute(f"SELECT level, code, match_name FROM {table} WHERE status IN ('declared', 'downgraded') "
                           "AND %s LIKE code || '%%' AND (match_name = '' OR %s LIKE match_name || '%%' "
                           "OR length(code) > 6)", [code, name])
            out.append(highest(cursor.fetchall(), code, name))
    return out


def duckdb_tables():
    import duckdb

    con = duckdb.connect()
    rows = list(RiskArea.objects.filter(status__in=["declared", "downgraded"])
                .values_list("level", "code", "match_name"))
    con.execute("CREATE TABLE areas (level VARCHAR, code VARCHAR, match_name VARCHAR, rank INTEGER)")
    con.executemany("INSERT INTO areas VALUES (?, ?, ?, ?)", [(lv, c, m, LEVEL_RANK[lv]) for lv, c, m in rows])
    return con


def duckdb_each(con):
    def fn(lookups):
        out = []
        for code, name in lookups:
            rows = con.execute("SELECT level, code, match_name FROM areas WHERE ? LIKE code || '%' "
                               "AND (match_name = '' OR ? LIKE match_name || '%' OR length(code) > 6)",
                               [code, name]).fetchall()
            out.append(highest(rows, code, name))
        return out
    return fn


def duckdb_batch(con):
    names = {3: "high", 2: "medium", 1: "low"}

    def fn(lookups):
        con.execute("CREATE OR REPLACE TEMP TABLE lookups (i INTEGER, code VARCHAR, rest VARCHAR)")
        con.executemany("INSERT INTO lookups VALUES (?, ?, ?)", [(i, c, n) for i, (c, n) in enumerate(lookups)])
        found = dict(con.execute(
            "SELECT l.i, max(a.rank) FROM lookups l JOIN areas a ON starts_with(l.code, a.code) "
            "AND (a.match_name = '' OR starts_with(l.rest, a.match_name) "
            "OR (length(a.code) > 6 AND starts_with(l.code, a.code))) GROUP BY l.i").fetchall())
        return [names.get(found.get(i)) for i in range(len(lookups))]
    return fn


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=5000)
    parser.add_argument("--lookups", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    if _OWN_DB:
        call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    regions = region_codes()
    RiskArea.objects.filter(source="bench").delete()
    try:
        RiskArea.objects.bulk_create(build_areas(args.areas, rng, regions), batch_size=1000)
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        else:
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {RiskArea._meta.db_table}")
        lookups = build_lookups(args.lookups, rng, regions)
        con = duckdb_tables()
        results = [run("app: origin_level()", app_orm, lookups, args.repeat)]
        baselines = [run("SQL: code LIKE prefix (scan)", sql_like, lookups, args.repeat),
                     run("DuckDB: LIKE prefix, per lookup", duckdb_each(con), lookups, args.repeat),
                     run("DuckDB: one join for all lookups", duckdb_batch(con), lookups, args.repeat)]
        expected = results[0][2]
        for label, _t, answers in results + baselines:
            assert answers == expected, f"{label} disagrees with origin_level"
        hits = sum(1 for a in expected if a)
        print(f"{connection.vendor} {connection.Database.sqlite_version if connection.vendor == 'sqlite' else ''} · "
              f"Python {platform.python_version()} · {args.areas:,} areas · {args.lookups:,} lookups "
              f"({hits:,} with a level) · best of {args.repeat}")
        app_time = results[0][1]
        print(f"{'':38}{'total s':>9}{'µs/lookup':>11}{'ratio':>8}")
        for label, seconds, _answers in results + baselines:
            ratio = seconds / app_time
            print(f"{label:38}{seconds:9.3f}{seconds / args.lookups * 1e6:11.1f}{ratio:8.1f}")
        print("ratio = time ÷ origin_level()'s time; above 1: origin_level is faster")
    finally:
        RiskArea.objects.filter(source="bench").delete()


if __name__ == "__main__":
    main()
