"""Passage registration through the API under concurrent load, against a minimal Django view writing one row.

    .venv/bin/python benchmarks/arrivals_load.py [--seconds 20] [--concurrency 8] [--workers 3] [--keep]

Builds a small city in a fresh SQLite file (or uses DATABASE_URL if set: give it an empty database), starts
gunicorn as `fangkong serve --prod` does (same WSGI app, --workers), then for a fixed time each side keeps
`--concurrency` threads posting on 127.0.0.1 with keep-alive: first the baseline (parse the same JSON body, write one
row), then POST /api/.../arrivals/passages (a car of 1–3 travellers, half of them from a high-risk area: validation,
origin resolution, disposition, passage + occupants, and for each traveller who enters an arrival, a person on file
and the protocol's measures and tasks). Prints requests/s, p50/p95 latency, errors, and the ratio. No test asserts
any of it.
"""

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

ORIGINS_HIGH = ["河南省驻马店市西平县柏城街道东关社区", "河南省驻马店市西平县城关镇"]
ORIGINS_LOW = ["北京市东城区东华门街道", "浙江省温州市鹿城区五马街道", "山西省临汾市尧都区辛寺街街道"]


def setup_site(tmp: Path) -> dict:
    os.environ["DJANGO_SETTINGS_MODULE"] = "arrivals_bench_settings"
    if not os.environ.get("DATABASE_URL"):
        os.environ["FANGKONG_SQLITE_PATH"] = str(tmp / "bench.sqlite3")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from arrivals_bench_common import activate_protocol

    from fangkong.accounts.models import ApiToken, User
    from fangkong.accounts.roles import Role
    from fangkong.arrivals.models import Checkpoint
    from fangkong.risk.services import risk_area_declare
    from fangkong.territory.models import Level, Responsibility
    from fangkong.territory.services import unit_create

    activate_protocol()
    city = unit_create(parent=None, level=Level.CITY, name="城关市", code="630800")
    district = unit_create(parent=city, level=Level.DISTRICT, name="东城区", code="630801")
    street = unit_create(parent=district, level=Level.STREET, name="东城街道", code="630801001")
    community = unit_create(parent=street, level=Level.COMMUNITY, name="东一社区", code="630801001001")
    grids = [unit_create(parent=community, level=Level.GRID, name=f"网格{i}", code=f"630801001001G{i}")
             for i in range(1, 6)]
    staff = User.objects.create_user(username="checkpoint", password="correct-horse-battery", role=Role.CHECKPOINT,
                                     scope=district, display_name="checkpoint")
    for i, grid in enumerate(grids):
        worker = User.objects.create_user(username=f"grid{i}", password="correct-horse-battery",
                                          role=Role.GRID_WORKER, scope=grid, display_name=f"grid{i}")
        Responsibility.objects.create(unit=grid, role=Responsibility.Role.GRID_WORKER, user=worker, name=f"网格员{i}")
    risk_area_declare(level="high", actor=None, reason="通告", code="411721", name="")
    checkpoint = Checkpoint.objects.create(name="高速口", kind="highway_exit", unit=district)
    _token, raw = ApiToken.issue(user=staff, name="bench")
    return {"token": raw, "checkpoint": checkpoint.pk, "grids": [g.code for g in grids]}


def make_id(n: int) -> str:
    from stdnum.cn import ric

    body = f"110101{1960 + n % 50}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def payload(site: dict, counter) -> dict:
    occupants = []
    for _ in range(random.randint(1, 3)):
        n = next(counter)
        high = random.random() < 0.5
        occupants.append({
            "name": f"旅客{n}", "id_number": make_id(n), "phone": f"138{n:08d}"[-11:], "temperature": "36.5",
            "health_code": "green", "negative_test_within_48h": True,
            "origin_text": random.choice(ORIGINS_HIGH if high else ORIGINS_LOW),
            "destination": random.choice(site["grids"]), "destination_address": "1号楼",
        })
    return {"checkpoint_id": site["checkpoint"], "client_key": uuid.uuid4().hex, "plate": "豫Q12345",
            "occupants": occupants}


def run_load(port: int, path: str, site: dict, seconds: float, concurrency: int, counter) -> dict:
    latencies, errors, lock = [], [0], threading.Lock()
    deadline = time.monotonic() + seconds
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {site['token']}"}

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine, bad = [], 0
        while time.monotonic() < deadline:
            with lock:
                body = json.dumps(payload(site, counter))
            started = time.perf_counter()
            try:
                conn.request("POST", path, body=body.encode(), headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status >= 300:
                    bad += 1
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    return {"requests": len(latencies), "errors": errors[0], "rps": len(latencies) / elapsed,
            "p50_ms": statistics.median(latencies) * 1000 if latencies else None,
            "p95_ms": latencies[int(0.95 * (len(latencies) - 1))] * 1000 if latencies else None}


def wait_ready(port: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status < 500:
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("server did not start")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--keep", action="store_true", help="keep the temporary database")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="fk_arrivals_bench_"))
    site = setup_site(tmp)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "benchmarks")])}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "fangkong.wsgi", "--bind", f"127.0.0.1:{args.port}",
                               "--workers", str(args.workers), "--timeout", "120", "--log-level", "warning"],
                              env=env, cwd=str(ROOT))
    import itertools

    counter = itertools.count(1)
    try:
        wait_ready(args.port)
        # A short warm-up of both paths (imports, cpca's tables, connections), not counted.
        run_load(args.port, "/bench/baseline", site, 2, 2, counter)
        run_load(args.port, "/api/v1/arrivals/passages", site, 3, 2, counter)
        baseline = run_load(args.port, "/bench/baseline", site, args.seconds, args.concurrency, counter)
        app = run_load(args.port, "/api/v1/arrivals/passages", site, args.seconds, args.concurrency, counter)
    finally:
        server.terminate()
        server.wait(timeout=30)
    from fangkong.arrivals.models import Arrival, Occupant, Passage

    print(f"gunicorn workers={args.workers}, concurrency={args.concurrency}, {args.seconds:.0f} s per side, "
          f"database={'PostgreSQL' if os.environ.get('DATABASE_URL') else 'SQLite'}, load average "
          f"{os.getloadavg()[0]:.1f}")
    print(f"{'endpoint':44} {'requests':>9} {'errors':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8}")
    for label, r in (("baseline: minimal view writing one row", baseline),
                     ("POST passages (1–3 travellers, API)", app)):
        print(f"{label:44} {r['requests']:>9} {r['errors']:>7} {r['rps']:>8.1f} {r['p50_ms']:>8.1f} "
              f"{r['p95_ms']:>8.1f}")
    print(f"ratio app/baseline: throughput {app['rps'] / baseline['rps']:.2f}×, "
          f"p95 {app['p95_ms'] / baseline['p95_ms']:.1f}×")
    print(f"stored: {Passage.objects.count()} passages, {Occupant.objects.count()} occupants, "
          f"{Arrival.objects.count()} arrivals")
    if not args.keep and not os.environ.get("DATABASE_URL"):
        for f in tmp.iterdir():
            f.unlink()
        tmp.rmdir()


if __name__ == "__main__":
    main()
