"""The isolation overview over 50,000 stays, against the plain SQL an analyst would write for the same figures.

    .venv/bin/python benchmarks/isolation_occupancy.py [--stays 50000] [--sites 30] [--rooms 10000] [--repeat 7]

Builds a fresh SQLite file (or uses DATABASE_URL if set: give it an empty database) with `--sites` sites and
`--rooms` rooms, and `--stays` stays of the last 60 days: the rooms' current people (one per occupied room) and the
released rest. Then times, median of `--repeat`:

- app: `selectors.occupancy` (rooms by site and status, people by site and category) and `selectors.queue_to_room`
  (median and 90th percentile hours from queue to room per day, 7 days), the overview's figures;
- baseline: the same figures as three plain GROUP BY queries, the hours computed in SQL where the database can
  (the percentile in Python over the 7 days' rows, as the app does);
- page: the whole `/isolation/` page through Django's test client, as the HQ (with the forecast and the reserve
  standard too);
- proposal: `--queue` people waiting (open transfer tasks, households of 1–4) proposed rooms over the free ones —
  `selectors.placement_queue` + `selectors.propose`, database reads and the allocation engine together (the
  issue's "2,000 people across 30 sites under a second").

Both must agree (asserted). No test asserts any of it.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup(tmp: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    os.environ.setdefault("FANGKONG_ALLOWED_HOSTS", "testserver,127.0.0.1")
    if not os.environ.get("DATABASE_URL"):
        os.environ["FANGKONG_SQLITE_PATH"] = str(tmp / "bench.sqlite3")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(*, stays: int, sites: int, rooms: int, queue: int = 2000, seed: int = 7):
    from django.utils import timezone

    from fangkong.accounts.models import User
    from fangkong.isolation.models import Room, Site, Stay
    from fangkong.people.models import Person
    from fangkong.territory.models import Level
    from fangkong.territory.services import unit_create

    rng = random.Random(seed)
    city = unit_create(parent=None, level=Level.CITY, name="城关市", code="630800")
    districts = [unit_create(parent=city, level=Level.DISTRICT, name=f"第{n}区", code=f"6308{n:02d}")
                 for n in range(1, 4)]
    hq = User.objects.create_user(username="hq", password="x", role="hq", scope=city)
    site_rows = Site.objects.bulk_create(Site(code=f"S{n:02d}", name=f"隔离点{n}", unit=districts[n % 3],
                                              address=f"路{n}号", reserve=3) for n in range(sites))
    per_site = rooms // sites
    room_rows = Room.objects.bulk_create(
        Room(site=site, number=f"{2 + i // 40}{i % 40:02d}", floor=2 + i // 40, beds=1)
        for site in site_rows for i in range(per_site))
    people = Person.objects.bulk_create(
        Person(name=f"人员{n}", id_number=f"X{n:09d}", unit=districts[n % 3]) for n in range(stays))
    now = timezone.now()
    categories = ["close_contact", "close_contact", "arrival", "secondary_contact", "inbound"]
    live = set(rng.sample(range(len(room_rows)), k=int(len(room_rows) * 0.6)))
    stay_rows = []
    for n, person in enumerate(people):
        room = room_rows[n % len(room_rows)]
        queued = now - timedelta(days=rng.uniform(0, 60))
        placed = queued + timedelta(hours=rng.uniform(0.2, 6))
        arrived = placed + timedelta(hours=rng.uniform(0.3, 4))
        current = n < len(room_rows) and (n % len(room_rows)) in live
        stay_rows.append(Stay(person=person, unit=person.unit, category=rng.choice(categories), room=room,
                              site=room.site, status="arrived" if current else "released", queued_at=queued,
                              placed_at=placed, picked_up_at=placed, arrived_at=arrived,
                              arrived_on=timezone.localtime(arrived).date(),
                              wait_seconds=int((arrived - queued).total_seconds()),
                              ended_at=None if current else arrived + timedelta(days=7)))
    Stay.objects.bulk_create(stay_rows, batch_size=2000)
    Room.objects.filter(pk__in=[room_rows[i].pk for i in live]).update(status="occupied")
    _queue(queue, districts, now, rng)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return hq


def _queue(count, districts, now, rng):
    """`count` people waiting for a room: households of 1–4, each with its open transfer task."""
    from fangkong.people.models import Household, Person
    from fangkong.tasks.models import Task

    households, people = [], []
    while len(people) < count:
        household = Household(unit=districts[len(households) % 3], number=f"Q{len(households)}",
                              address=f"路{len(households)}号")
        households.append(household)
        people.extend([household] * rng.randint(1, 4))
    Household.objects.bulk_create(households)
    rows = Person.objects.bulk_create(Person(name=f"待{n}", id_number=f"Q{n:09d}", unit=h.unit, household=h)
                                      for n, h in enumerate(people[:count]))
    Task.objects.bulk_create(Task(kind="transfer_to_isolation", title="转运", unit=p.unit, person=p,
                                  household=p.household, due_at=now + timedelta(hours=12)) for p in rows)


def app_figures(hq):
    from fangkong.isolation import selectors

    occupancy = selectors.occupancy(user=hq)
    days = selectors.queue_to_room(user=hq, days=7)
    return ({o.site.pk: (dict(o.by_status), dict(o.by_category)) for o in occupancy},
            [(d.day, d.arrived, d.median_hours, d.p90_hours) for d in days])


def baseline_figures():
    from collections import defaultdict
    from datetime import datetime
    from datetime import time as dtime

    datetime_utc = UTC

    from django.db import connection
    from django.utils import timezone

    rooms, people, hours = defaultdict(dict), defaultdict(dict), defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute("SELECT site_id, status, COUNT(*) FROM isolation_room GROUP BY site_id, status")
        for site, status, n in cursor.fetchall():
            rooms[site][status] = n
        cursor.execute("SELECT site_id, category, COUNT(*) FROM isolation_stay WHERE status = 'arrived' "
                       "GROUP BY site_id, category")
        for site, category, n in cursor.fetchall():
            people[site][category] = n
        since = timezone.localdate() - timedelta(days=6)
        start = timezone.make_aware(datetime.combine(since, dtime(0)))
        cursor.execute("SELECT queued_at, arrived_at FROM isolation_stay WHERE arrived_at >= %s",
                       [connection.ops.adapt_datetimefield_value(start)])
        for queued, arrived in cursor.fetchall():
            if isinstance(queued, str):  # SQLite hands back text
                from django.utils.dateparse import parse_datetime

                queued, arrived = parse_datetime(queued), parse_datetime(arrived)
            if timezone.is_naive(arrived):
                queued, arrived = (timezone.make_aware(queued, datetime_utc),
                                   timezone.make_aware(arrived, datetime_utc))
            hours[timezone.localtime(arrived).date()].append((arrived - queued).total_seconds() / 3600)

    def rank(values, fraction):
        """Nearest rank, as the app."""
        if not values:
            return None
        ordered = sorted(values)
        return ordered[int(max(1, -(-len(ordered) * fraction // 1))) - 1]

    days = [(since + timedelta(days=k)) for k in range(7)]
    return ({site: (rooms[site], people[site]) for site in rooms},
            [(d, len(hours.get(d, [])), rank(hours.get(d, []), 0.5), rank(hours.get(d, []), 0.9))
             for d in reversed(days)])


def timed(fn, repeat: int):
    fn()
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stays", type=int, default=50_000)
    parser.add_argument("--sites", type=int, default=30)
    parser.add_argument("--rooms", type=int, default=10_000)
    parser.add_argument("--queue", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fk-isolation-") as tmp:
        setup(Path(tmp))
        started = time.perf_counter()
        hq = build(stays=args.stays, sites=args.sites, rooms=args.rooms, queue=args.queue)
        print(f"built {args.stays:,} stays, {args.rooms:,} rooms in {args.sites} sites "
              f"in {time.perf_counter() - started:.1f} s")
        app_time, app = timed(lambda: app_figures(hq), args.repeat)
        base_time, base = timed(baseline_figures, args.repeat)
        app_sites = {site: (statuses, categories) for site, (statuses, categories) in app[0].items() if statuses}
        assert app_sites == {k: v for k, v in base[0].items()}, "occupancy differs"
        def rounded(rows):  # the app keeps whole seconds
            return [(d, n, None if m is None else round(m, 2), None if p is None else round(p, 2))
                    for d, n, m, p in rows]

        assert rounded(app[1]) == rounded(base[1]), "queue-to-room figures differ"
        from django.test import Client

        client = Client()
        client.force_login(hq)

        def page():
            response = client.get("/isolation/")
            assert response.status_code == 200
            return len(response.content)

        page_time, size = timed(page, args.repeat)
        from fangkong.isolation import selectors

        def proposal():
            entries = selectors.placement_queue(user=hq)
            result = selectors.propose(user=hq, entries=entries)
            return len(entries), sum(len(m) for m, _room in result.groups)

        propose_time, (queued, placed) = timed(proposal, args.repeat)
        print(f"app figures   {app_time * 1000:8.1f} ms")
        print(f"baseline SQL  {base_time * 1000:8.1f} ms   ratio baseline/app {base_time / app_time:.2f}")
        print(f"whole page    {page_time * 1000:8.1f} ms   ({size:,} bytes, with forecast and reserve standard)")
        print(f"proposal      {propose_time * 1000:8.1f} ms   ({queued:,} queued, {placed:,} proposed a room)")


if __name__ == "__main__":
    main()
