"""A bounded load test of the field workloads at once, on loopback only (issue #9).

It starts `fangkong serve --prod` (gunicorn) on 127.0.0.1 against the database the environment names (a demo
city built beforehand: `fangkong demo --size small --no-serve`), then runs a fixed number of asyncio clients for
a fixed time, each picking a workload by weight:

- task_update  — a grid worker closes a first-contact task (POST, a real write with audit and history)
- inbox        — a grid worker reads the inbox
- search       — the HQ searches people by a name prefix
- children     — the HQ reads a district's children with counts (the tree page's query)
- dashboard    — the HQ reads a district's situation dashboard (/api/v1/command/nodes/{id}, from the snapshot)
- passage      — checkpoint staff record a car of 1–3 travellers at their checkpoint (POST /api/v1/arrivals/passages,
                 what the checkpoint phone page sends: validation, origin resolution against the risk areas in
                 force, the protocol's disposition, the passage and its occupants, an arrival for each traveller
                 who enters); each answer's dispositions are checked against what the protocol decides for the
                 travellers sent (only when the demo has checkpoint staff and a checkpoint they may register at)
- tube_scan    — a sampler opens a 10-in-1 tube and scans ten residents into it (11 POSTs, timed as one; only
                 when the demo has a sampler and a sampling point: a round of its own over the point's node is
                 opened for the run, so that everyone there is still to sample, and closed at the end)

after an untimed warm-up (each workload at once on every gunicorn worker), and reports per workload: requests,
errors, throughput, p50/p95/p99 latency. Any error, the warm-up's included, is printed and makes the
exit status 1. Nothing here leaves 127.0.0.1.

    .venv/bin/python benchmarks/load.py --duration 30 --clients 16
"""

import argparse
import asyncio
import datetime
import logging
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path

import django
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
django.setup()

from django.utils import timezone  # noqa: E402

from fangkong.accounts.models import ApiToken, User  # noqa: E402
from fangkong.people.models import Person  # noqa: E402
from fangkong.tasks.services import TaskSpec, task_create_many  # noqa: E402
from fangkong.territory.models import Level, Unit  # noqa: E402

logging.getLogger("httpx").setLevel(logging.WARNING)
SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "wang", "zh", "ch", "l"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(tasks_wanted: int):
    grid = User.objects.get(username="grid1")
    hq = User.objects.get(username="hq")
    people = list(Person.objects.visible_to(grid).filter(merged_into__isnull=True).select_related("unit")
                  .order_by("pk")[:tasks_wanted])
    stamp = int(time.time())
    specs = [TaskSpec(title=f"负载测试 {p.pk}", unit=p.unit, person=p, owner=grid, dedupe_key=f"load:{stamp}:{p.pk}")
             for p in people]
    created, _ = task_create_many(kind="first_contact", specs=specs)
    district = Unit.objects.filter(level=Level.DISTRICT).order_by("pk").first()
    tokens = {name: ApiToken.issue(user=user, name=f"load test {stamp}")[1] for name, user in
              [("grid", grid), ("hq", hq)]}
    return [t.pk for t in created], district.pk, tokens


def prepare_sampling(stamp: int) -> dict | None:
    """For tube_scan: a round of the run's own over the first sampling point's node, and the IDs to scan there."""
    from fangkong.core.paths import subtree_q
    from fangkong.testing import services as testing
    from fangkong.testing.models import SamplingPoint

    sampler = User.objects.filter(role="sampler", is_active=True).order_by("pk").first()
    point = (SamplingPoint.objects.visible_to(sampler, "sample").filter(active=True).select_related("unit")
             .order_by("pk").first()) if sampler else None
    if point is None:
        return None
    now = timezone.now()
    round_ = testing.round_create(code=f"LOAD-{stamp}", name=f"负载测试 {stamp}", nodes=[point.unit],
                                  starts_at=now - datetime.timedelta(minutes=1),
                                  ends_at=now + datetime.timedelta(days=1), pool_size=10, actor=None)
    ids = list(Person.objects.filter(subtree_q("unit__path", point.unit.path), merged_into__isnull=True,
                                     id_type="resident").order_by("pk").values_list("id_number", flat=True)[:50_000])
    return {"round": round_, "point_id": point.pk, "ids": ids, "stamp": stamp,
            "token": ApiToken.issue(user=sampler, name=f"load test {stamp}")[1]}


# Origins of the demo's "keep imports out" scene (fangkong.demo.outbreak): 西平县 is a high-risk area, 石家庄市 a
# medium one; the third is in no risk area. Each is checked against the risk areas in force before the run.
ORIGINS = {"high": "河南省驻马店市西平县柏城街道", "medium": "河北省石家庄市长安区", None: "北京市东城区东华门街道"}


