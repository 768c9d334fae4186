"""A line-list export of 1,000,000 persons, against a bare PostgreSQL COPY of the same rows, in the same run.

    createdb -h 127.0.0.1 -U postgres fk_bench_exports
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/fk_bench_exports
    .venv/bin/python benchmarks/exports_copy.py [--rows 1000000] [--rebuild]

Builds (once; `--rebuild` wipes and builds again) a city of 2 districts › 5 streets › 5 communities › 4 grids › 5
buildings (1,000 buildings), ten households a building, and `--rows` persons by COPY into people_person, then
ANALYZE. Then, as the HQ (scope: the city root, so every row), each in a forked child process so that its peak
RSS is its own:
1. the export job (`fangkong.exports.jobs.export_job` with a JobProgress on a real Job row) of every persons
   column to CSV by COPY (exports.sqlcsv: projection and masking in SQL, the server writes the CSV), masked (the
   default) and unmasked; to CSV by the Python path (EXPORTS_SQL_CSV = False: keyset batches through the csv
   module), masked; to Parquet, masked; and to CSV by COPY as an officer of one of the two districts (half the
   rows), to show that the peak memory does not follow the row count;
2. the baseline: `COPY (SELECT the same columns FROM the same joins WHERE the same scope ORDER BY id) TO STDOUT
   WITH CSV HEADER` written to a file by psycopg, no masking, no labels.
Prints rows/s, the ratio (baseline time ÷ export time: below 1, the export is slower) and peak RSS. No test asserts
any of it.
"""

import argparse
import datetime
import os
import resource
import sys
import tempfile
import time
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, connections  # noqa: E402

CHUNK = 20_000
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
STATUSES = ["normal"] * 8 + ["home_monitoring", "home_isolation"]


def log(message: str) -> None:
    print(message, flush=True)


