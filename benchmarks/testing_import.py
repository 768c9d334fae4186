"""Import of sampling records and lab results (issue #4), against a bare load of the same rows in the same run.

    .venv/bin/python benchmarks/testing_import.py [--rows 1000000] [--results 100000] [--positives 10]
        [--not-on-file 0.02]

In a fresh SQLite file (FANGKONG_SQLITE_PATH, else a temporary one) or DATABASE_URL (give it an empty database:
createdb -h 127.0.0.1 -U postgres fk_bench_testing), with a district of 40 grids (1,000 buildings, a sampling
point per community) and `--rows` residents on file, written straight into the tables (not timed), of whom a
share `--not-on-file` is left out of the archive so that their rows are scans of people not on file:

1. sampling records: `--rows` rows (tube_code,id_number,name,phone,sampled_at,point_code) in tubes of 10, as
   CSV bytes;
   - baseline: PostgreSQL `COPY bare FROM STDIN (FORMAT csv, HEADER)` of those very bytes into a bare table of
     the same six columns (psycopg `cursor.copy`); SQLite: `csv.reader` + one prepared INSERT `executemany`
     into the bare table, in one transaction;
   - app: `testing.imports.samples_import` — reads the file, checks every row (tube code, ID checksum, phone,
     time, point and its scope), looks up people, existing tubes and samples in bulk, puts the rows in their
     tubes (capacity, one person once per round, barcodes never reused), writes tubes, samples and coverage
     counters a few thousand rows per transaction;
   - then the same file again (idempotent: everything unchanged), timed too;
   - and a floor: the app's own sample rows, already resolved, written again into a copy of testing_sample with
     its indexes and foreign keys (COPY / executemany): what this schema costs any importer;
2. lab results: `--results` rows (tube_code,result,ct_orf1ab,ct_n,tested_at,lab_code) for as many tubes,
   `--positives` of them positive;
   - baseline: the same bare load of those bytes;
   - app: `testing.imports.lab_results_import` — checks, one UPDATE per chunk for the negatives, the positives
     one by one through services.tube_result_record (recall, confinement, tasks).
Prints seconds, rows/s and the ratio app ÷ baseline. No test asserts any of it.
"""

import argparse
import csv
import datetime
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COMMUNITIES, GRIDS_PER_COMMUNITY, BUILDINGS_PER_GRID = 8, 5, 25


