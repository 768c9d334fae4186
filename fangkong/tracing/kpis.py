"""Follow-up KPIs: WHO's contact-tracing indicators, as numerator and denominator per node and day.

1. Contacts reached each day of their follow-up: of the contacts under follow-up on a day (`due`), those with a
   record of contact that day (`reached`): a task for the person completed that day with a successful outcome,
   an isolation site's health check, or the resident's own check-in (residents.CheckIn, when installed).
2. Contacts followed for the whole period: of the contacts whose period ended (`ended`, counted on its last day
   once that day is over), those reached on every day of it (`ended_full`).
3. New cases who were known contacts or under control: of the cases reported on a day (`cases`), those found
   under control (Case.under_control) or classified as someone's contact before their positive result
   (`cases_known`).
4. New cases whose investigation started within 24 hours of the report: of the cases whose 24 hours are over or
   whose tracer has reached them (`cases_timed`), those reached within 24 hours (`cases_on_time`).

A contact's follow-up is their protocol measure (source "tracing"): from the day it was registered (the
classification; not before its day one) to the last day of its period, or the day it ended early (became a case,
released). One person followed under several measures (a re-exposure restarts the period: tracing.services) is one
follow-up over the days those periods cover, counted on the node of the latest. Cases count on the case's node,
contacts on the person's own node (whose grid follows them up).

`day_counts` is the pure core (no database); the command dashboard's collector (command.figures.followup) reads
the rows, calls it and stores both parts of each share, so that nodes add up like every other figure.
"""

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings

KEYS = ("due", "reached", "ended", "ended_full", "cases", "cases_known", "cases_timed", "cases_on_time")
# (label key, numerator, denominator) of the four indicators.
INDICATORS = (("reached", "reached", "due"), ("followed_full", "ended_full", "ended"),
              ("cases_known", "cases_known", "cases"), ("cases_on_time", "cases_on_time", "cases_timed"))


@dataclass(frozen=True)
class FollowUp:
    unit_id: int
    person_id: int
    first_day: datetime.date
    last_day: datetime.date
    # The period ran to its planned end (not cut short by becoming a case or a release).
    to_term: bool


@dataclass(frozen=True)
class NewCase:
    unit_id: int
    reported_at: datetime.datetime
    first_contact_at: datetime.datetime | None
    known: bool  # under control when found, or a known contact before the result


