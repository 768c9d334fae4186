"""Mass testing at city scale, on PostgreSQL: the recall list and the coverage of a 10-million-sample round.

    createdb -h 127.0.0.1 -U postgres fk_bench_city
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/fk_bench_city
    .venv/bin/fangkong migrate
    .venv/bin/python benchmarks/testing_city.py [--samples 10000000] [--grids 16000] [--positives 1000]

Builds (once; `--rebuild` wipes and builds again) a round of `--samples` samples in tubes of 10 over a city of
`--grids` grids (16 districts › 10 streets each › communities of 10 grids › 4 buildings a grid, one sampling
point per community), with `--positives` positive tubes. Tubes and samples go in by COPY into the real tables,
their indexes and constraints dropped during the load and rebuilt after it (then ANALYZE), so the tables end
up exactly as the migrations make them. Persons: only the members of the positive tubes are on file (in
households of five, with addresses); every other sample is a scan of someone not on file (person_id NULL),
which the queries timed here never read. The coverage counters (one row per grid) are written as the app
would have kept them.

Then, each warmed once and repeated `--repeat` times (median), against the plain SQL an analyst would write:
1. recall — `selectors.recall_rows(user=hq)` and `recall_rows_all` (the CLI's), all members of the positive
   tubes, against the same join written by hand;
2. coverage — `selectors.coverage` for the city root and for a district (from the per-grid counters), against
   `SELECT cell_id, count(*) FROM testing_sample … GROUP BY cell_id` straight from the samples.
Prints ms and ratios (baseline ÷ app: above 1, the app is faster). No test asserts any of it.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.utils import timezone  # noqa: E402

from fangkong.accounts.models import User  # noqa: E402
from fangkong.accounts.roles import Role  # noqa: E402
from fangkong.core.paths import child_path  # noqa: E402
from fangkong.demo.city import write_rows  # noqa: E402
from fangkong.people.models import Household, Person  # noqa: E402
from fangkong.territory.models import Level, Unit  # noqa: E402
from fangkong.testing import selectors  # noqa: E402
from fangkong.testing.models import Coverage, Lab, Round, Sample, SamplingPoint, Tube  # noqa: E402

ROUND_CODE = "BENCH-CITY"
CITY_CODE = "BENCH00"
DISTRICTS, STREETS_PER_DISTRICT, GRIDS_PER_COMMUNITY, BUILDINGS_PER_GRID = 16, 10, 10, 4
POOL = 10
LABS = 8
CHUNK = 200_000


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def _next_id(model) -> int:
    return (model.objects.aggregate(m=Max("id"))["m"] or 0) + 1


# --- the load ----------------------------------------------------------------------------------------------


class Loose:
    """Drop a table's secondary indexes and its foreign-key and unique constraints for a COPY, and put them back
    after it (foreign keys NOT VALID: the rows are generated consistent, and validating 10 M rows would time the
    benchmark's own loader, not the app)."""

    def __init__(self, table: str):
        self.table = table

    def __enter__(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                           "WHERE conrelid = %s::regclass AND contype IN ('f', 'u')", [self.table])
            self.constraints = cursor.fetchall()
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
                           "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
                           [self.table, self.table])
            self.indexes = cursor.fetchall()
            for name, _definition in self.constraints:
                cursor.execute(f'ALTER TABLE "{self.table}" DROP CONSTRAINT "{name}"')
            for name, _definition in self.indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        return self

    def __exit__(self, *exc):
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            for name, definition in self.indexes:
                started = time.perf_counter()
                cursor.execute(definition)
                log(f"  index {name}: {time.perf_counter() - started:.1f} s")
            for name, definition in self.constraints:
                suffix = " NOT VALID" if definition.startswith("FOREIGN KEY") else ""
                cursor.execute(f'ALTER TABLE "{self.table}" ADD CONSTRAINT "{name}" {definition}{suffix}')
        return False


