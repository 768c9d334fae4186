"""The shift rules of a roster (劳逸结合), checked before the roster is published. No Django: plain dataclasses in,
a list of violations out, so that the benchmark and the property tests run it without a database.

Definitions (docs/workforce.md says the same):
- shift_hours: a shift longer than `max_shift_hours`.
- week_hours: for each shift, the person's hours on duty in the 168 hours ending when that shift ends (every shift
  of theirs clipped to that window), above `max_week_hours`; the violation names the shift that ends the window.
- rest: before each shift (in order of start, then id), the time since the latest end of the person's earlier
  shifts, below `min_rest_hours`; a negative rest is an overlap (rule "overlap").
- test: a shift starting with no negative test of the person in the `test_within_hours` before its start, when
  the rule is set and the caller passes the persons' test times.
"""

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

WEEK = timedelta(days=7)
WEEK_SECONDS = WEEK.total_seconds()
HOUR = 3600.0


@dataclass(frozen=True)
class RosterShift:
    shift_id: int
    person: str  # "u:12" for a user, "v:7" for a volunteer: anyone with an identity across posts
    starts_at: datetime
    ends_at: datetime
    post_id: int = 0


@dataclass(frozen=True)
class Rules:
    max_shift_hours: float = 12
    max_week_hours: float = 60
    min_rest_hours: float = 8
    test_within_hours: int | None = None
    equipment: tuple[str, ...] = ()


@dataclass(frozen=True)
class Violation:
    person: str
    shift_id: int
    rule: str  # shift_hours | week_hours | rest | overlap | test
    value: float  # hours: the shift's length, the week's hours, the rest, the age of the last test (-1: none)
    limit: float
    related_shift_id: int | None = None


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / HOUR


def roster_validate(shifts: Iterable[RosterShift], rules: Rules,
                    tests: Mapping[str, Sequence[datetime]] | None = None,
                    report_for: set[int] | None = None) -> list[Violation]:
    """Every violation of `rules` by `shifts`, by person, then shift start. `report_for` limits the violations to
    those shifts (the roster's), while the others (the same people's shifts elsewhere) still count."""
    by_person: dict[str, list[RosterShift]] = defaultdict(list)
    for shift in shifts:
        by_person[shift.person].append(shift)
    found: list[Violation] = []
    for person in sorted(by_person):
        found.extend(_person_violations(person, by_person[person], rules, (tests or {}).get(person)))
    if report_for is not None:
        found = [v for v in found if v.shift_id in report_for]
    return found


def _person_violations(person: str, shifts: list[RosterShift], rules: Rules, tests) -> list[Violation]:
    # Epoch seconds: float arithmetic is several times cheaper than datetime's, and exact for whole seconds.
    shifts = sorted(shifts, key=lambda s: (s.starts_at, s.shift_id))
    starts = [s.starts_at.timestamp() for s in shifts]
    ends = [s.ends_at.timestamp() for s in shifts]
    longest = max((e - b for b, e in zip(starts, ends, strict=True)), default=0.0)
    test_times = sorted(t.timestamp() for t in (tests or ()))
    max_shift, max_week, min_rest = rules.max_shift_hours, rules.max_week_hours, rules.min_rest_hours
    out: list[Violation] = []
    latest_end, latest_id = None, None
    for i, shift in enumerate(shifts):
        b, e = starts[i], ends[i]
        length = (e - b) / HOUR
        if length > max_shift:
            out.append(Violation(person, shift.shift_id, "shift_hours", round(length, 2), max_shift))
        if latest_end is not None:
            rest = (b - latest_end) / HOUR
            if rest < 0:
                out.append(Violation(person, shift.shift_id, "overlap", round(rest, 2), 0, latest_id))
            elif rest < min_rest:
                out.append(Violation(person, shift.shift_id, "rest", round(rest, 2), min_rest, latest_id))
        if latest_end is None or e > latest_end:
            latest_end, latest_id = e, shift.shift_id
        week = _window_hours(starts, ends, longest, e - WEEK_SECONDS, e)
        if week > max_week:
            out.append(Violation(person, shift.shift_id, "week_hours", round(week, 2), max_week))
        if rules.test_within_hours is not None and tests is not None:
            age = _last_test_age(test_times, b)
            if age is None or age > rules.test_within_hours:
                out.append(Violation(person, shift.shift_id, "test", -1 if age is None else round(age, 2),
                                     rules.test_within_hours))
    return out


def _window_hours(starts: list[float], ends: list[float], longest: float, w0: float, w1: float) -> float:
    """Hours of the shifts (sorted by start) inside [w0, w1): only those starting before w1 and after w0 - longest
    can touch it."""
    total = 0.0
    j = bisect_left(starts, w1) - 1
    earliest = w0 - longest
    while j >= 0 and starts[j] >= earliest:
        overlap = min(ends[j], w1) - max(starts[j], w0)
        if overlap > 0:
            total += overlap
        j -= 1
    return total / HOUR


def _last_test_age(test_times: list[float], at: float) -> float | None:
    i = bisect_left(test_times, at)
    # A test taken at the very start of the shift counts.
    if i < len(test_times) and test_times[i] == at:
        return 0.0
    return (at - test_times[i - 1]) / HOUR if i > 0 else None
