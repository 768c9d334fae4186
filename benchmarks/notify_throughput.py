"""Messages per second through notify's queue and db worker, against a bare sequential loop to the same gateway.

    .venv/bin/python benchmarks/notify_throughput.py [--messages 20000] [--databases sqlite,postgres]
        [--postgres postgres://postgres@127.0.0.1:5432]

Starts the fake SMS gateway (fangkong.notify.gateway_fake) in its own process on 127.0.0.1, as a real gateway is
another service, then for each database, in a fresh process: SQLite in a new temporary file; PostgreSQL in a
throwaway database (created, migrated, dropped). Each times, in the same run:

- baseline: N bare `http.Backend().send()` calls in a sequential loop (sign, post, parse), nothing recorded;
- baseline, 16 threads: the same posts from NOTIFY_CONCURRENCY threads (what the gateway itself can take);
- queue: `message_queue()` for N messages to N numbers (render, record; the database task queue gets one
  drain, not one entry per message);
- worker: the real `db_worker --batch` (django-tasks-db's worker loop, run in the benchmark's process, as
  `fangkong worker` runs it) runs the drain: batches of NOTIFY_BATCH claimed in one statement, sent through the
  HTTP backend by NOTIFY_CONCURRENCY threads, outcomes written in bulk.

Asserts N deliveries at the gateway for each side, each id once, and N rows delivered. Prints messages/s and the
ratios (worker ÷ baseline). No test asserts any of it.
"""

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SECRET = "benchmark-secret"
TEXT = "【防控】您已于2026年12月1日解除管理。"


# --- the gateway, in its own process ------------------------------------------------------------------------------


def serve_gateway(pipe, latency: float) -> None:
    from fangkong.notify.gateway_fake import FakeGateway

    with FakeGateway(secret=SECRET, latency=latency) as gateway:
        pipe.send(gateway.url)
        pipe.recv()  # until the parent says stop


@contextmanager
def gateway_process(latency_ms: float):
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=serve_gateway, args=(theirs, latency_ms / 1000), daemon=True)
    process.start()
    try:
        yield ours.recv()
    finally:
        ours.send("stop")
        process.join(timeout=10)


def gateway_stats(url: str) -> dict:
    import httpx

    return httpx.get(url.rsplit("/", 1)[0] + "/stats").json()


# --- one database, in a fresh process ---------------------------------------------------------------------------


def child(n: int, url: str) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    import logging

    import django
    from django.conf import settings

    django.setup()
    settings.DEBUG = False
    settings.NOTIFY_BACKEND = "fangkong.notify.backends.http.Backend"
    settings.NOTIFY_SMS_URL = url
    settings.NOTIFY_SMS_SECRET = SECRET
    settings.NOTIFY_QUIET_HOURS = ""
    for name in ("django_tasks", "django_tasks_db", "httpx"):
        logging.getLogger(name).setLevel(logging.WARNING)
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    result = {"database": connection.vendor, "messages": n, "migrate_s": time.perf_counter() - started,
              "batch": int(getattr(settings, "NOTIFY_BATCH", 200)),
              "concurrency": int(getattr(settings, "NOTIFY_CONCURRENCY", 16))}

    from fangkong.notify.backends.http import Backend

    backend = Backend()
    before = gateway_stats(url)
    started = time.perf_counter()
    for i in range(n):
        backend.send(message_id=10**9 + i, phone=f"139{i:08d}", text=TEXT, kind="release")
    result["baseline_s"] = time.perf_counter() - started

    from concurrent.futures import ThreadPoolExecutor

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=result["concurrency"]) as pool:
        list(pool.map(lambda i: backend.send(message_id=2 * 10**9 + i, phone=f"137{i:08d}", text=TEXT,
                                             kind="release"), range(n)))
    result["baseline_threads_s"] = time.perf_counter() - started
    after_baseline = gateway_stats(url)
    assert after_baseline["unique_delivered"] - before["unique_delivered"] == 2 * n, after_baseline

    from django_tasks_db.models import DBTaskResult

    from fangkong.notify.models import Message
    from fangkong.notify.services import message_queue

    started = time.perf_counter()
    for i in range(n):
        message_queue(kind="release", phone=f"138{i:08d}", context={"day": "2026-12-01"}, event_key=f"bench:{i}")
    result["queue_s"] = time.perf_counter() - started
    result["queue_entries"] = DBTaskResult.objects.count()
    started = time.perf_counter()
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)
    result["worker_s"] = time.perf_counter() - started
    result["drains_run"] = DBTaskResult.objects.count()
    after = gateway_stats(url)
    assert after["unique_delivered"] - after_baseline["unique_delivered"] == n, after
    assert after["requests"] - after_baseline["requests"] == n, after  # each message posted once
    assert after["bad_signatures"] == 0
    assert Message.objects.filter(status="delivered").count() == n
    return result


def run_child(n: int, url: str, database_url: str | None, tmp: Path) -> dict:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        env["FANGKONG_SQLITE_PATH"] = str(tmp / "bench.sqlite3")
    out = subprocess.run([sys.executable, __file__, "--child", "--messages", str(n), "--gateway", url],
                         env=env, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432",
                        help="a server where a throwaway database may be created")
    parser.add_argument("--latency-ms", type=float, default=0,
                        help="the fake gateway waits this long before each answer (a remote gateway's round trip)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--gateway", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.messages, args.gateway)))
        return

    results = []
    for database in args.databases.split(","):
        # A fresh gateway per database: it dedupes on the message id, and each database numbers from 1.
        with tempfile.TemporaryDirectory() as tmp, gateway_process(args.latency_ms) as url:
            if database == "postgres":
                name = f"fangkong_notify_bench_{os.getpid()}"
                server = args.postgres.rstrip("/")
                subprocess.run(["createdb", "--maintenance-db", f"{server}/postgres", name], check=True)
                try:
                    results.append(run_child(args.messages, url, f"{server}/{name}", Path(tmp)))
                finally:
                    subprocess.run(["dropdb", "--maintenance-db", f"{server}/postgres", name], check=True)
            else:
                results.append(run_child(args.messages, url, None, Path(tmp)))

    if args.latency_ms:
        print(f"gateway latency: {args.latency_ms:g} ms per request")
    print(f"{'database':<12}{'path':<58}{'messages':>10}{'seconds':>10}{'msg/s':>10}")
    for r in results:
        n, db = r["messages"], r["database"]
        rows = [
            ("baseline: bare signed posts, sequential loop", r["baseline_s"]),
            (f"bare signed posts, {r['concurrency']} threads (the gateway's ceiling)", r["baseline_threads_s"]),
            ("app: message_queue (record + drain wake-up)", r["queue_s"]),
            (f"app: db_worker --batch, drains (batch {r['batch']}, {r['concurrency']} threads)", r["worker_s"]),
            ("app: message_queue + db_worker, end to end", r["queue_s"] + r["worker_s"]),
        ]
        for label, seconds in rows:
            print(f"{db:<12}{label:<58}{n:>10}{seconds:>10.1f}{n / seconds:>10.0f}")
        print(f"{db:<12}task queue entries for {n} messages: {r['queue_entries']} (drain tasks run: "
              f"{r['drains_run']})")
        print(f"{db:<12}ratio worker/baseline (msg/s): {r['baseline_s'] / r['worker_s']:.2f} (sending), "
              f"{r['baseline_s'] / (r['queue_s'] + r['worker_s']):.2f} (end to end)")


if __name__ == "__main__":
    main()
