"""Freight-pass scans per second through the service, against a plain indexed lookup of the pass number.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fk_passes_bench \
        .venv/bin/python benchmarks/passes_scan.py [--passes 200000] [--scans 3000] [--seed 12]

Runs on a fresh SQLite file of its own (migrated here) unless DATABASE_URL or FANGKONG_SQLITE_PATH is set; on a
given database it migrates it, adds its own city (codes 99xxxx) and passes, and deletes them at the end.

The app: `fangkong.passes.services.freight_pass_scan` — the signature check of the code (django.core.signing),
the pass by its unique number, the route check (RouteStop on (pass, checkpoint)), and the insert of the Scan row,
in one durable transaction, with the scope check of the scanning user. The baseline: `SELECT id, status,
valid_from, valid_to FROM passes_freightpass WHERE number = %s` through a raw cursor, no signature, no write; and,
as the floor of any recorded scan, the same SELECT plus a raw INSERT of the scan row committed each time.
Ratio = service ÷ baseline in scans per second (how much of the plain lookup's rate the full scan keeps). Codes are
drawn at random over all passes, a tenth of them forged. No test asserts any of these figures.
"""

import argparse
import datetime
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
    os.environ["FANGKONG_SQLITE_PATH"] = str(Path(tempfile.mkdtemp(prefix="fk_passes_bench_")) / "bench.sqlite3")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from fangkong.accounts.models import User  # noqa: E402
from fangkong.accounts.roles import Role  # noqa: E402
from fangkong.arrivals.models import Checkpoint  # noqa: E402
from fangkong.passes.models import FreightPass, RouteStop, Scan  # noqa: E402
from fangkong.passes.services import freight_code, freight_pass_scan  # noqa: E402
from fangkong.territory.models import Level, Unit  # noqa: E402
from fangkong.territory.services import unit_create  # noqa: E402

CITY_CODE = "990100"
BATCH = 5000


def build(n_passes: int, rng: random.Random):
    city = unit_create(parent=None, level=Level.CITY, name="压测市", code=CITY_CODE)
    districts = [unit_create(parent=city, level=Level.DISTRICT, name=f"压测{i}区", code=f"9901{i:02d}")
                 for i in range(1, 5)]
    checkpoints = [Checkpoint.objects.create(name=f"压测卡口{i}", kind="highway_exit", unit=districts[i % 4])
                   for i in range(12)]
    scanner = User.objects.create_user(username="bench_passes_checkpoint", password="x", role=Role.CHECKPOINT,
                                       scope=districts[0])
    now = timezone.now()
    started = time.perf_counter()
    for start in range(0, n_passes, BATCH):
        rows = []
        for i in range(start, min(start + BATCH, n_passes)):
            expired = rng.random() < 0.1
            valid_from = now - datetime.timedelta(days=5 if expired else 1)
            rows.append(FreightPass(
                number=f"HB{i:08d}", status="revoked" if rng.random() < 0.05 else "issued", unit=city,
                plate=f"青A{i % 100000:05d}", driver_name="压测", driver_id_number="630102198001010019",
                driver_phone="13800138000", origin="物流园", destination="医院", cargo="medical",
                valid_from=valid_from, valid_to=valid_from + datetime.timedelta(days=3), requested_at=now))
        created = FreightPass.objects.bulk_create(rows, batch_size=BATCH)
        if connection.vendor != "postgresql" or any(p.pk is None for p in created):
            created = list(FreightPass.objects.filter(number__in=[p.number for p in rows]))
        stops = []
        for p in created:
            for position, cp in enumerate(rng.sample(checkpoints, 2), start=1):
                stops.append(RouteStop(freight_pass_id=p.pk, checkpoint=cp, position=position))
        RouteStop.objects.bulk_create(stops, batch_size=BATCH)
    print(f"built {n_passes} passes with 2 route stops each in {time.perf_counter() - started:.1f} s")
    return city, checkpoints, scanner


