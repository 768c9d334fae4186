"""Co-presence (时空伴随) at city scale: the engine against the SQL an analyst would write, and the reference.

    nice -n 10 .venv/bin/python benchmarks/copresence.py [--sizes 1m,10m,100m] [--data /tmp/fk_copresence]
        [--memory-limit 8GB] [--threads 2] [--baseline-max 10m] [--pandas-max 1m] [--spark-max 10m]

For each size, generates (once; `--rebuild` again) synthetic visits straight to Parquet with DuckDB SQL, over 14
days: every person sleeps in a home grid cell (about 50 people a cell, 19:00–22:00 to 07:00–08:30), works at a
workplace on weekdays (about 30 a workplace), and on 60 % of days visits one of many venues whose popularity is
Zipf-like (a few venues get a large share of all venue visits; 10 % of those visits have no end, so the default
dwell applies). One person in 1,000 is a case, with a 4–5 day window. Times are epoch seconds.

Then times, each once: the engine (`find_copresence`, DuckDB, bounded memory); the baseline, a self-join of the
case visits with all visits on place and interval overlap, grouped by pair, in DuckDB (up to `--baseline-max`),
and the same in pandas (up to `--pandas-max`). It checks that the outputs agree exactly, and that the engine agrees
with the brute-force reference on a 20,000-visit data set built the same way (with one case in 50 people).
The baseline does not merge a person's overlapping visits; on this data no one's visits to a place overlap, so it
is right here (the agreement check says so).
"""

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from fangkong.tracing.engine.copresence import find_copresence  # noqa: E402
from fangkong.tracing.engine.copresence_reference import copresence_reference  # noqa: E402

DAYS = 14
BASE = 1_714_492_800  # 2024-05-01 00:00 in Shanghai
VISITS_PER_PERSON_DAY = 1 + 5 / 7 + 0.6
SIZES = {"20k": 20_000, "1m": 1_000_000, "10m": 10_000_000, "100m": 100_000_000}


def u(*parts: str) -> str:
    """A deterministic uniform number in [0, 1) from the hash of the parts (the same on every run)."""
    return f"((hash({', '.join(parts)}) % 1000003) / 1000003.0)"


def generate(folder: Path, size: str, case_every: int) -> tuple[Path, Path]:
    visits, cases = folder / f"visits_{size}.parquet", folder / f"cases_{size}.parquet"
    if visits.exists() and cases.exists():
        return visits, cases
    people = round(SIZES[size] / (DAYS * VISITS_PER_PERSON_DAY))
    homes, works, venues = max(1, people // 50), max(1, people // 30), max(10, people // 40)
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"""
CREATE VIEW pd AS SELECT p.range AS pid, d.range AS day FROM range({people}) p CROSS JOIN range({DAYS}) d;
CREATE VIEW visits AS
SELECT 'P' || pid AS person_id, 'H' || (hash(pid, 'home') % {homes}) AS place_id,
       {BASE} + day * 86400 + 19 * 3600 + CAST({u('pid', 'day', "'hs'")} * 3 * 3600 AS BIGINT) AS start,
       {BASE} + (day + 1) * 86400 + 7 * 3600 + CAST({u('pid', 'day', "'he'")} * 5400 AS BIGINT) AS "end"
FROM pd
UNION ALL
SELECT 'P' || pid, 'W' || (hash(pid, 'work') % {works}),
       {BASE} + day * 86400 + 9 * 3600 + CAST({u('pid', 'day', "'ws'")} * 3600 AS BIGINT),
       {BASE} + day * 86400 + 17 * 3600 + CAST({u('pid', 'day', "'we'")} * 7200 AS BIGINT)
FROM pd WHERE day % 7 < 5
UNION ALL
SELECT 'P' || pid, 'V' || CAST(floor({venues} * pow({u('pid', 'day', "'v'")}, 3)) AS BIGINT), start,
       CASE WHEN {u('pid', 'day', "'vn'")} < 0.1 THEN NULL
            ELSE start + 1200 + CAST({u('pid', 'day', "'vd'")} * 7200 AS BIGINT) END
FROM (SELECT pid, day, {BASE} + day * 86400 + 10 * 3600 + CAST({u('pid', 'day', "'vs'")} * 11 * 3600 AS BIGINT)
             AS start FROM pd WHERE {u('pid', 'day', "'go'")} < 0.6) x;
""")
    tmp = visits.with_suffix(".tmp")
    con.execute(f"COPY visits TO '{tmp}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)")
    os.replace(tmp, visits)
    con.execute(f"""
COPY (SELECT 'P' || range AS case_id, window_end - (4 * 86400 + CAST({u('range', "'w'")} * 86400 AS BIGINT))
             AS window_start, window_end
      FROM (SELECT range, CAST({BASE} + (6 + hash(range, 'd') % 8) * 86400 + 12 * 3600 AS BIGINT) AS window_end
            FROM range({people})) c
      WHERE range % {case_every} = 7) TO '{cases}' (FORMAT parquet)""")
    return visits, cases


