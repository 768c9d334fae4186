"""The engine: an event (a category of person and their day one) and a rule set in, the measures out.

Day 1 is the local date of last exposure (for travellers, the day they left the risk area). A stage of N days
starting on day d covers days d … d+N-1 and ends at local midnight at the start of day d+N; a test on day k is
due by the end of that day. Test days already past when the person is registered are made up with one test
due at the first-contact deadline. Stages already over at registration are not imposed again.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from fangkong.protocols.engine.rules import Rules

SHANGHAI = ZoneInfo("Asia/Shanghai")

FIRST_CONTACT = "first_contact"
TRANSFER = "transfer_to_isolation"
TEST = "measure_test"
STAGE_END = "measure_stage_end"
# At one due time: contact before transfer, the day's test before the stage ends on its result.
_ORDER = {FIRST_CONTACT: 0, TRANSFER: 1, TEST: 2, STAGE_END: 3}


def arrival_category(origin_level: str) -> str:
    if origin_level not in ("high", "medium", "low"):
        raise ValueError(f"unknown risk level {origin_level!r}")
    return f"arrival_{origin_level}"


@dataclass(frozen=True)
class StagePlan:
    index: int
    status: str
    first_day: int  # day number of the stage's first day (day 1 = day one)
    start: date
    last: date  # the stage's last day
    ends_at: datetime  # local midnight after `last`


@dataclass(frozen=True)
class TaskMeasure:
    kind: str
    due_at: datetime
    stage_index: int | None = None
    day_number: int | None = None  # the overall day number (day 1 = day one)
    make_up: bool = False  # a test for days missed before registration
    label: str = ""  # plain English for logs and the CLI; the app titles tasks through gettext


@dataclass(frozen=True)
class Measures:
    category: str
    day_one: date
    stages: tuple[StagePlan, ...]
    status_now: str  # the status to set at registration; "" leaves it as it is
    tasks: tuple[TaskMeasure, ...]
    ends_on: date | None  # the last day under measures; None when the rules impose none

    @property
    def imposes_anything(self) -> bool:
        return bool(self.tasks)


def _midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def measures_for(*, category: str, day_one: date, registered_at: datetime, rules: Rules,
                 tz: tzinfo = SHANGHAI) -> Measures:
    if registered_at.tzinfo is None:
        raise ValueError("registered_at must be timezone-aware")
    plan = rules.plans.get(category)
    if plan is None:
        return Measures(category, day_one, (), "", (), None)
    registered_on = registered_at.astimezone(tz).date()
    first_contact_due = registered_at + timedelta(hours=plan.first_contact_hours)

    stages, first_day = [], 1
    for index, stage in enumerate(plan.stages):
        start = day_one + timedelta(days=first_day - 1)
        last = start + timedelta(days=stage.days - 1)
        stages.append(StagePlan(index, stage.status, first_day, start, last, _midnight(last + timedelta(days=1), tz)))
        first_day += stage.days
    ends_on = stages[-1].last

    current = next((s for s in stages if s.ends_at > registered_at), None)
    if current is None:
        # Every stage is already over: nothing left to impose.
        return Measures(category, day_one, tuple(stages), "", (), ends_on)

    tasks = [TaskMeasure(FIRST_CONTACT, first_contact_due, label="first contact")]
    if current.status == "central_isolation" and plan.transfer_hours:
        tasks.append(TaskMeasure(TRANSFER, registered_at + timedelta(hours=plan.transfer_hours), current.index,
                                 label="transfer to centralised isolation"))
    missed = False
    for stage_plan, stage in zip(stages, plan.stages, strict=True):
        for test_day in stage.test_days:
            day_number = stage_plan.first_day + test_day - 1
            due = _midnight(day_one + timedelta(days=day_number), tz)
            if due <= registered_at:
                missed = True
                continue
            tasks.append(TaskMeasure(TEST, due, stage_plan.index, day_number, label=f"test on day {day_number}"))
    if missed:
        tasks.append(TaskMeasure(TEST, first_contact_due, current.index, (registered_on - day_one).days + 1,
                                 make_up=True, label="make-up test for days missed before registration"))
    tasks.extend(TaskMeasure(STAGE_END, s.ends_at, s.index, s.first_day, label=f"end of stage {s.index + 1}")
                 for s in stages if s.ends_at > registered_at)
    tasks.sort(key=lambda t: (t.due_at, _ORDER[t.kind], t.day_number or 0))
    return Measures(category, day_one, tuple(stages), current.status, tuple(tasks), ends_on)