def wipe(city):
    from fangkong.core.paths import subtree_q

    Scan.objects.filter(subtree_q("unit__path", city.path)).delete()
    while True:
        ids = list(FreightPass.objects.filter(unit=city).values_list("pk", flat=True)[:20000])
        if not ids:
            break
        RouteStop.objects.filter(freight_pass_id__in=ids).delete()
        FreightPass.objects.filter(pk__in=ids).delete()
    Checkpoint.objects.filter(unit__path__startswith=city.path).delete()
    User.objects.filter(username="bench_passes_checkpoint").delete()
    for unit in sorted(Unit.objects.filter(path__startswith=city.path), key=lambda u: -u.depth):
        unit.delete()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--passes", type=int, default=200_000)
    parser.add_argument("--scans", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    settings.DEBUG = False  # no query log: it would slow the side that runs more queries
    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    stale = Unit.objects.filter(code=CITY_CODE).first()
    if stale:
        wipe(stale)
    city, checkpoints, scanner = build(args.passes, rng)
    try:
        checkpoint = next(cp for cp in checkpoints if cp.unit.path.startswith(scanner.scope.path))
        numbers = [f"HB{rng.randrange(args.passes):08d}" for _ in range(args.scans)]
        pass_of = FreightPass(number="")
        codes = []
        for number in numbers:
            pass_of.number = number
            code = freight_code(pass_of)
            codes.append(code[:-1] + ("A" if code[-1] != "A" else "B") if rng.random() < 0.1 else code)

        with connection.cursor() as cursor:  # warm both paths
            cursor.execute("SELECT id, status, valid_from, valid_to FROM passes_freightpass WHERE number = %s",
                           [numbers[0]])
            cursor.fetchall()
        freight_pass_scan(code=codes[0], checkpoint=checkpoint, actor=scanner)

        started = time.perf_counter()
        with connection.cursor() as cursor:
            for number in numbers:
                cursor.execute("SELECT id, status, valid_from, valid_to FROM passes_freightpass WHERE number = %s",
                               [number])
                cursor.fetchall()
        plain = args.scans / (time.perf_counter() - started)

        # The floor of any recorded scan: the same lookup plus a raw INSERT of the scan row, committed each time.
        insert = ("INSERT INTO passes_scan (kind, freight_pass_id, checkpoint_id, unit_id, at, by_id, disposition,"
                  " reason, code) VALUES ('freight', %s, %s, %s, %s, %s, 'refused', 'unknown', '')")
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for number in numbers:
                cursor.execute("SELECT id FROM passes_freightpass WHERE number = %s", [number])
                row = cursor.fetchone()
                cursor.execute(insert, [row[0] if row else None, checkpoint.pk, checkpoint.unit_id, timezone.now(),
                                        scanner.pk])
        raw_write = args.scans / (time.perf_counter() - started)

        started = time.perf_counter()
        reasons = {}
        for code in codes:
            reason = freight_pass_scan(code=code, checkpoint=checkpoint, actor=scanner).scan.reason
            reasons[reason] = reasons.get(reason, 0) + 1
        service = args.scans / (time.perf_counter() - started)

        print(f"database: {connection.vendor} {connection.Database.__name__}; Python {platform.python_version()}; "
              f"{args.passes} passes, {args.scans} scans")
        print("dispositions:", ", ".join(f"{k} {v}" for k, v in sorted(reasons.items())))
        print(f"plain SELECT by number:                 {plain:10.0f} lookups/s")
        print(f"plain SELECT + raw INSERT, autocommit:  {raw_write:10.0f} scans/s")
        print(f"freight_pass_scan (sign+lookup+route+insert): {service:10.0f} scans/s")
        print(f"ratio service / plain SELECT: {service / plain:.3f}  (plain is {plain / service:.1f}× faster)")
        print(f"ratio service / SELECT+INSERT: {service / raw_write:.3f}")
    finally:
        wipe(city)


if __name__ == "__main__":
    main()