def as_csv(visits: Path) -> Path:
    """The visits as a CSV upload would have them: naive wall-clock ISO times, an empty end where there is none."""
    text = visits.with_suffix(".csv")
    if not text.exists():
        con = duckdb.connect()
        con.execute("SET TimeZone = 'Asia/Shanghai'")
        iso = "strftime(to_timestamp({}), '%Y-%m-%dT%H:%M:%S')"
        con.execute(f"""COPY (SELECT person_id, place_id, {iso.format('start')} AS start,
                                     {iso.format('"end"')} AS "end" FROM '{visits}')
                        TO '{text}.tmp' (FORMAT csv, HEADER true)""")
        os.replace(f"{text}.tmp", text)
    return text


BASELINE_SQL = """
WITH v AS (SELECT person_id, place_id, start AS s, coalesce("end", start + 1800) AS e FROM read_parquet('{visits}')),
c AS (SELECT v.person_id AS case_id, v.place_id, greatest(v.s, k.window_start) AS s, least(v.e, k.window_end) AS e
      FROM v JOIN read_parquet('{cases}') k ON v.person_id = k.case_id
      WHERE greatest(v.s, k.window_start) < least(v.e, k.window_end))
SELECT c.case_id, o.person_id AS contact_id,
       CAST(sum(least(c.e, o.e) - greatest(c.s, o.s)) AS DOUBLE) / 60 AS copresent_minutes,
       epoch(to_timestamp(min(greatest(c.s, o.s)))) AS first_contact,
       epoch(to_timestamp(max(least(c.e, o.e)))) AS last_contact,
       string_agg(DISTINCT c.place_id, ';' ORDER BY c.place_id) AS places
FROM c JOIN v o ON o.place_id = c.place_id AND o.s < c.e AND c.s < o.e AND o.person_id <> c.case_id
GROUP BY c.case_id, o.person_id
HAVING sum(least(c.e, o.e) - greatest(c.s, o.s)) >= 600
ORDER BY 1, 2"""

ENGINE_ROWS = """SELECT case_id, contact_id, copresent_minutes, epoch(first_contact), epoch(last_contact), places
FROM read_parquet('{out}') ORDER BY 1, 2"""


def baseline_duckdb(visits: Path, cases: Path, memory_limit: str, threads: int):
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{memory_limit}'; SET threads = {threads}")
    started = time.monotonic()
    rows = con.execute(BASELINE_SQL.format(visits=visits, cases=cases)).fetchall()
    return time.monotonic() - started, rows


def baseline_pandas(visits: Path, cases: Path):
    started = time.monotonic()
    v = duckdb.sql(f"SELECT * FROM '{visits}'").df()
    k = duckdb.sql(f"SELECT * FROM '{cases}'").df()
    v["end"] = v["end"].fillna(v["start"] + 1800).astype("int64")
    c = v.merge(k, left_on="person_id", right_on="case_id")
    c["s"] = c[["start", "window_start"]].max(axis=1)
    c["e"] = c[["end", "window_end"]].min(axis=1)
    c = c[c.s < c.e][["case_id", "place_id", "s", "e"]]
    m = c.merge(v, on="place_id")
    m = m[(m.start < m.e) & (m.s < m["end"]) & (m.person_id != m.case_id)]
    m = m.assign(os=m[["s", "start"]].max(axis=1), oe=m[["e", "end"]].min(axis=1))
    m["secs"] = m.oe - m.os
    g = m.groupby(["case_id", "person_id"]).agg(secs=("secs", "sum"), first=("os", "min"), last=("oe", "max"),
                                                places=("place_id", lambda s: ";".join(sorted(set(s)))))
    g = g[g.secs >= 600].reset_index().sort_values(["case_id", "person_id"])
    rows = [(r.case_id, r.person_id, r.secs / 60, float(r.first), float(r.last), r.places)
            for r in g.itertuples()]
    return time.monotonic() - started, rows