def make_id(n: int) -> str:
    from stdnum.cn import ric

    day = datetime.date(1940, 1, 1) + datetime.timedelta(days=n // 1000 % 25000)
    body = f"6308{1 + n % 2:02d}{day:%Y%m%d}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def build_city():
    from fangkong.territory.models import Level
    from fangkong.territory.services import unit_create

    city = unit_create(parent=None, level=Level.CITY, name="基准市", code="639900")
    buildings = []
    for d in range(2):
        district = unit_create(parent=city, level=Level.DISTRICT, name=f"第{d + 1}区", code=f"6399{d + 1:02d}")
        for s in range(5):
            street = unit_create(parent=district, level=Level.STREET, name=f"{s + 1}街道",
                                 code=f"{district.code}{s + 1:03d}")
            for c in range(5):
                community = unit_create(parent=street, level=Level.COMMUNITY, name=f"{c + 1}社区",
                                        code=f"{street.code}{c + 1:03d}")
                for g in range(4):
                    grid = unit_create(parent=community, level=Level.GRID, name=f"网格{g + 1}",
                                       code=f"{community.code}G{g + 1}")
                    for b in range(5):
                        buildings.append(unit_create(parent=grid, level=Level.BUILDING, name=f"{b + 1}号楼",
                                                     code=f"{grid.code}B{b + 1}"))
    return city, buildings


def build(rows: int):
    from fangkong.people.models import Household, Person
    from fangkong.people.search import reversed_key

    started = time.perf_counter()
    city, buildings = build_city()
    households = Household.objects.bulk_create(
        [Household(unit=b, number=f"{h + 1}01", address=f"基准市{b.name}{h + 1}01室") for b in buildings
         for h in range(10)], batch_size=5000)
    log(f"city of {len(buildings):,} buildings and {len(households):,} households: "
        f"{time.perf_counter() - started:.1f} s")
    columns = ["name", "name_simplified", "name_pinyin", "name_initials", "id_type", "id_number", "id_number_rev",
               "birth_date", "sex", "phone", "phone_rev", "household_id", "unit_id", "address", "status",
               "created_at", "updated_at"]
    now = datetime.datetime.now(datetime.UTC).isoformat()
    started = time.perf_counter()
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY people_person ({', '.join(columns)}) FROM STDIN") as copy:
        buffer = []
        for n in range(rows):
            household = households[n % len(households)]
            name = SURNAMES[n % 20] + GIVEN[n // 20 % 20] + GIVEN[n // 400 % 20]
            number = make_id(n)
            phone = f"139{n:08d}"
            birth = f"{number[6:10]}-{number[10:12]}-{number[12:14]}"
            buffer.append("\t".join([
                name, name, "bench", "b", "resident", number, reversed_key(number), birth, "MF"[n % 2], phone,
                reversed_key(phone), str(household.pk), str(household.unit_id), household.address,
                STATUSES[n % 10], now, now]) + "\n")
            if len(buffer) >= CHUNK:
                copy.write("".join(buffer))
                buffer = []
        if buffer:
            copy.write("".join(buffer))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE people_person; ANALYZE people_household; ANALYZE territory_unit;")
    log(f"COPY of {rows:,} persons: {time.perf_counter() - started:.1f} s ({Person.objects.count():,} on file)")
    return city


def wipe():
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE people_person, people_household, territory_unit, exports_exportlog, ops_job, "
                       "accounts_accesslog, audit_auditentry, accounts_user RESTART IDENTITY CASCADE")


def _child(queue, func, args):
    connections.close_all()
    started = time.perf_counter()
    result = func(*args)
    queue.put((time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, result))


def in_child(func, *args):
    """Runs func in a forked process: (seconds, peak RSS in MiB, its result)."""
    connections.close_all()
    ctx = get_context("fork")
    queue = ctx.Queue()
    process = ctx.Process(target=_child, args=(queue, func, args))
    process.start()
    seconds, rss_kib, result = queue.get()
    process.join()
    return seconds, rss_kib / 1024, result


def run_export(user_id: int, fmt: str, reveal: bool, filters: dict, sql_csv: bool) -> int:
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from fangkong.accounts.models import User
    from fangkong.exports.jobs import export_job
    from fangkong.exports.models import ExportLog
    from fangkong.exports.sources import get_source
    from fangkong.ops.models import Job
    from fangkong.ops.progress import JobProgress

    settings.EXPORTS_SQL_CSV = sql_csv
    user = User.objects.get(pk=user_id)
    export = ExportLog.objects.create(user=user, scope_path=user.scope_path, source="persons", format=fmt,
                                      filters=filters, columns=get_source("persons").column_keys, revealed=reveal,
                                      reason="基准测试" if reveal else "", language="zh-hans",
                                      expires_at=timezone.now() + timedelta(days=1))
    job = Job.objects.create(kind="export", label="bench", started_by=user, scope_path=user.scope_path,
                             func_path="fangkong.exports.jobs.export_job", status=Job.Status.RUNNING)
    export_job(progress=JobProgress(job.pk), export_id=export.pk)
    export.refresh_from_db()
    return export.row_count, export.file_size


def run_copy(scope_path: str, target: str) -> tuple[int, int]:
    from fangkong.core.paths import subtree_upper_bound

    sql = ("COPY (SELECT p.id, p.name, p.sex, p.birth_date, p.id_type, p.id_number, p.phone, p.address, "
           "hb.name, h.number, u.name, p.status, p.status_since, p.created_at "
           "FROM people_person p JOIN territory_unit u ON u.id = p.unit_id "
           "LEFT JOIN people_household h ON h.id = p.household_id LEFT JOIN territory_unit hb ON hb.id = h.unit_id "
           f"WHERE u.path >= '{scope_path}' AND u.path < '{subtree_upper_bound(scope_path)}' "
           "AND p.merged_into_id IS NULL ORDER BY p.id) TO STDOUT WITH CSV HEADER")
    lines = 0
    with open(target, "wb") as fh, connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for block in copy:
            fh.write(block)
            lines += bytes(block).count(b"\n")
    return lines - 1, os.path.getsize(target)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Give DATABASE_URL of a throwaway PostgreSQL database.")
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from conftest import make_user
    from fangkong.accounts.models import User
    from fangkong.people.models import Person
    from fangkong.territory.models import Level, Unit

    tmp = Path(tempfile.mkdtemp(prefix="fk_exports_bench_"))
    settings.EXPORTS_DIR = tmp
    if args.rebuild or Person.objects.count() != args.rows:
        wipe()
        build(args.rows)
    city = Unit.objects.get(level=Level.CITY, code="639900")
    district = Unit.objects.filter(parent=city).order_by("code").first()
    hq = User.objects.filter(username="bench_hq").first() or make_user("bench_hq", "hq", city)
    officer = User.objects.filter(username="bench_officer").first() or make_user("bench_officer", "officer", district)
    log(f"chunk size {getattr(settings, 'EXPORTS_CHUNK_SIZE', 5000)}, COPY pieces of "
        f"{getattr(settings, 'EXPORTS_COPY_ROWS', 250_000)} rows, files in {tmp}")
    # Load the URLconf and the sources once, before the children fork: a worker has them loaded already.
    import pyarrow.parquet  # noqa: F401
    from django.urls import reverse

    from fangkong.exports.sources import all_sources

    reverse("exports:list")
    all_sources()

    seconds, rss, (rows, size) = in_child(run_copy, hq.scope_path, str(tmp / "copy.csv"))
    log(f"baseline COPY … TO STDOUT CSV: {rows:,} rows in {seconds:.1f} s = {rows / seconds:,.0f} rows/s, "
        f"{size / 2**20:,.1f} MiB, peak RSS {rss:,.0f} MiB")
    base = seconds
    for label, user, fmt, reveal, sql_csv in [
            ("CSV by COPY, masked", hq, "csv", False, True), ("CSV by COPY, unmasked", hq, "csv", True, True),
            ("CSV by Python, masked", hq, "csv", False, False), ("Parquet, masked", hq, "parquet", False, False),
            ("CSV by COPY, masked, one district", officer, "csv", False, True)]:
        seconds, rss, (rows, size) = in_child(run_export, user.pk, fmt, reveal, {}, sql_csv)
        ratio = f"ratio {base / seconds:.2f}" if user is hq else f"{rows / args.rows:.0%} of the rows"
        log(f"export {label}: {rows:,} rows in {seconds:.1f} s = {rows / seconds:,.0f} rows/s, "
            f"{size / 2**20:,.1f} MiB, {ratio}, peak RSS {rss:,.0f} MiB")


if __name__ == "__main__":
    main()
