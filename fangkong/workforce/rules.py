"""The shift rules in force at a node, and the adapter between the ORM's shifts and the roster engine."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from fangkong.core.paths import path_ids
from fangkong.workforce.engine.roster import RosterShift, Rules, Violation, roster_validate
from fangkong.workforce.models import ShiftRules

# The protocol's own number, when an administrator adds it to a rule set's "extra" (no preset has it).
PROTOCOL_TEST_KEY = "frontline_test_hours"
DEFAULT_EQUIPMENT = ["N95", "防护服", "面屏", "手套"]


def default_rules() -> Rules:
    return Rules(max_shift_hours=int(getattr(settings, "WORKFORCE_MAX_SHIFT_HOURS", 12)),
                 max_week_hours=int(getattr(settings, "WORKFORCE_MAX_WEEK_HOURS", 60)),
                 min_rest_hours=int(getattr(settings, "WORKFORCE_MIN_REST_HOURS", 8)))


def rules_row_for(unit) -> ShiftRules | None:
    """The row of the deepest node on the unit's path that has one (the node itself first)."""
    if unit is None:
        return None
    ids = path_ids(unit.path)
    rows = {r.unit_id: r for r in ShiftRules.objects.filter(unit_id__in=ids)}
    return next((rows[i] for i in reversed(ids) if i in rows), None)


def _protocol_test_hours() -> int | None:
    from fangkong.protocols.selectors import active_rules_or_defaults

    value = active_rules_or_defaults().extra.get(PROTOCOL_TEST_KEY)
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def rules_for(unit) -> Rules:
    row = rules_row_for(unit)
    protocol_hours = _protocol_test_hours()
    if row is None:
        base = default_rules()
        return Rules(base.max_shift_hours, base.max_week_hours, base.min_rest_hours, protocol_hours, ())
    return Rules(max_shift_hours=row.max_shift_hours, max_week_hours=row.max_week_hours,
                 min_rest_hours=row.min_rest_hours,
                 test_within_hours=protocol_hours if protocol_hours is not None else row.test_within_hours,
                 equipment=tuple(row.equipment or ()))


# --- the engine's view of shifts -----------------------------------------------------------------------------


def person_key(*, user_id: int | None = None, volunteer_id: int | None = None) -> str:
    return f"u:{user_id}" if user_id is not None else f"v:{volunteer_id}"


def engine_shifts(shifts) -> list[RosterShift]:
    """One RosterShift per person with an identity (leader, member users, volunteers) on each shift; names typed
    in without an account cannot be followed across posts and are left out. Needs members and volunteers
    prefetched (or costs two queries a shift)."""
    out = []
    for shift in shifts:
        people = set()
        if shift.leader_id:
            people.add(person_key(user_id=shift.leader_id))
        people.update(person_key(user_id=m.pk) for m in shift.members.all())
        people.update(person_key(volunteer_id=v.pk) for v in shift.volunteers.all())
        out.extend(RosterShift(shift.pk, p, shift.starts_at, shift.ends_at, shift.post_id) for p in sorted(people))
    return out


@dataclass(frozen=True)
class ViolationRow:
    """A violation as a page lists it: the person's name, the shift, and the rule in words."""

    violation: Violation
    person_name: str
    shift: object
    message: str

    def as_json(self) -> dict:
        v = self.violation
        return {"person": v.person, "name": self.person_name, "shift": v.shift_id, "rule": v.rule,
                "value": v.value, "limit": v.limit}


def _message(v: Violation) -> str:
    from django.utils.translation import gettext as _

    if v.rule == "shift_hours":
        return _("%(value)s hours on one shift; at most %(limit)s.") % {"value": _num(v.value), "limit": _num(v.limit)}
    if v.rule == "week_hours":
        return _("%(value)s hours on duty in the 7 days up to the end of this shift; at most %(limit)s.") % {
            "value": _num(v.value), "limit": _num(v.limit)}
    if v.rule == "rest":
        return _("Only %(value)s hours of rest before this shift; at least %(limit)s.") % {
            "value": _num(v.value), "limit": _num(v.limit)}
    if v.rule == "overlap":
        return _("On another shift at the same time.")
    return _("No negative test within %(limit)s hours before this shift.") % {"limit": _num(v.limit)}


def _num(value: float) -> str:
    return f"{value:g}"


def check_shifts(*, shifts, rules: Rules, extra_window: tuple[datetime.datetime, datetime.datetime] | None = None,
                 exclude_ids=()) -> list[ViolationRow]:
    """The violations on `shifts` (Shift rows), counting the same people's other shifts at any post in
    `extra_window` (default: 7 days before the first to a day after the last)."""
    from django.contrib.auth import get_user_model

    from fangkong.workforce.models import Shift, Volunteer
    from fangkong.workforce.selectors import with_people

    shifts = list(shifts)
    if not shifts:
        return []
    mine = engine_shifts(shifts)
    users = {int(p.person[2:]) for p in mine if p.person.startswith("u:")}
    volunteers = {int(p.person[2:]) for p in mine if p.person.startswith("v:")}
    if extra_window is None:
        extra_window = (min(s.starts_at for s in shifts) - datetime.timedelta(days=7),
                        max(s.ends_at for s in shifts) + datetime.timedelta(days=1))
    ids = {s.pk for s in shifts} | set(exclude_ids)
    from django.db.models import Q

    others = with_people(Shift.objects.filter(starts_at__lt=extra_window[1], ends_at__gt=extra_window[0])
                         .filter(Q(leader_id__in=users) | Q(members__in=users) | Q(volunteers__in=volunteers))
                         .exclude(pk__in=ids).distinct())
    people = mine + [p for p in engine_shifts(others) if p.person in {m.person for m in mine}]
    found = roster_validate(people, rules, report_for={s.pk for s in shifts})
    user_names = {u.pk: str(u) for u in get_user_model().objects.filter(pk__in=users)}
    volunteer_names = dict(Volunteer.objects.filter(pk__in=volunteers).values_list("pk", "name"))
    by_id = {s.pk: s for s in shifts}
    rows = []
    for v in found:
        kind, pk = v.person[0], int(v.person[2:])
        name = user_names.get(pk, "") if kind == "u" else volunteer_names.get(pk, "")
        rows.append(ViolationRow(v, name, by_id.get(v.shift_id), _message(v)))
    rows.sort(key=lambda r: (r.person_name, r.shift.starts_at if r.shift else timezone.now(), r.violation.rule))
    return rows