def reference_check(folder: Path) -> str:
    visits, cases = generate(folder, "20k", case_every=50)
    vrows = duckdb.sql(f"SELECT * FROM '{visits}'").fetchall()
    krows = duckdb.sql(f"SELECT * FROM '{cases}'").fetchall()
    started = time.monotonic()
    expected = copresence_reference([dict(zip(("person_id", "place_id", "start", "end"), r, strict=True))
                                     for r in vrows],
                                    [dict(zip(("case_id", "window_start", "window_end"), r, strict=True))
                                     for r in krows])
    ref_seconds = time.monotonic() - started
    out = folder / "out_20k.parquet"
    find_copresence(visits, cases, out)
    got = duckdb.sql(ENGINE_ROWS.format(out=out)).fetchall()
    want = [(r["case_id"], r["contact_id"], r["copresent_minutes"], r["first_contact"].timestamp(),
             r["last_contact"].timestamp(), r["places"]) for r in expected]
    verdict = "agrees" if got == want else "DISAGREES"
    return (f"reference check, {len(vrows):,} visits, {len(krows)} cases: engine {verdict} with the reference "
            f"({len(want):,} pairs; reference {ref_seconds:.1f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1m,10m")
    parser.add_argument("--data", default="/tmp/fk_copresence")
    parser.add_argument("--memory-limit", default="8GB")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--baseline-max", default="10m")
    parser.add_argument("--pandas-max", default="1m")
    parser.add_argument("--spark-max", default="", help="Also run --engine spark (local[threads]) up to this size.")
    parser.add_argument("--csv-max", default="10m", help="Also time a CSV copy with ISO-8601 text times up to this.")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    folder = Path(args.data)
    if args.rebuild:
        shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)

    print(reference_check(folder), flush=True)
    spark = None
    for size in args.sizes.split(","):
        started = time.monotonic()
        visits, cases = generate(folder, size, case_every=1000)
        generated = time.monotonic() - started
        n = duckdb.sql(f"SELECT count(*) FROM '{visits}'").fetchall()[0][0]
        k = duckdb.sql(f"SELECT count(*) FROM '{cases}'").fetchall()[0][0]
        mb = visits.stat().st_size / 1e6
        print(f"\n{size}: {n:,} visits ({mb:,.0f} MB Parquet), {k:,} cases; data ready in {generated:.0f} s",
              flush=True)
        out = folder / f"out_{size}.parquet"
        summary = find_copresence(visits, cases, out, memory_limit=args.memory_limit, threads=args.threads,
                                  temp_directory=folder / "spill")
        stages = ", ".join(f"{name} {secs:.1f}" for name, secs in summary.stage_seconds.items())
        print(f"  engine   {summary.seconds:7.1f} s  {summary.pairs:,} pairs; {summary.visits_near_cases:,} visits "
              f"near cases kept ({stages})", flush=True)
        engine_rows = duckdb.sql(ENGINE_ROWS.format(out=out)).fetchall()
        if SIZES[size] <= SIZES[args.baseline_max]:
            seconds, rows = baseline_duckdb(visits, cases, args.memory_limit, args.threads)
            same = "agrees" if rows == engine_rows else f"DISAGREES ({len(rows):,} rows)"
            print(f"  baseline {seconds:7.1f} s  DuckDB self-join; ratio {seconds / summary.seconds:.1f}x; {same}",
                  flush=True)
        if args.csv_max and SIZES[size] <= SIZES[args.csv_max]:
            text = as_csv(visits)
            csv_out = folder / f"out_{size}_csv.parquet"
            csv_summary = find_copresence(text, cases, csv_out, memory_limit=args.memory_limit, threads=args.threads,
                                          temp_directory=folder / "spill")
            same = "agrees" if duckdb.sql(ENGINE_ROWS.format(out=csv_out)).fetchall() == engine_rows else "DISAGREES"
            print(f"  csv      {csv_summary.seconds:7.1f} s  the same visits as CSV with ISO-8601 text times "
                  f"({text.stat().st_size / 1e6:,.0f} MB); {same} with the Parquet run", flush=True)
        if args.spark_max and SIZES[size] <= SIZES[args.spark_max]:
            from fangkong.tracing.engine.copresence_spark import find_copresence_spark, local_session

            spark = spark or local_session(threads=args.threads, memory="4g")
            spark_out = folder / f"out_{size}_spark.parquet"
            spark_summary = find_copresence_spark(visits, cases, spark_out, spark=spark)
            same = "agrees" if duckdb.sql(ENGINE_ROWS.format(out=spark_out)).fetchall() == engine_rows else "DISAGREES"
            print(f"  spark    {spark_summary.seconds:7.1f} s  same SQL on PySpark local[{args.threads}] (session "
                  f"already started); {same} with the engine", flush=True)
        if SIZES[size] <= SIZES[args.pandas_max]:
            seconds, rows = baseline_pandas(visits, cases)
            same = "agrees" if rows == engine_rows else f"DISAGREES ({len(rows):,} rows)"
            print(f"  pandas   {seconds:7.1f} s  merge on place, filter; ratio {seconds / summary.seconds:.1f}x; "
                  f"{same}", flush=True)


if __name__ == "__main__":
    main()
