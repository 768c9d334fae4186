"""Will the rooms last? Expected inflow against releases and free rooms, day by day, so the HQ is warned days
before rooms run out, with the shortfall by date.

Semantics:
- Day 0 is `today`; there is one row per day for `days` days (today included).
- The `queue` (people already waiting) is placed on day 0, before day 0's inflow.
- Day k's inflow is new_cases_per_day × growth_per_day^k × contacts_per_case × central_share people. The expected
  values are summed and the running total rounded half up, so fractions carry from day to day and the total over
  the horizon is the rounded total (0.3 a day gives 3 people in 10 days, not 0).
- Everyone needing a room on a day — those still waiting first, then the day's inflow — is placed while free rooms
  last. People placed on day k are released on day k + stay_days, and their rooms are free again cleaning_days
  later. `releases` (date → people) are the already-known releases of people in the sites now; their rooms come
  back cleaning_days after the date too. A room coming back before today is taken to be counted in `free_rooms`
  already; releases before today are not shown.
- Rooms come back in the morning and can be used the same day.
- free_at_end = the free rooms after the day's placements, negative when people are left waiting;
  shortfall = max(0, -free_at_end), the people without a room at the end of the day. They stay in the queue and are
  placed as soon as rooms come back (so they are not counted again as inflow).
- One person per room. Households sharing a family room would need fewer rooms: a refinement left out, so the
  forecast errs towards warning early.
"""

import math
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class DayRow:
    day: date
    inflow: int  # people newly needing a room that day
    released: int  # people leaving the sites that day (known releases and forecast ones)
    free_at_end: int  # free rooms after the day's placements; negative = people waiting
    shortfall: int  # people without a room at the end of the day
    placed: int = 0  # people given a room that day, those already waiting first
    rooms_back: int = 0  # rooms back from cleaning that morning


@dataclass(frozen=True)
class Forecast:
    rows: list[DayRow]
    first_shortfall: date | None  # the first day someone is left without a room

    @property
    def peak_shortfall(self) -> int:
        return max((row.shortfall for row in self.rows), default=0)


def forecast(*, today: date, days: int, free_rooms: int, queue: int, releases: dict[date, int],
             new_cases_per_day: float, contacts_per_case: float, central_share: float, stay_days: int,
             cleaning_days: int = 1, growth_per_day: float = 1.0) -> Forecast:
    if days < 1 or stay_days < 1 or cleaning_days < 0 or free_rooms < 0 or queue < 0:
        raise ValueError("days and stay_days must be at least 1; free rooms, queue and cleaning days not negative")
    if new_cases_per_day < 0 or contacts_per_case < 0 or growth_per_day <= 0 or not 0 <= central_share <= 1:
        raise ValueError("cases and contacts must not be negative, growth must be positive, share within 0–1")
    if any(n < 0 for n in releases.values()):
        raise ValueError("releases must not be negative")
    rooms_back, leaving = Counter(), Counter()  # day index -> rooms, people
    for when, n in releases.items():
        k = (when - today).days
        leaving[k] += n
        if k + cleaning_days >= 0:
            rooms_back[k + cleaning_days] += n
    rows, free, waiting, expected, counted = [], free_rooms, queue, 0.0, 0
    for k in range(days):
        expected += new_cases_per_day * growth_per_day ** k * contacts_per_case * central_share
        total = _half_up(expected)
        inflow, counted = total - counted, total
        free += rooms_back[k]
        need = waiting + inflow
        placed = min(need, free)
        leaving[k + stay_days] += placed
        rooms_back[k + stay_days + cleaning_days] += placed
        free_at_end = free - need
        rows.append(DayRow(day=today + timedelta(days=k), inflow=inflow, released=leaving[k], free_at_end=free_at_end,
                           shortfall=max(0, -free_at_end), placed=placed, rooms_back=rooms_back[k]))
        free, waiting = max(0, free_at_end), max(0, -free_at_end)
    first = next((row.day for row in rows if row.shortfall), None)
    return Forecast(rows=rows, first_shortfall=first)


def _half_up(x: float) -> int:
    # The margin keeps float sums such as 0.15 added ten times (1.4999999999999998) from rounding down.
    return math.floor(x + 0.5 + 1e-9)
