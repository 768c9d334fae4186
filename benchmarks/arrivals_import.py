"""Import of a 100,000-row 外地协查 list, against a plain bulk insert of the same rows.

    .venv/bin/python benchmarks/arrivals_import.py [--rows 100000] [--hand-over 500]

In a fresh SQLite file (or DATABASE_URL: give it an empty database), with a city of 40 grids:
1. the app: `coordination_list_import(hand_over=False)` on the CSV bytes — read, check every row (ID checksum,
   phone, date, destination code and scope, duplicates in the file, origin resolution through risk), then in one
   transaction find open arrivals to join and bulk-insert the arrivals, their sources and audit rows;
2. the baseline: `csv.DictReader` over the same bytes and `Arrival.objects.bulk_create` of the same rows, with no
   checks, no sources, no audit (then deleted);
3. the hand-over that follows an import (person put on file, the protocol's measures and tasks) on the first
   `--hand-over` arrivals, reported separately as arrivals/s: it runs per arrival, a chunk per transaction, in the
   background job.
Prints rows/s for each and the ratio. No test asserts any of it.
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
sys.path.insert(0, str(ROOT / "benchmarks"))

ORIGINS = ["河南省驻马店市西平县柏城街道东关社区", "河南省驻马店市遂平县常庄镇大兴村", "北京市东城区东华门街道",
           "浙江省温州市鹿城区五马街道", "山西省临汾市尧都区辛寺街街道", "湖北省武汉市江汉区", "某地不明"]


def make_id(n: int) -> str:
    """A distinct valid resident ID for each n < 20 million: the birth day and the sequence number carry n."""
    from stdnum.cn import ric

    day = datetime.date(1950, 1, 1) + datetime.timedelta(days=n // 1000)
    body = f"4117{21 + n % 3:02d}{day:%Y%m%d}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def build_csv(rows: int, grid_codes: list[str]) -> bytes:
    today = datetime.date.today()
    out = io.StringIO()
    out.write("姓名,身份证号,手机,来源地,离开日期,目的地编码,目的地址\n")
    for n in range(1, rows + 1):
        number = make_id(n)
        left = today - datetime.timedelta(days=random.randint(0, 10))
        out.write(f"旅客{n},{number},139{n:08d},{random.choice(ORIGINS)},{left.isoformat()},"
                  f"{random.choice(grid_codes)},{random.randint(1, 30)}号楼\n")
    return out.getvalue().encode("utf-8")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--hand-over", type=int, default=500, dest="hand_over")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="fk_arrivals_import_"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    if not os.environ.get("DATABASE_URL"):
        os.environ["FANGKONG_SQLITE_PATH"] = str(tmp / "bench.sqlite3")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    call_command("migrate", verbosity=0)
    from arrivals_bench_common import activate_protocol

    from fangkong.accounts.models import User
    from fangkong.accounts.roles import Role
    from fangkong.arrivals.imports import coordination_list_import, hand_over_arrivals
    from fangkong.arrivals.models import Arrival
    from fangkong.risk.services import risk_area_declare
    from fangkong.territory.models import Level, Responsibility
    from fangkong.territory.services import unit_create

    activate_protocol()
    city = unit_create(parent=None, level=Level.CITY, name="城关市", code="630800")
    district = unit_create(parent=city, level=Level.DISTRICT, name="东城区", code="630801")
    grid_codes = []
    for s in range(4):
        street = unit_create(parent=district, level=Level.STREET, name=f"街道{s}", code=f"630801{s:03d}")
        for c in range(2):
            community = unit_create(parent=street, level=Level.COMMUNITY, name=f"社区{s}{c}",
                                    code=f"{street.code}{c:03d}")
            for g in range(5):
                grid = unit_create(parent=community, level=Level.GRID, name=f"网格{g}", code=f"{community.code}G{g}")
                Responsibility.objects.create(unit=grid, role=Responsibility.Role.GRID_WORKER, name=f"网格员{g}")
                grid_codes.append(grid.code)
    officer = User.objects.create_user(username="officer", password="correct-horse-battery", role=Role.OFFICER,
                                       scope=district, display_name="officer")
    risk_area_declare(level="high", actor=None, reason="通告", code="411721", name="")
    data = build_csv(args.rows, grid_codes)

    started = time.perf_counter()
    with transaction.atomic():
        reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
        units = {code: pk for code, pk in district.__class__.objects.filter(code__in=grid_codes)
                 .values_list("code", "pk")}
        today = datetime.date.today()
        Arrival.objects.bulk_create([
            Arrival(name=r["姓名"], id_type="resident", id_number=r["身份证号"], phone=r["手机"],
                    origin_name=r["来源地"],
                    left_origin_on=datetime.date.fromisoformat(r["离开日期"]), arrived_on=today,
                    destination_id=units[r["目的地编码"]], destination_address=r["目的地址"],
                    channels=["coordination_list"]) for r in reader], batch_size=1000)
    baseline_s = time.perf_counter() - started
    Arrival.objects.all().delete()

    started = time.perf_counter()
    report = coordination_list_import(source=data, actor=officer, filename="bench.csv", hand_over=False)
    app_s = time.perf_counter() - started
    assert report.ok and report.created == args.rows, report.errors[:5]

    ids = list(Arrival.objects.order_by("pk").values_list("pk", flat=True)[: args.hand_over])
    started = time.perf_counter()
    hand_over_arrivals(arrival_ids=ids)
    hand_s = time.perf_counter() - started

    db = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite"
    print(f"{args.rows:,} rows, {len(data) / 1e6:.1f} MB CSV, {db}, load average {os.getloadavg()[0]:.1f}")
    print(f"{'':52} {'seconds':>8} {'rows/s':>9}")
    print(f"{'baseline: csv.DictReader + bulk_create, no checks':52} {baseline_s:>8.1f} {args.rows / baseline_s:>9.0f}")
    print(f"{'app: coordination_list_import (checked, all-or-none)':52} {app_s:>8.1f} {args.rows / app_s:>9.0f}")
    print(f"ratio app/baseline: {app_s / baseline_s:.1f}× the time of a plain bulk insert")
    print(f"hand-over (person, measures, tasks) of {len(ids)} arrivals: {hand_s:.1f} s, "
          f"{len(ids) / hand_s:.0f} arrivals/s")
    if not os.environ.get("DATABASE_URL"):
        for f in tmp.iterdir():
            f.unlink()
        tmp.rmdir()


if __name__ == "__main__":
    main()