def prepare_passages(stamp: int) -> dict | None:
    """For passage: the checkpoint the checkpoint staffer registers at, destinations, and what the protocol
    decides for each origin (so that every answer can be checked, not only its status)."""
    from fangkong.arrivals.engine.disposition import decide
    from fangkong.arrivals.models import Checkpoint
    from fangkong.arrivals.origins import assess_origin, fever_threshold

    staff = User.objects.filter(role="checkpoint", is_active=True).order_by("pk").first()
    checkpoint = (Checkpoint.objects.visible_to(staff, "register").filter(active=True).select_related("unit")
                  .order_by("pk").first()) if staff else None
    if checkpoint is None:
        return None
    city_path = "/" + checkpoint.unit.path.strip("/").split("/")[0] + "/"
    grids = list(Unit.objects.filter(level=Level.GRID, path__startswith=city_path).order_by("pk")
                 .values_list("pk", flat=True)[:500])
    threshold = fever_threshold()
    expected = {}
    for level, text in ORIGINS.items():
        origin = assess_origin(text)
        if origin.level != level or not origin.resolved:
            raise SystemExit(f"passage: {text} should be a {level or 'no'}-risk origin here, the risk areas say "
                             f"{origin.level or 'none'}: is this the demo city?")
        for fever in (False, True):
            expected[(level, fever)] = decide(
                temperature=threshold + 1 if fever else threshold - 1, fever_threshold=threshold,
                health_code="green", negative_test_within_48h=True, origin_level=level,
                origin_resolved=origin.resolved).disposition.value
    return {"checkpoint_id": checkpoint.pk, "grids": grids, "threshold": threshold, "expected": expected,
            "stamp": stamp, "token": ApiToken.issue(user=staff, name=f"load test passages {stamp}")[1]}


class Workloads:
    def __init__(self, tasks: list[int], district_id: int, tokens: dict[str, str], sampling: dict | None = None,
                 passages: dict | None = None):
        self.tasks = tasks
        self.district_id = district_id
        self.tokens = tokens
        self.passages = passages
        self.travellers = 0
        if passages is not None:
            self.tokens["checkpoint"] = passages["token"]
        self.sampling = sampling
        self.tubes = 0
        if sampling is not None:
            self.tokens["sampler"] = sampling["token"]

    def headers(self, who: str) -> dict:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    async def task_update(self, client: httpx.AsyncClient):
        if not self.tasks:
            return None
        task_id = self.tasks.pop()
        return await client.post(f"/api/v1/tasks/tasks/{task_id}/complete", headers=self.headers("grid"),
                                 json={"outcome": "contacted", "note": "负载测试"})

    async def inbox(self, client):
        return await client.get("/api/v1/tasks/inbox", headers=self.headers("grid"))

    async def search(self, client):
        return await client.get("/api/v1/people/persons", params={"q": random.choice(SURNAMES)},
                                headers=self.headers("hq"))

    async def children(self, client):
        return await client.get(f"/api/v1/territory/units/{self.district_id}/children", headers=self.headers("hq"))

    async def dashboard(self, client):
        """The HQ's situation dashboard of a district (the command module's API: the snapshot's rows)."""
        return await client.get(f"/api/v1/command/nodes/{self.district_id}", headers=self.headers("hq"))

    async def passage(self, client):
        """A car of 1–3 travellers; one in ten runs a fever. 599 when a disposition is not the protocol's."""
        from fangkong.demo.ids import resident_id

        site = self.passages
        if site is None:
            return None
        occupants, expected = [], []
        for _ in range(random.randint(1, 3)):
            self.travellers += 1
            n = self.travellers
            level = random.choice(list(ORIGINS))
            fever = random.random() < 0.1
            birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=(site["stamp"] + 37 * n) % 20_000)
            temperature = site["threshold"] + (1 if fever else -1)
            occupants.append({
                "name": f"旅客{n}", "id_number": resident_id("130102", birth, n), "phone": "",
                "temperature": str(temperature), "health_code": "green", "negative_test_within_48h": True,
                "origin_text": ORIGINS[level], "destination": random.choice(site["grids"]),
                "destination_address": "1号楼"})
            expected.append(site["expected"][(level, fever)])
        response = await client.post("/api/v1/arrivals/passages", headers=self.headers("checkpoint"), json={
            "checkpoint_id": site["checkpoint_id"], "client_key": uuid.uuid4().hex, "plate": "冀A12345",
            "occupants": occupants})
        if response.status_code == 201:
            got = [o["disposition"] for o in response.json()["occupants"]]
            if got != expected:
                response.status_code = 599
                response._content = f"dispositions {got}, the protocol says {expected}".encode()
        elif response.status_code < 400:
            response.status_code = 599  # a new client_key must record a new passage (201), never resend (200)
        return response

    async def tube_scan(self, client):
        """Open a tube and scan ten people into it; the first failing answer, else the tenth (the tube closed)."""
        sampling = self.sampling
        if sampling is None or len(sampling["ids"]) < 10:
            return None
        people = [sampling["ids"].pop() for _ in range(10)]
        self.tubes += 1
        code = f"LD{sampling['stamp']}{self.tubes:05d}"
        headers = self.headers("sampler")
        response = await client.post("/api/v1/testing/tubes", headers=headers, json={
            "round": sampling["round"].code, "point_id": sampling["point_id"], "code": code})
        for id_number in people:
            if response.status_code >= 400:
                return response
            response = await client.post(f"/api/v1/testing/tubes/{code}/samples", headers=headers,
                                         json={"id_number": id_number})
        if response.status_code < 400 and response.json()["tube"]["status"] != "closed":
            response.status_code = 599  # ten scans must close a 10-in-1 tube
        return response


