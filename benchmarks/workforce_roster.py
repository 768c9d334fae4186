"""Roster validation (劳逸结合) at city scale: the workforce engine against the SQL an analyst would write.

    nice -n 10 .venv/bin/python benchmarks/workforce_roster.py [--people 5000] [--posts 500] [--days 14]
        [--repeat 3] [--seed 2020]

Generates a 14-day roster for 5,000 people over 500 posts: every person has a home post and, on about 70 % of
days, one shift there of 8, 10 or 12 hours starting at 00:00, 08:00, 12:00 or 16:00 (so some rest is short and some
weeks run over 60 hours), plus, for one person in 20, a second shift on some days at another post; about 50,000
shifts. Rules: 12 hours per shift, 60 hours in 7 days, 8 hours of rest.

Then times, each `--repeat` times (the median is printed): the engine (`roster_validate`, plain Python, from
dataclasses); and the baseline, DuckDB over the same rows in an in-memory table: the rest as a window (the latest
end of the person's earlier shifts), the 7-day hours as a range self-join clipped to the window, the shift length
as a filter. Both must find exactly the same violations (asserted). The ratio is baseline ÷ engine (above 1: the
engine is faster). Loading the rows into DuckDB is timed apart and not in its figure.
"""

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import pyarrow as pa  # noqa: E402

from fangkong.workforce.engine.roster import RosterShift, Rules, roster_validate  # noqa: E402

T0 = datetime(2026, 12, 1, tzinfo=UTC)
RULES = Rules(max_shift_hours=12, max_week_hours=60, min_rest_hours=8)

SQL = """
WITH s AS (SELECT shift_id, person, starts_at, ends_at FROM shifts),
lengths AS (
  SELECT person, shift_id, 'shift_hours' AS rule FROM s
  WHERE epoch(ends_at - starts_at) / 3600.0 > $max_shift
),
prev AS (
  SELECT person, shift_id, starts_at,
         max(ends_at) OVER (PARTITION BY person ORDER BY starts_at, shift_id
                            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS latest_end
  FROM s
),
rests AS (
  SELECT person, shift_id,
         CASE WHEN epoch(starts_at - latest_end) < 0 THEN 'overlap' ELSE 'rest' END AS rule
  FROM prev
  WHERE latest_end IS NOT NULL AND epoch(starts_at - latest_end) / 3600.0 < $min_rest
),
weeks AS (
  SELECT a.person, a.shift_id, 'week_hours' AS rule
  FROM s a JOIN s b
    ON a.person = b.person AND b.starts_at < a.ends_at AND b.ends_at > a.ends_at - INTERVAL 7 DAY
  GROUP BY a.person, a.shift_id
  HAVING sum(epoch(least(b.ends_at, a.ends_at) - greatest(b.starts_at, a.ends_at - INTERVAL 7 DAY))) / 3600.0
         > $max_week
)
SELECT * FROM lengths UNION ALL SELECT * FROM rests UNION ALL SELECT * FROM weeks
"""


def generate(people: int, posts: int, days: int, seed: int) -> list[RosterShift]:
    rng = random.Random(seed)
    shifts = []
    next_id = 1
    for p in range(people):
        home = rng.randrange(posts)
        for d in range(days):
            if rng.random() < 0.7:
                start = T0 + timedelta(days=d, hours=rng.choice((0, 8, 12, 16)))
                hours = rng.choice((8, 10, 12))
                shifts.append(RosterShift(next_id, f"u:{p}", start, start + timedelta(hours=hours), home))
                next_id += 1
            if p % 20 == 0 and rng.random() < 0.3:
                start = T0 + timedelta(days=d, hours=rng.choice((18, 20)))
                shifts.append(RosterShift(next_id, f"u:{p}", start, start + timedelta(hours=4),
                                          rng.randrange(posts)))
                next_id += 1
    return shifts


def timed(fn, repeat: int):
    runs, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--posts", type=int, default=500)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    shifts = generate(args.people, args.posts, args.days, args.seed)
    print(f"{len(shifts):,} shifts of {args.people:,} people over {args.posts} posts and {args.days} days")

    engine_s, found = timed(lambda: roster_validate(shifts, RULES), args.repeat)
    engine = {(v.person, v.shift_id, v.rule) for v in found}

    con = duckdb.connect()
    con.execute(f"SET threads = {args.threads}")
    started = time.perf_counter()
    table = pa.table({"shift_id": [s.shift_id for s in shifts], "person": [s.person for s in shifts],
                      "starts_at": [s.starts_at for s in shifts], "ends_at": [s.ends_at for s in shifts]})
    con.register("rows_arrow", table)
    con.execute("CREATE TABLE shifts AS SELECT * FROM rows_arrow")
    load_s = time.perf_counter() - started
    params = {"max_shift": RULES.max_shift_hours, "min_rest": RULES.min_rest_hours,
              "max_week": RULES.max_week_hours}
    sql_s, rows = timed(lambda: con.execute(SQL, params).fetchall(), args.repeat)
    baseline = set(rows)

    assert engine == baseline, (f"engine and SQL disagree: {len(engine - baseline)} only in the engine, "
                                f"{len(baseline - engine)} only in SQL")
    by_rule = {}
    for _, _, rule in engine:
        by_rule[rule] = by_rule.get(rule, 0) + 1
    print(f"violations: {len(engine):,} " + ", ".join(f"{k} {v:,}" for k, v in sorted(by_rule.items())))
    print(f"engine (Python)     {engine_s * 1000:9.1f} ms")
    print(f"DuckDB SQL          {sql_s * 1000:9.1f} ms   (loading the table: {load_s * 1000:.1f} ms, not counted)")
    print(f"ratio SQL / engine  {sql_s / engine_s:9.2f}")


if __name__ == "__main__":
    main()
