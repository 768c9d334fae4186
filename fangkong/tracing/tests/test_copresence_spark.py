"""The same co-presence query on PySpark (local mode) over hive-partitioned Parquet agrees with DuckDB and the
reference."""

import csv
import logging
import random
import shutil
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import duckdb
import pytest

from fangkong.tracing.engine.copresence import find_copresence
from fangkong.tracing.engine.copresence_reference import copresence_reference

pytestmark = [
    pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java (openjdk-17-jre-headless)"),
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
]

T0 = 1_714_521_600  # 2024-05-01 08:00 in Shanghai


def synthetic_visits(seed=7, people=120, places=25, visits=1500):
    rng = random.Random(seed)
    rows = []
    for _ in range(visits):
        start = T0 + rng.randrange(0, 4 * 86400, 60)
        end = None if rng.random() < 0.2 else start + rng.choice([0, 300, 1200, 3600, 4 * 3600, 11 * 3600])
        rows.append((f"p{rng.randrange(people)}", f"cell-{min(rng.randrange(places), rng.randrange(places))}",
                     start, end))
    return rows


def test_spark_over_partitioned_parquet_agrees_with_duckdb_and_the_reference(tmp_path):
    from fangkong.tracing.engine.copresence_spark import find_copresence_spark, local_session

    rows = synthetic_visits()
    cases = [("p1", T0 + 3600, T0 + 3 * 86400), ("p2", T0, T0 + 4 * 86400), ("p3", T0 - 86400, T0 + 86400)]
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    con.execute("CREATE TABLE v (person_id VARCHAR, place_id VARCHAR, s BIGINT, e BIGINT)")
    con.executemany("INSERT INTO v VALUES (?, ?, ?, ?)", rows)
    # start as epoch seconds, end as a naive wall-clock timestamp: two of the accepted kinds of time column.
    con.execute(f"""COPY (SELECT person_id, place_id, s AS start,
                                 CAST(to_timestamp(e) AS TIMESTAMP) AS "end",
                                 CAST(to_timestamp(s) AS DATE) AS day FROM v)
                    TO '{tmp_path / 'visits'}' (FORMAT parquet, PARTITION_BY (day))""")
    con.execute("CREATE TABLE c (case_id VARCHAR, window_start VARCHAR, window_end VARCHAR)")
    zone = ZoneInfo("Asia/Shanghai")
    iso = [(cid, datetime.fromtimestamp(ws, UTC).astimezone(zone).isoformat(), str(we)) for cid, ws, we in cases]
    con.executemany("INSERT INTO c VALUES (?, ?, ?)", iso)
    con.execute(f"COPY c TO '{tmp_path / 'cases.parquet'}' (FORMAT parquet)")
    assert len(list((tmp_path / "visits").iterdir())) >= 4  # partitioned by day

    expected = copresence_reference(
        [{"person_id": p, "place_id": q, "start": s, "end": e} for p, q, s, e in rows],
        [{"case_id": c, "window_start": ws, "window_end": we} for c, ws, we in iso])
    assert len(expected) > 20

    logging.getLogger("py4j").setLevel(logging.WARNING)  # its goodbye would be logged after pytest closed stderr
    spark = local_session(threads=2, shuffle_partitions=4)
    try:  # one run (Spark's jobs are slow to start); the benchmark also checks Spark's Parquet output
        spark_summary = find_copresence_spark(tmp_path / "visits", tmp_path / "cases.parquet", tmp_path / "spark.csv",
                                              spark=spark)
    finally:
        spark.stop()
    duck_summary = find_copresence(tmp_path / "visits", tmp_path / "cases.parquet", tmp_path / "duck.csv")
    assert spark_summary.pairs == duck_summary.pairs == len(expected)
    assert spark_summary.visits_read == duck_summary.visits_read == len(rows)

    assert (tmp_path / "spark.csv").read_text() == (tmp_path / "duck.csv").read_text()
    with open(tmp_path / "spark.csv", newline="") as fh:
        got = [(r["case_id"], r["contact_id"], float(r["copresent_minutes"]),
                datetime.fromisoformat(r["first_contact"]), datetime.fromisoformat(r["last_contact"]), r["places"])
               for r in csv.DictReader(fh)]
    assert got == [(r["case_id"], r["contact_id"], r["copresent_minutes"], r["first_contact"], r["last_contact"],
                    r["places"]) for r in expected]
