"""send_protocol_reminders() against the plainest job that flags the same work, on one city's running measures.

    .venv/bin/python benchmarks/protocols_reminders.py [--measures 1000] [--repeat 5]

Builds a fresh SQLite file (or uses DATABASE_URL if set: give it an empty database), puts `--measures` people under
edition 9 (close contacts and arrivals, day one spread over the last 9 days), then times:

- app: `fangkong.protocols.jobs.send_protocol_reminders()` — re-plans every running measure with the engine, makes
  sure tomorrow's tasks exist (re-opening a lost one), and flags each open one once;
- baseline: one query for open measure tasks of kind test / stage end whose due time falls in tomorrow's window,
  then one bulk insert of reminders (ignore_conflicts) — what a job that trusts the tasks table would do.

Both sides start from no reminders and must flag the same number (asserted). Prints the medians and the ratio
(baseline ÷ app; below 1: the app pays for re-planning). No test asserts any of it.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup(tmp: Path, measures: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    if not os.environ.get("DATABASE_URL"):
        os.environ["FANGKONG_SQLITE_PATH"] = str(tmp / "bench.sqlite3")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.utils import timezone

    from fangkong.people.services import household_create, person_create
    from fangkong.protocols.services import measure_start
    from fangkong.territory.models import Level
    from fangkong.territory.services import unit_create

    city = unit_create(parent=None, level=Level.CITY, name="城关市", code="630800")
    district = unit_create(parent=city, level=Level.DISTRICT, name="东城区", code="630801")
    street = unit_create(parent=district, level=Level.STREET, name="东城街道", code="630801001")
    community = unit_create(parent=street, level=Level.COMMUNITY, name="东一社区", code="630801001001")
    grid = unit_create(parent=community, level=Level.GRID, name="网格1", code="630801001001G1")
    building = unit_create(parent=grid, level=Level.BUILDING, name="1号楼", code="630801001001G1B1")
    from stdnum.cn import ric

    today = timezone.localdate()
    categories = ("close_contact", "arrival_high", "arrival_medium", "secondary_contact")
    for n in range(measures):
        home = household_create(unit=building, number=f"{n // 4}-{n % 4}", actor=None)
        body = f"110101198001{(n % 28) + 1:02d}{n % 1000:03d}"
        body = f"{body[:6]}{1950 + n // 1000:04d}{body[10:]}"
        person = person_create(name=f"测试{n}", id_number=body + ric.calc_check_digit(body + "0"),
                               household=home, actor=None)
        measure_start(person=person, category=categories[n % 4], day_one=today - timedelta(days=n % 9),
                      actor=None, source="benchmark")


def baseline() -> int:
    from datetime import datetime
    from datetime import time as dtime

    from django.utils import timezone

    from fangkong.protocols.models import Measure, Reminder
    from fangkong.tasks.models import OPEN_STATUSES, Task

    tomorrow = timezone.localdate() + timedelta(days=1)
    tz = timezone.get_current_timezone()
    start = datetime.combine(tomorrow, dtime(0), tzinfo=tz)
    tasks = (Task.objects.filter(kind__in=("measure_test", "measure_stage_end"), status__in=OPEN_STATUSES,
                                 subject_type="protocols.measure", due_at__gt=start,
                                 due_at__lte=start + timedelta(days=1))
             .values_list("pk", "subject_id", "kind", "due_at"))
    active = set(Measure.objects.filter(status=Measure.Status.ACTIVE).values_list("pk", flat=True))
    rows = [Reminder(task_id=pk, measure_id=measure, kind=kind, due_at=due, work_day=tomorrow)
            for pk, measure, kind, due in tasks if measure in active]
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def timed(fn, repeat: int) -> tuple[float, int]:
    from fangkong.protocols.models import Reminder

    times, count = [], None
    for _ in range(repeat + 1):
        Reminder.objects.all().delete()
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
        count = result if count is None else count
        assert result == count, (result, count)
    return statistics.median(times[1:]), count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--measures", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        setup(Path(tmp), args.measures)
        print(f"setup: {args.measures} measures in {time.perf_counter() - started:.1f} s")
        from fangkong.protocols.jobs import send_protocol_reminders

        app_ms, app_count = timed(send_protocol_reminders, args.repeat)
        base_ms, base_count = timed(baseline, args.repeat)
        assert app_count == base_count, (app_count, base_count)
        print(f"{'job':<40}{'flagged':>9}{'median ms':>12}")
        print(f"{'app: send_protocol_reminders()':<40}{app_count:>9}{app_ms:>12.1f}")
        print(f"{'baseline: one query + bulk insert':<40}{base_count:>9}{base_ms:>12.1f}")
        print(f"ratio baseline/app: {base_ms / app_ms:.2f}")


if __name__ == "__main__":
    main()