def make_id(n: int) -> str:
    """A distinct valid resident ID for each n < 20 million: the birth day and the sequence number carry n."""
    from stdnum.cn import ric

    day = datetime.date(1950, 1, 1) + datetime.timedelta(days=n // 1000)
    body = f"4117{21 + n % 3:02d}{day:%Y%m%d}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def build_city():
    from fangkong.territory.models import Level
    from fangkong.territory.services import unit_create
    from fangkong.testing import services

    city = unit_create(parent=None, level=Level.CITY, name="城关市", code="630800")
    district = unit_create(parent=city, level=Level.DISTRICT, name="东城区", code="630801")
    street = unit_create(parent=district, level=Level.STREET, name="东街道", code="630801001")
    buildings, points = [], []
    for c in range(COMMUNITIES):
        community = unit_create(parent=street, level=Level.COMMUNITY, name=f"社区{c}", code=f"{street.code}{c:03d}")
        points.append(services.point_create(code=f"P{c:03d}", name=f"社区{c}采样点", unit=community,
                                            opens_at=datetime.time(6), closes_at=datetime.time(23), actor=None))
        for g in range(GRIDS_PER_COMMUNITY):
            grid = unit_create(parent=community, level=Level.GRID, name=f"网格{g}", code=f"{community.code}G{g}")
            for b in range(BUILDINGS_PER_GRID):
                buildings.append((unit_create(parent=grid, level=Level.BUILDING, name=f"{b + 1}号楼",
                                              code=f"{grid.code}B{b}"), points[-1]))
    return district, buildings


def file_people(rows: int, buildings, not_on_file: float) -> list[tuple]:
    """[(id_number, name, phone, point_code)] in file order, consecutive people of a building sharing tubes; all
    but `not_on_file` of them written into people_person straight away (COPY / executemany)."""
    from django.db import connection
    from django.db.models import Max

    from fangkong.demo.city import write_rows
    from fangkong.people.models import Person

    people, archive = [], []
    next_id = (Person.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    per_building = -(-rows // len(buildings))
    for n in range(rows):
        building, point = buildings[n // per_building]
        number, name, phone = make_id(n + 1), f"居民{n + 1}", f"139{n + 1:08d}"
        people.append((number, name, phone, point.code))
        if random.random() >= not_on_file:
            archive.append((next_id, name, name, "", "", "resident", number, number[::-1], phone, phone[::-1],
                            building.pk, "", "normal"))
            next_id += 1
    columns = ("id", "name", "name_simplified", "name_pinyin", "name_initials", "id_type", "id_number",
               "id_number_rev", "phone", "phone_rev", "unit_id", "address", "status")
    for start in range(0, len(archive), 100_000):
        write_rows(Person, columns, archive[start:start + 100_000])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(pg_get_serial_sequence('people_person', 'id'), %s)", [next_id])
            cursor.execute("ANALYZE people_person")
    return people


def samples_csv(people, started: datetime.datetime) -> bytes:
    out = io.StringIO()
    out.write("tube_code,id_number,name,phone,sampled_at,point_code\n")
    for n, (number, name, phone, point) in enumerate(people):
        at = started + datetime.timedelta(seconds=n * 2 // 1000)
        out.write(f"S{n // 10:08d},{number},{name},{phone},{at:%Y-%m-%d %H:%M:%S},{point}\n")
    return out.getvalue().encode("utf-8")


def results_csv(tubes: int, positives: int, tested: datetime.datetime, lab_code: str) -> bytes:
    out = io.StringIO()
    out.write("tube_code,result,ct_orf1ab,ct_n,tested_at,lab_code,instrument\n")
    positive = set(random.sample(range(tubes), positives))
    for t in range(tubes):
        if t in positive:
            out.write(f"S{t:08d},阳性,28.5,30.1,{tested:%Y-%m-%d %H:%M},{lab_code},ABI-7500\n")
        else:
            out.write(f"S{t:08d},阴性,,,{tested:%Y-%m-%d %H:%M},{lab_code},ABI-7500\n")
    return out.getvalue().encode("utf-8")


def bare_load(data: bytes, table: str, columns: list[str]) -> float:
    """Seconds to load `data` into a fresh bare table of text columns: COPY on PostgreSQL, csv + executemany on
    SQLite; both in one transaction, the table dropped afterwards."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        kinds = {"sampled_at": "timestamptz", "tested_at": "timestamptz", "ct_orf1ab": "numeric", "ct_n": "numeric"}
        postgres = connection.vendor == "postgresql"
        column_sql = ", ".join(f"{c} {kinds.get(c, 'text') if postgres else 'text'}" for c in columns)
        cursor.execute(f"CREATE TABLE {table} ({column_sql})")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT csv, HEADER true)") as copy:
                view = memoryview(data)
                for start in range(0, len(data), 1 << 20):
                    copy.write(view[start:start + (1 << 20)])
        else:
            reader = csv.reader(io.StringIO(data.decode("utf-8")))
            next(reader)
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",
                               [row[:len(columns)] for row in reader])
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        loaded = cursor.fetchone()[0]
        cursor.execute(f"DROP TABLE {table}")
    assert loaded == data.count(b"\n") - 1, loaded
    return seconds


def schema_floor(round_id: int) -> tuple[float, int]:
    """Seconds to write the app's own sample rows again, already resolved, into a copy of testing_sample with its
    indexes and foreign keys (COPY / executemany, one transaction): what this schema costs any importer."""
    from django.db import connection, transaction

    from fangkong.testing.models import Sample

    table = Sample._meta.db_table
    columns = [f.column for f in Sample._meta.concrete_fields if not f.primary_key]
    names = ", ".join(columns)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_sample_floor")
        if connection.vendor == "postgresql":
            cursor.execute(f"CREATE TABLE bench_sample_floor (LIKE {table} INCLUDING ALL)")
            for f in Sample._meta.concrete_fields:
                if f.is_relation and f.db_constraint:
                    cursor.execute(f"ALTER TABLE bench_sample_floor ADD FOREIGN KEY ({f.column}) REFERENCES "
                                   f"{f.related_model._meta.db_table} (id) DEFERRABLE INITIALLY DEFERRED")
            data = io.BytesIO()
            with cursor.copy(f"COPY (SELECT {names} FROM {table} WHERE round_id = {round_id} ORDER BY id) "
                             f"TO STDOUT") as copy:
                for block in copy:
                    data.write(block)
            rows = None
        else:
            cursor.execute("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = %s AND sql IS NOT NULL",
                           [table])
            statements = [(kind, sql.replace(f'"{table}"', '"bench_sample_floor"').replace(f'"{name}"',
                                                                                         f'"floor_{name}"'))
                          for kind, name, sql in cursor.fetchall()]
            for _kind, sql in sorted(statements, key=lambda s: s[0] != "table"):
                cursor.execute(sql)
            cursor.execute(f"SELECT {names} FROM {table} WHERE round_id = %s ORDER BY id", [round_id])
            rows = cursor.fetchall()
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if rows is None:
            with cursor.copy(f"COPY bench_sample_floor ({names}) FROM STDIN") as copy:
                copy.write(data.getvalue())
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO bench_sample_floor ({names}) VALUES ({placeholders})", rows)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_sample_floor")
        count = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_sample_floor")
    return seconds, count


PHASES = {"_read": "read the file", "_samples_parse": "check each row", "_samples_assign": "look-ups and pooling",
          "_samples_write": "writes (transactions)", "insert_samples": "  of which samples COPY/executemany"}


def time_phases(seconds: dict) -> None:
    """Wrap the import's steps to add up their time (the benchmark only: the app is unchanged)."""
    from fangkong.testing import imports

    for name in PHASES:
        function = getattr(imports, name)

        def timed(*args, _function=function, _name=name, **kwargs):
            started = time.perf_counter()
            try:
                return _function(*args, **kwargs)
            finally:
                seconds[_name] = seconds.get(_name, 0) + time.perf_counter() - started

        setattr(imports, name, timed)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--results", type=int, default=100_000)
    parser.add_argument("--positives", type=int, default=10)
    parser.add_argument("--not-on-file", type=float, default=0.02, dest="not_on_file")
    args = parser.parse_args()
    random.seed(4)
    tmp = Path(tempfile.mkdtemp(prefix="fk_testing_import_"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    if not os.environ.get("DATABASE_URL") and not os.environ.get("FANGKONG_SQLITE_PATH"):
        os.environ["FANGKONG_SQLITE_PATH"] = str(tmp / "bench.sqlite3")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from fangkong.testing import imports, services
    from fangkong.testing.models import Coverage, Recall, Sample, Tube

    setup_started = time.perf_counter()
    district, buildings = build_city()
    people = file_people(args.rows, buildings, args.not_on_file)
    now = timezone.now()
    round_ = services.round_create(code="BENCH-R1", name="基准轮次", nodes=[district], pool_size=10, actor=None,
                                   starts_at=now - datetime.timedelta(hours=6),
                                   ends_at=now + datetime.timedelta(days=1))
    lab = services.lab_create(code="LAB1", name="市疾控中心实验室", unit=district, actor=None)
    started_at = timezone.localtime(now - datetime.timedelta(hours=5)).replace(microsecond=0)
    data = samples_csv(people, started_at)
    setup_s = time.perf_counter() - setup_started
    columns = ["tube_code", "id_number", "name", "phone", "sampled_at", "point_code"]

    baseline_s = bare_load(data, "bench_bare_samples", columns)
    phases: dict[str, float] = {}
    time_phases(phases)
    started = time.perf_counter()
    report = imports.samples_import(source=data, round_=round_, actor=None, filename="bench.csv")
    app_s = time.perf_counter() - started
    assert report.ok and report.created == args.rows, (report.created, report.errors[:5])
    first_phases = dict(phases)
    phases.clear()
    started = time.perf_counter()
    again = imports.samples_import(source=data, round_=round_, actor=None, filename="bench.csv")
    again_s = time.perf_counter() - started
    assert again.created == 0 and again.unchanged == args.rows, (again.created, again.errors[:5])
    floor_s, floor_rows = schema_floor(round_.pk)
    assert floor_rows == args.rows, floor_rows
    tubes = Tube.objects.filter(round=round_).count()
    covered = sum(Coverage.objects.filter(round=round_).values_list("sampled", flat=True))

    result_tubes = min(args.results, tubes)
    tested = timezone.localtime(timezone.now()).replace(second=0, microsecond=0)
    results = results_csv(result_tubes, args.positives, tested, lab.code)
    result_columns = ["tube_code", "result", "ct_orf1ab", "ct_n", "tested_at", "lab_code", "instrument"]
    results_baseline_s = bare_load(results, "bench_bare_results", result_columns)
    started = time.perf_counter()
    results_report = imports.lab_results_import(source=results, actor=None, filename="results.csv")
    results_s = time.perf_counter() - started
    assert results_report.ok and results_report.created == result_tubes, results_report.errors[:5]
    assert Recall.objects.count() == args.positives

    db = "PostgreSQL" if connection.vendor == "postgresql" else f"SQLite {connection.Database.sqlite_version}"
    print(f"{db}; {args.rows:,} sampling rows ({len(data) / 1e6:.1f} MB CSV) in {tubes:,} tubes, "
          f"{Sample.objects.count():,} samples, {covered:,} counted for coverage "
          f"({args.not_on_file:.0%} not on file); setup {setup_s:.0f} s; load average {os.getloadavg()[0]:.1f}")
    print(f"{'':62} {'seconds':>8} {'rows/s':>9} {'ratio':>6}")

    def line(label, seconds, rows, base=None):
        ratio = f"{seconds / base:>6.1f}" if base else ""
        print(f"{label:62} {seconds:>8.1f} {rows / seconds:>9,.0f} {ratio}")

    bare = "COPY FROM STDIN (csv)" if connection.vendor == "postgresql" else "csv.reader + executemany"
    line(f"samples baseline: {bare} into a bare table", baseline_s, args.rows)
    line("samples floor: the resolved rows into a copy of testing_sample", floor_s, args.rows, baseline_s)
    line("samples app: samples_import (checked, pooled, coverage)", app_s, args.rows, baseline_s)
    line("samples app, same file again (all unchanged)", again_s, args.rows, baseline_s)
    print(f"   app ÷ floor: {app_s / floor_s:.1f}")
    for label, values in (("first import", first_phases), ("same file again", phases)):
        print(f"   {label}: " + ", ".join(f"{PHASES[k].strip()} {values[k]:.1f} s" for k in PHASES
                                         if values.get(k, 0) >= 0.05))
    line(f"results baseline: {bare} into a bare table", results_baseline_s, result_tubes)
    line(f"results app: lab_results_import ({args.positives} positive pools recalled)", results_s, result_tubes,
         results_baseline_s)
    if not os.environ.get("DATABASE_URL") and str(tmp) in os.environ.get("FANGKONG_SQLITE_PATH", ""):
        for f in tmp.iterdir():
            f.unlink()
        tmp.rmdir()


if __name__ == "__main__":
    main()
