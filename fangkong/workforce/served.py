"""Hours served and staff over their hours, computed alike for the HQ page and the dashboard's figures."""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass

from fangkong.workforce.engine.roster import WEEK, RosterShift, roster_validate
from fangkong.workforce.rules import engine_shifts, rules_for


def _headcount(shift) -> int:
    return ((1 if shift.leader_id or shift.leader_name else 0) + len(shift.members.all())
            + len(shift.other_members) + len(shift.volunteers.all()))


def hours_by_post(shifts, *, since: datetime.datetime, until: datetime.datetime) -> Counter:
    """Person-hours on duty per post in [since, until): each shift's time inside the window × the people on it."""
    hours: Counter = Counter()
    for shift in shifts:
        inside = min(shift.ends_at, until) - max(shift.starts_at, since)
        if inside > datetime.timedelta(0):
            hours[shift.post_id] += inside.total_seconds() / 3600 * _headcount(shift)
    return hours


@dataclass(frozen=True)
class OverHours:
    person: str
    hours: float
    limit: float
    post_id: int
    shift_id: int


def over_hours(shifts, *, until: datetime.datetime) -> list[OverHours]:
    """People whose hours in the 7 days before `until` (or before the end of their last shift in that window) exceed
    the shift rules of the post of that shift; one row per person, the highest."""
    shifts = list(shifts)
    posts = {s.post_id: s.post for s in shifts}
    rules_by_unit = {}
    rules_by_post = {}
    for pk, post in posts.items():
        if post.unit_id not in rules_by_unit:
            rules_by_unit[post.unit_id] = rules_for(post.unit)
        rules_by_post[pk] = rules_by_unit[post.unit_id]
    by_post = defaultdict(list)
    for item in engine_shifts(shifts):
        clipped = RosterShift(item.shift_id, item.person, max(item.starts_at, until - WEEK),
                              min(item.ends_at, until), item.post_id)
        if clipped.ends_at > clipped.starts_at:
            by_post[item.post_id].append(clipped)
    all_items = [i for items in by_post.values() for i in items]
    # Few distinct rule sets (a row per city or district): one engine pass per rule set, not per post.
    ids_by_rules = defaultdict(set)
    for post_id, items in by_post.items():
        ids_by_rules[rules_by_post[post_id]].update(i.shift_id for i in items)
    post_of_shift = {i.shift_id: i.post_id for i in all_items}
    worst: dict[str, OverHours] = {}
    for rules, ids in ids_by_rules.items():
        for v in roster_validate(all_items, rules, report_for=ids):
            if v.rule != "week_hours":
                continue
            current = worst.get(v.person)
            if current is None or v.value > current.hours:
                worst[v.person] = OverHours(v.person, v.value, v.limit, post_of_shift[v.shift_id], v.shift_id)
    return sorted(worst.values(), key=lambda o: (-o.hours, o.person))