def copy_text(table: str, columns: list[str], lines) -> int:
    """COPY tab-separated lines (no tab, newline or backslash in the values; \\N for NULL) in big writes."""
    column_list = ", ".join(f'"{c}"' for c in columns)
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(f'COPY "{table}" ({column_list}) FROM STDIN') as copy:
        buffer = []
        for line in lines:
            buffer.append(line)
            if len(buffer) >= CHUNK:
                copy.write("".join(buffer))
                count += len(buffer)
                buffer = []
        if buffer:
            copy.write("".join(buffer))
            count += len(buffer)
    return count


def _columns(model) -> list[str]:
    return [f.column for f in model._meta.concrete_fields]


def build(*, samples: int, grids: int, positives: int) -> Round:
    started = time.perf_counter()
    tubes_count = samples // POOL
    communities = max(DISTRICTS * STREETS_PER_DISTRICT, grids // GRIDS_PER_COMMUNITY)
    grids = communities * GRIDS_PER_COMMUNITY
    now = timezone.now().replace(microsecond=0)
    round_start = now - datetime.timedelta(hours=20)

    # The tree, ids and paths planned here and written by COPY.
    next_id = iter(range(_next_id(Unit), 1 << 62))
    units, tree = [], {"districts": [], "communities": [], "grids": [], "buildings": []}

    def add(parent, level, name, code):
        unit_id = next(next_id)
        path = child_path(parent[1] if parent else "", unit_id)
        units.append((unit_id, parent[0] if parent else None, level, name, code, path, path.count("/") - 2))
        return unit_id, path

    city = add(None, Level.CITY, "基准市", CITY_CODE)
    per_street = communities // (DISTRICTS * STREETS_PER_DISTRICT)
    for d in range(DISTRICTS):
        district = add(city, Level.DISTRICT, f"第{d + 1}区", f"{CITY_CODE}D{d:02d}")
        tree["districts"].append(district)
        for s in range(STREETS_PER_DISTRICT):
            street = add(district, Level.STREET, f"第{s + 1}街道", f"{CITY_CODE}D{d:02d}S{s:02d}")
            for c in range(per_street):
                c_code = f"{CITY_CODE}D{d:02d}S{s:02d}C{c:03d}"
                community = add(street, Level.COMMUNITY, f"第{c + 1}社区", c_code)
                tree["communities"].append(community)
                for g in range(GRIDS_PER_COMMUNITY):
                    grid = add(community, Level.GRID, f"第{g + 1}网格", f"{c_code}G{g:02d}")
                    tree["grids"].append((grid, community))
                    for b in range(BUILDINGS_PER_GRID):
                        tree["buildings"].append((add(grid, Level.BUILDING, f"{b + 1}号楼", f"{c_code}G{g:02d}B{b}"),
                                                  grid))
    with transaction.atomic():
        write_rows(Unit, ("id", "parent_id", "level", "name", "code", "path", "depth"), units)
    grids = len(tree["grids"])
    log(f"territory: {len(units):,} units, {grids:,} grids ({time.perf_counter() - started:.1f} s)")

    if not User.objects.filter(username="bench-hq").exists():
        User.objects.create_user(username="bench-hq", password="x", role=Role.HQ, scope_id=city[0])
    round_ = Round.objects.create(code=ROUND_CODE, name="基准市全员核酸", unit_id=city[0], starts_at=round_start,
                                  ends_at=now + datetime.timedelta(hours=4), pool_size=POOL,
                                  status=Round.Status.RUNNING, target_total=0)
    round_.nodes.set([city[0]])
    labs = Lab.objects.bulk_create([Lab(code=f"BENCH-LAB{n}", name=f"第{n + 1}检测实验室", unit_id=city[0])
                                    for n in range(LABS)])
    points = SamplingPoint.objects.bulk_create([
        SamplingPoint(code=f"BENCH-P{n:05d}", name=f"第{n + 1}采样点", unit_id=community[0],
                      opens_at=datetime.time(7), closes_at=datetime.time(22))
        for n, community in enumerate(tree["communities"])], batch_size=2000)
    point_of = {community[0]: point.pk for community, point in zip(tree["communities"], points, strict=True)}

    # Who is sampled where: the grids of a community are queued at its point, tubes of ten in order.
    per_grid, extra = divmod(samples, grids)
    buildings_of: dict[int, list[int]] = {}
    for (building, grid) in tree["buildings"]:
        buildings_of.setdefault(grid[0], []).append(building[0])
    first_tube, first_sample = _next_id(Tube), _next_id(Sample)
    every = max(1, tubes_count // positives) if positives else 0
    positive_tubes = {first_tube + n * every + every // 2 for n in range(positives)} if positives else set()
    minute = [(round_start + datetime.timedelta(minutes=m)).isoformat() for m in range(20 * 60)]
    iso_now = now.isoformat()
    members: list[tuple[int, int, str, str, int]] = []  # (sample id, building id, id_number, name, tube id)
    sampled_by_grid: dict[int, int] = {}

    def tube_and_sample_rows():
        sample_id, tube_id, n = first_sample, first_tube, 0
        tube_rows, sample_rows = [], []
        in_tube = 0
        tube_point = None
        for (grid, community) in tree["grids"]:
            count = per_grid + (1 if extra and len(sampled_by_grid) < extra else 0)
            sampled_by_grid[grid[0]] = count
            buildings = buildings_of[grid[0]]
            point = point_of[community[0]]
            for i in range(count):
                if in_tube == 0:
                    tube_point, tube_minute = point, minute[(tube_id // 7) % len(minute)]
                building = buildings[i % len(buildings)]
                id_number = f"{110000 + n % 90000:06d}{n:012d}"
                name = f"居民{n}"
                if tube_id in positive_tubes:
                    members.append((sample_id, building, id_number, name, tube_id))
                sample_rows.append(f"{sample_id}\t{tube_id}\t{round_.pk}\t\\N\tresident\t{id_number}\t{name}\t"
                                   f"139{n % 100_000_000:08d}\t{building}\t{grid[0]}\t{tube_minute}\t\\N\n")
                sample_id += 1
                n += 1
                in_tube += 1
                if in_tube == POOL:
                    tube_rows.append(_tube_row(tube_id, round_.pk, tube_point, community[0], in_tube, tube_minute,
                                               labs[tube_id % LABS].pk, iso_now, tube_id in positive_tubes))
                    tube_id += 1
                    in_tube = 0
                if len(sample_rows) >= CHUNK:
                    yield tube_rows, sample_rows
                    tube_rows, sample_rows = [], []
        if in_tube:
            tube_rows.append(_tube_row(tube_id, round_.pk, tube_point, community[0], in_tube, tube_minute,
                                       labs[tube_id % LABS].pk, iso_now, tube_id in positive_tubes))
        yield tube_rows, sample_rows

    tube_columns, sample_columns = _columns(Tube), _columns(Sample)
    assert sample_columns == ["id", "tube_id", "round_id", "person_id", "id_type", "id_number", "name", "phone",
                              "unit_id", "cell_id", "sampled_at", "recorded_by_id"], sample_columns
    assert tube_columns == ["id", "code", "round_id", "purpose", "point_id", "unit_id", "capacity", "size", "status",
                            "opened_at", "opened_by_id", "closed_at", "handover_id", "lab_id", "received_at", "result",
                            "ct_orf1ab", "ct_n", "tested_at", "result_recorded_at", "lab_extra"], tube_columns
    started = time.perf_counter()
    written = 0
    with Loose(Tube._meta.db_table), Loose(Sample._meta.db_table):
        # The foreign keys are back only after both tables are in.
        tube_lines = []
        for tube_rows, sample_rows in tube_and_sample_rows():
            tube_lines += tube_rows
            copy_text(Sample._meta.db_table, sample_columns, sample_rows)
            written += len(sample_rows)
            if written % 1_000_000 < CHUNK:
                log(f"  {written:,} samples ({time.perf_counter() - started:.0f} s)")
        copy_text(Tube._meta.db_table, tube_columns, tube_lines)
        log(f"COPY of {len(tube_lines):,} tubes and {written:,} samples: {time.perf_counter() - started:.1f} s; "
            "rebuilding indexes")
    log(f"tubes and samples with their indexes: {time.perf_counter() - started:.1f} s")

    # The members of the positive tubes are on file, in households of five.
    started = time.perf_counter()
    person_id, household_id = _next_id(Person), _next_id(Household)
    households, persons = [], []
    for index, (_sample, building, id_number, name, _tube) in enumerate(members):
        if index % 5 == 0:
            household_id += 1
            address = f"基准市{building}号楼{index // 5 % 30 + 1}单元{index % 900 + 101}"
            households.append((household_id, building, f"{index // 5}", address))
        persons.append((person_id, name, name, "jumin", "jm", "resident", id_number, id_number[::-1],
                        datetime.date(1980, 1, 1), "M", "", "", household_id, building, address, "normal"))
        person_id += 1
    with transaction.atomic():
        write_rows(Household, ("id", "unit_id", "number", "address"), households)
        write_rows(Person, ("id", "name", "name_simplified", "name_pinyin", "name_initials", "id_type", "id_number",
                            "id_number_rev", "birth_date", "sex", "phone", "phone_rev", "household_id", "unit_id",
                            "address", "status"), persons)
        with connection.cursor() as cursor:
            ids = [m[0] for m in members]
            first_person = person_id - len(members)
            for start in range(0, len(ids), 5000):
                chunk = ids[start:start + 5000]
                cursor.execute("UPDATE testing_sample SET person_id = %s + (id_index - 1) FROM "
                               "unnest(%s::bigint[]) WITH ORDINALITY AS m(sample_id, id_index) "
                               "WHERE testing_sample.id = m.sample_id", [first_person + start, chunk])
    paths = dict(Unit.objects.filter(level=Level.GRID, path__startswith=city[1]).values_list("pk", "path"))
    # Five in a hundred of each grid not sampled yet: the coverage pages have something to show.
    Coverage.objects.bulk_create([Coverage(round=round_, unit_id=g, path=paths[g], target=n + n // 19, sampled=n)
                                  for g, n in sampled_by_grid.items()], batch_size=5000)
    Round.objects.filter(pk=round_.pk).update(target_total=sum(n + n // 19 for n in sampled_by_grid.values()),
                                              targets_counted_at=now)
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Unit, Tube, Sample, Person, Household]):
            cursor.execute(sql)
        cursor.execute("ANALYZE")
    log(f"{len(persons):,} members on file, {len(sampled_by_grid):,} coverage rows, ANALYZE: "
        f"{time.perf_counter() - started:.1f} s")
    round_.refresh_from_db()
    return round_


def _tube_row(tube_id, round_id, point_id, unit_id, size, opened, lab_id, now, positive) -> str:
    result, ct = ("positive", "28.5") if positive else ("negative", "\\N")
    return (f"{tube_id}\tBT{tube_id:09d}\t{round_id}\tround\t{point_id}\t{unit_id}\t{POOL}\t{size}\tresulted\t"
            f"{opened}\t\\N\t{opened}\t\\N\t{lab_id}\t{now}\t{result}\t{ct}\t{ct}\t{now}\t{now}\t{{}}\n")


def wipe() -> None:
    city = Unit.objects.filter(code=CITY_CODE).first()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE testing_sample, testing_tube, testing_coverage, testing_roundextra, "
                       "testing_round_nodes, testing_round, testing_samplingpoint, testing_lab, people_person, "
                       "people_household CASCADE")
        if city is not None:
            cursor.execute("DELETE FROM accounts_user WHERE username = 'bench-hq'")
            cursor.execute("DELETE FROM territory_unit WHERE path LIKE %s AND level = 6", [city.path + "%"])
            cursor.execute("DELETE FROM territory_unit WHERE path LIKE %s", [city.path + "%"])


# --- the timings -------------------------------------------------------------------------------------------


def timed(func, repeat: int) -> tuple[float, object]:
    result = func()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = func()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


HAND_RECALL = """
SELECT s.id_number, s.name, s.phone, COALESCE(NULLIF(h.address, ''), NULLIF(p.address, ''), b.name), g.name,
       t.code, t.result
FROM testing_sample s
JOIN testing_tube t ON t.id = s.tube_id
JOIN territory_unit b ON b.id = s.unit_id
LEFT JOIN territory_unit g ON g.id = s.cell_id
LEFT JOIN people_person p ON p.id = s.person_id
LEFT JOIN people_household h ON h.id = p.household_id
WHERE s.round_id = %s AND t.result IN ('positive', 'invalid')
ORDER BY t.code, s.id
"""
HAND_COVERAGE_CITY = ("SELECT s.cell_id, count(*) FROM testing_sample s WHERE s.round_id = %s "
                      "AND s.cell_id IS NOT NULL GROUP BY s.cell_id")
HAND_COVERAGE_NODE = ("SELECT s.cell_id, count(*) FROM testing_sample s JOIN territory_unit c ON c.id = s.cell_id "
                      "WHERE s.round_id = %s AND c.path LIKE %s GROUP BY s.cell_id")


def sql(query: str, params) -> list:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def measure(round_: Round, repeat: int) -> list[tuple[str, float, float, int]]:
    hq = User.objects.get(username="bench-hq")
    city = round_.unit
    district = Unit.objects.filter(parent=city).order_by("pk").first()
    rows = []

    app_ms, app = timed(lambda: list(selectors.recall_rows(user=hq, round_=round_)), repeat)
    all_ms, every = timed(lambda: list(selectors.recall_rows_all(round_)), repeat)
    hand_ms, hand = timed(lambda: sql(HAND_RECALL, [round_.pk]), repeat)
    assert len(app) == len(every) == len(hand), (len(app), len(every), len(hand))
    rows.append(("recall_rows(user=hq)", app_ms, hand_ms, len(app)))
    rows.append(("recall_rows_all (CLI)", all_ms, hand_ms, len(every)))

    for label, node, query, params in (
            ("coverage, city root", city, HAND_COVERAGE_CITY, [round_.pk]),
            (f"coverage, a district ({district.name})", district, HAND_COVERAGE_NODE,
             [round_.pk, district.path + "%"])):
        app_ms, view = timed(lambda node=node: selectors.coverage(user=hq, round_=round_, node=node), repeat)
        hand_ms, counted = timed(lambda query=query, params=params: sql(query, params), repeat)
        assert view.total.sampled == sum(n for _cell, n in counted), (view.total.sampled, len(counted))
        rows.append((label, app_ms, hand_ms, view.total.sampled))
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=10_000_000)
    parser.add_argument("--grids", type=int, default=16_000)
    parser.add_argument("--positives", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true", help="wipe the benchmark's round and city, build again")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("PostgreSQL only: set DATABASE_URL to a scratch database (see the docstring).")
    if args.rebuild:
        wipe()
    round_ = Round.objects.filter(code=ROUND_CODE).select_related("unit").first()
    if round_ is None:
        log(f"building: {args.samples:,} samples in tubes of {POOL}, {args.grids:,} grids, "
            f"{args.positives:,} positive tubes")
        round_ = build(samples=args.samples, grids=args.grids, positives=args.positives)
        round_ = Round.objects.select_related("unit").get(pk=round_.pk)
    samples = Sample.objects.filter(round=round_).count()
    cells = Coverage.objects.filter(round=round_).count()
    positives = Tube.objects.filter(round=round_, result="positive").count()
    log(f"round {round_.code}: {samples:,} samples, {cells:,} coverage cells, {positives:,} positive tubes; "
        f"PostgreSQL {connection.cursor().connection.info.server_version}, repeat {args.repeat}")
    print(f"{'query':<42}{'rows':>10}{'app ms':>10}{'SQL ms':>10}{'SQL/app':>9}")
    for label, app_ms, hand_ms, count in measure(round_, args.repeat):
        print(f"{label:<42}{count:>10,}{app_ms:>10.1f}{hand_ms:>10.1f}{hand_ms / app_ms:>9.2f}")


if __name__ == "__main__":
    main()