WEIGHTS = {"task_update": 3, "inbox": 4, "search": 3, "children": 2, "passage": 2, "tube_scan": 1,
           "dashboard": 2}


async def warm_up(base: str, work: Workloads, concurrent: int, errors) -> None:
    """Every workload `concurrent` times at once, untimed: a gunicorn worker's first request loads the URLconf
    and every app's views, seconds on a busy machine, which is start-up and not the workload. Sync workers take
    one request each, so as many at once as twice the workers reach all of them. Errors still count."""
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        async def one(name):
            try:
                response = await getattr(work, name)(client)
            except httpx.HTTPError as exc:
                errors[name].append(f"warm-up: {exc!r}")
                return
            if response is not None and response.status_code >= 400:
                errors[name].append(f"warm-up: {response.status_code} {response.text[:200]}")

        for name in WEIGHTS:
            await asyncio.gather(*(one(name) for _ in range(concurrent)))


async def client_loop(base: str, work: Workloads, until: float, results, errors):
    names = list(WEIGHTS)
    weights = [WEIGHTS[n] for n in names]
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        while time.monotonic() < until:
            name = random.choices(names, weights)[0]
            started = time.perf_counter()
            try:
                response = await getattr(work, name)(client)
            except httpx.HTTPError as exc:
                errors[name].append(repr(exc))
                continue
            if response is None:
                continue
            results[name].append(time.perf_counter() - started)
            if response.status_code >= 400:
                errors[name].append(f"{response.status_code} {response.text[:200]}")


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--skip", default="", help="workloads to leave out, comma-separated (e.g. children)")
    args = parser.parse_args()
    for name in filter(None, args.skip.split(",")):
        WEIGHTS.pop(name.strip())

    tasks, district_id, tokens = prepare(tasks_wanted=20_000)
    sampling = prepare_sampling(int(time.time())) if "tube_scan" in WEIGHTS else None
    if sampling is None:
        WEIGHTS.pop("tube_scan", None)
    passages = prepare_passages(int(time.time())) if "passage" in WEIGHTS else None
    if passages is None:
        WEIGHTS.pop("passage", None)
    port = free_port()
    # Production settings (serve --prod refuses anything else), over plain HTTP on loopback: no HTTPS redirect.
    # The clients use bearer tokens, so the secure-only cookies do not matter.
    env = dict(os.environ, FANGKONG_PRODUCTION="1", FANGKONG_SECRET_KEY=os.urandom(32).hex(),
               FANGKONG_ALLOWED_HOSTS="127.0.0.1", FANGKONG_SSL_REDIRECT="0", FANGKONG_DEBUG="0",
               FANGKONG_LOG_LEVEL="WARNING")
    server = subprocess.Popen([sys.executable, "-m", "fangkong.cli", "serve", "--prod", "--addr", f"127.0.0.1:{port}",
                               "--workers", str(args.workers)], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the server did not start: " + (server.stderr.read() if server.poll() else ""))
            time.sleep(0.5)
        results, errors = defaultdict(list), defaultdict(list)
        work = Workloads(tasks, district_id, tokens, sampling, passages)
        asyncio.run(warm_up(base, work, max(2 * args.workers, args.clients), errors))
        until = time.monotonic() + args.duration
        started = time.monotonic()

        async def run():
            await asyncio.gather(*(client_loop(base, work, until, results, errors) for _ in range(args.clients)))

        asyncio.run(run())
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
        if sampling is not None:
            from fangkong.testing.services import round_status_set

            round_status_set(round_=sampling["round"], status="closed", actor=None)

    print(f"{args.clients} clients, {args.duration:.0f} s, gunicorn ×{args.workers}, "
          f"{django.db.connection.vendor}, {timezone.now():%Y-%m-%d %H:%M}")
    print(f"{'workload':<12} {'requests':>9} {'errors':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    total = 0
    for name in WEIGHTS:
        times = results[name]
        total += len(times)
        if not times:
            print(f"{name:<12} {'—':>9}")
            continue
        print(f"{name:<12} {len(times):>9} {len(errors[name]):>7} {len(times) / elapsed:>8.1f} "
              f"{statistics.median(times) * 1000:>8.1f} {percentile(times, 0.95) * 1000:>8.1f} "
              f"{percentile(times, 0.99) * 1000:>8.1f}")
    print(f"{'all':<12} {total:>9} {sum(len(e) for e in errors.values()):>7} {total / elapsed:>8.1f}")
    for name, messages in errors.items():
        for message in messages[:3]:
            print(f"error in {name}: {message}")
    sys.exit(1 if any(errors.values()) else 0)


if __name__ == "__main__":
    main()