def share(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _days(first: datetime.date, last: datetime.date):
    day = first
    while day <= last:
        yield day
        day += datetime.timedelta(days=1)


def merge_followups(segments: Iterable[FollowUp]) -> list[FollowUp]:
    """One follow-up per person and run of overlapping or adjacent periods: the node of the latest, to term when
    the period that ends last ran to term."""
    by_person: dict[int, list[FollowUp]] = defaultdict(list)
    for segment in segments:
        if segment.last_day >= segment.first_day:
            by_person[segment.person_id].append(segment)
    merged = []
    for person_segments in by_person.values():
        person_segments.sort(key=lambda s: (s.first_day, s.last_day))
        current = person_segments[0]
        for segment in person_segments[1:]:
            if segment.first_day <= current.last_day + datetime.timedelta(days=1):
                later = segment if segment.last_day >= current.last_day else current
                current = FollowUp(segment.unit_id, current.person_id, current.first_day,
                                   max(current.last_day, segment.last_day), later.to_term)
            else:
                merged.append(current)
                current = segment
        merged.append(current)
    return merged


def day_counts(*, followups: Iterable[FollowUp], reached: dict[int, set], cases: Iterable[NewCase],
               start: datetime.date, end: datetime.date, now: datetime.datetime,
               timed_hours: int = 24) -> dict[int, dict[datetime.date, Counter]]:
    """{unit id: {day: Counter(KEYS)}} for the days start..end. `followups` are merged (one per person and run),
    `reached` the days each person was reached; `now` decides which periods and 24-hour windows are over."""
    from django.utils import timezone

    today = timezone.localtime(now).date()
    out: dict[int, dict[datetime.date, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for f in followups:
        days = reached.get(f.person_id, set())
        for day in _days(max(f.first_day, start), min(f.last_day, end)):
            counter = out[f.unit_id][day]
            counter["due"] += 1
            counter["reached"] += day in days
        if f.to_term and start <= f.last_day <= end and f.last_day < today:
            counter = out[f.unit_id][f.last_day]
            counter["ended"] += 1
            counter["ended_full"] += all(day in days for day in _days(f.first_day, f.last_day))
    window = datetime.timedelta(hours=timed_hours)
    for case in cases:
        day = timezone.localtime(case.reported_at).date()
        if not start <= day <= end:
            continue
        counter = out[case.unit_id][day]
        counter["cases"] += 1
        counter["cases_known"] += case.known
        if case.first_contact_at is not None or now - case.reported_at >= window:
            counter["cases_timed"] += 1
            counter["cases_on_time"] += (case.first_contact_at is not None
                                         and case.first_contact_at - case.reported_at <= window)
    return out


# --- reading the rows ----------------------------------------------------------------------------------------------


def _local_day(value: datetime.datetime) -> datetime.date:
    from django.utils import timezone

    return timezone.localtime(value).date()


def contact_segments(*, start: datetime.date) -> list[FollowUp]:
    """Every contact measure (the protocol's period a contact's classification, or a re-exposure, started) whose
    period reaches `start` or later, as one segment each, on the person's node."""
    from fangkong.protocols.models import Measure
    from fangkong.tracing.services import REEXPOSURE_SOURCE

    rows = (Measure.objects.filter(source__in=("tracing", REEXPOSURE_SOURCE), ends_on__gte=start)
            .exclude(status=Measure.Status.NOT_REQUIRED)
            .values_list("person_id", "person__unit_id", "started_at", "day_one", "ends_on", "status", "ended_at")
            .order_by())
    segments = []
    for person_id, unit_id, started_at, day_one, ends_on, status, ended_at in rows.iterator(chunk_size=5000):
        last = ends_on
        to_term = status != Measure.Status.ENDED
        if not to_term and ended_at is not None:
            last = min(last, _local_day(ended_at))
        segments.append(FollowUp(unit_id, person_id, max(day_one, _local_day(started_at)), last, to_term))
    return segments


def reached_days(person_ids: Iterable[int], *, first: datetime.date, last: datetime.date) -> dict[int, set]:
    """The days each person was reached: a task of theirs completed with a successful outcome, a health check in an
    isolation site, a resident check-in."""
    from django.apps import apps
    from django.utils import timezone

    from fangkong.isolation.models import HealthCheck
    from fangkong.tasks.kinds import find_kind
    from fangkong.tasks.models import Task

    ids = sorted(set(person_ids))
    reached: dict[int, set] = defaultdict(set)
    tz = timezone.get_current_timezone()
    since = datetime.datetime.combine(first, datetime.time(0), tzinfo=tz)
    until = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time(0), tzinfo=tz)
    successful: dict[tuple[str, str], bool] = {}
    try:
        checkin = apps.get_model("residents", "CheckIn")
    except LookupError:  # the residents app has no check-ins (yet)
        checkin = None
    for start in range(0, len(ids), 5000):
        chunk = ids[start:start + 5000]
        tasks = (Task.objects.filter(person_id__in=chunk, status=Task.Status.DONE, closed_at__gte=since,
                                     closed_at__lt=until)
                 .values_list("person_id", "kind", "outcome", "closed_at").order_by())
        for person_id, kind, outcome, closed_at in tasks.iterator(chunk_size=5000):
            if (kind, outcome) not in successful:
                found = find_kind(kind)
                chosen = found.outcome(outcome) if found is not None else None
                successful[(kind, outcome)] = chosen is None or chosen.success
            if successful[(kind, outcome)]:
                reached[person_id].add(_local_day(closed_at))
        checks = (HealthCheck.objects.filter(stay__person_id__in=chunk, day__gte=first, day__lte=last)
                  .values_list("stay__person_id", "day").order_by())
        for person_id, day in checks.iterator(chunk_size=5000):
            reached[person_id].add(day)
        if checkin is not None:
            for person_id, day in (checkin.objects.filter(person_id__in=chunk, day__gte=first, day__lte=last)
                                   .values_list("person_id", "day").order_by().iterator(chunk_size=5000)):
                reached[person_id].add(day)
    return reached


def new_cases(*, start: datetime.date) -> list[NewCase]:
    from django.db.models import Exists, OuterRef
    from django.utils import timezone

    from fangkong.tracing.models import Case, Contact

    since = datetime.datetime.combine(start, datetime.time(0), tzinfo=timezone.get_current_timezone())
    known_before = Contact.objects.filter(person=OuterRef("person"), created_at__lte=OuterRef("reported_at"))
    rows = (Case.objects.filter(reported_at__gte=since).annotate(known_before=Exists(known_before))
            .values_list("unit_id", "reported_at", "first_contact_at", "under_control", "known_before").order_by())
    return [NewCase(unit_id, reported_at, first_contact_at, bool(controlled or known))
            for unit_id, reported_at, first_contact_at, controlled, known in rows.iterator(chunk_size=5000)]


def followup_kpis(*, now: datetime.datetime, days: int | None = None) -> dict[int, dict[datetime.date, Counter]]:
    """The four indicators' parts per node (the row's own node) and day, for the last `days` days to today."""
    today = _local_day(now)
    days = days or getattr(settings, "FOLLOWUP_KPI_DAYS", 28)
    start = today - datetime.timedelta(days=days - 1)
    followups = merge_followups(contact_segments(start=start))
    first = min((f.first_day for f in followups), default=start)
    reached = reached_days((f.person_id for f in followups), first=first, last=today)
    return day_counts(followups=followups, reached=reached, cases=new_cases(start=start), start=start, end=today,
                      now=now, timed_hours=getattr(settings, "FOLLOWUP_TRACING_START_HOURS", 24))


# --- for pages: the indicators of a node from the dashboard snapshot ------------------------------------------------


@dataclass(frozen=True)
class Indicator:
    key: str
    numerator: int
    denominator: int

    @property
    def share(self) -> float | None:
        return share(self.numerator, self.denominator)


def node_indicators(*, user, unit) -> tuple[object | None, list[Indicator]]:
    """(snapshot, the four indicators over the last 7 days) of `unit`, for someone with tracing.view whose scope
    holds it; ([], None) otherwise. Read from the snapshot: nothing is counted on page view."""
    from fangkong.accounts.scope import may_act
    from fangkong.command.models import NodeFigures
    from fangkong.command.selectors import latest_snapshot
    from fangkong.core.paths import is_within

    snapshot = latest_snapshot()
    if snapshot is None or not may_act(user, "tracing", "view") or not is_within(unit.path, user.scope_path):
        return snapshot, []
    row = NodeFigures.objects.filter(snapshot=snapshot, unit=unit).only("figures").first()
    figures = row.figures if row is not None else {}
    return snapshot, [Indicator(key, figures.get(f"followup.week_{num}", 0), figures.get(f"followup.week_{den}", 0))
                      for key, num, den in INDICATORS]
