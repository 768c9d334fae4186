"""The messages the protocol implies, produced from other modules' events without touching their code.

Each trigger reads, read-only, the rows of one source added since its cursor (notify.TriggerCursor, one per
trigger) and queues one message per person with a stable event key, so that a row read twice (the overlap
below, a scan run twice) never sends twice. A failing trigger records its error on its cursor and the others
still run. A new cursor starts NOTIFY_SCAN_LOOKBACK_HOURS back, not at the beginning of history.

Primary keys are handed out before commit, so a row committed late can carry a key below the cursor: every scan
also re-reads (up to BATCH rows below the cursor) the last NOTIFY_SCAN_OVERLAP_SECONDS of each source by its
timestamp, which the event keys make harmless. A scan goes on batch after batch while its cursor moves, for up to
NOTIFY_SCAN_SECONDS.
"""

import datetime
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from fangkong.notify.models import TriggerCursor
from fangkong.notify.services import message_record

logger = logging.getLogger(__name__)

BATCH = 500


@dataclass(frozen=True)
class Trigger:
    name: str
    run: Callable
    model: str  # "app_label.Model", the source the cursor walks
    time_field: str


def _lookback() -> datetime.timedelta:
    return datetime.timedelta(hours=float(getattr(settings, "NOTIFY_SCAN_LOOKBACK_HOURS", 12)))


def _overlap() -> datetime.timedelta:
    return datetime.timedelta(seconds=int(getattr(settings, "NOTIFY_SCAN_OVERLAP_SECONDS", 120)))


def _queue(counts: dict, **kwargs) -> None:
    try:
        message = message_record(**kwargs)
    except ValidationError as exc:
        # The event is not lost: the log names it, and the trigger goes on with the next one.
        logger.error("notify: %s for %s not queued: %s", kwargs.get("kind"), kwargs.get("event_key"), exc)
        counts["invalid"] = counts.get("invalid", 0) + 1
        return
    counts["messages"] = counts.get("messages", 0) + (1 if message is not None else 0)


def _scan_seconds() -> float:
    return float(getattr(settings, "NOTIFY_SCAN_SECONDS", 45))


def _new_rows(qs, cursor: TriggerCursor, time_field: str, now):
    """The next BATCH rows past the cursor, and on a scan's first pass the last BATCH below it of the overlap
    (read apart: a burst of recent rows already told must not hold the cursor back)."""
    rows = list(qs.filter(pk__gt=cursor.last_id).order_by("pk")[:BATCH])
    if getattr(cursor, "overlap", True):
        late = qs.filter(pk__lte=cursor.last_id, **{f"{time_field}__gte": now - _overlap()})
        rows = sorted(late.order_by("-pk")[:BATCH], key=lambda row: row.pk) + rows
    return rows


def _category_label(measure):
    """The lazy label, so that it is written in the message's language (get_category_display is not lazy)."""
    from fangkong.protocols.models import Category

    return Category(measure.category).label if measure.category in Category.values else measure.category


def _advance(cursor: TriggerCursor, rows) -> None:
    if rows:
        cursor.last_id = max(cursor.last_id, max(row.pk for row in rows))


# --- the triggers ---------------------------------------------------------------------------------------------


def positive_pool(cursor: TriggerCursor, now) -> dict:
    """A positive or invalid pool (testing.Recall): each member stays where they are for a re-test at the door."""
    from fangkong.testing.models import RecallMember

    counts: dict = {}
    rows = list(_new_rows(RecallMember.objects.select_related("recall", "sample", "person"), cursor,
                          "recall__created_at", now))
    for member in rows:
        person = member.person
        _queue(counts, kind="positive_pool", phone=(person.phone if person else "") or member.sample.phone,
               context={"day": timezone.localtime(member.sample.sampled_at).date()},
               event_key=f"recall:{member.recall_id}:{person.pk if person else 's' + str(member.sample_id)}",
               person=person, unit=member.unit, now=now)
    _advance(cursor, rows)
    return counts


def single_result(cursor: TriggerCursor, now) -> dict:
    """A single tube's result (a re-check at the door, a test day under a measure), to the person sampled. Results come
    long after their sample row, so this cursor walks (result time, sample id) instead of the primary key alone."""
    from fangkong.testing.models import Result, Sample, Tube

    counts: dict = {}
    since = cursor.last_at or now - _lookback()
    told = (Sample.objects.filter(tube__result__in=(Result.NEGATIVE, Result.POSITIVE),
                                  tube__result_recorded_at__isnull=False)
            .exclude(tube__purpose=Tube.Purpose.ROUND).select_related("tube", "person"))
    after = Q(tube__result_recorded_at__gt=since) | Q(tube__result_recorded_at=since, pk__gt=cursor.last_id)
    ahead = list(told.filter(after).order_by("tube__result_recorded_at", "pk")[:BATCH])
    late = []
    if getattr(cursor, "overlap", True):
        # Re-read, never advance on: a result committed late behind the cursor (the event keys dedupe).
        late = list(told.filter(tube__result_recorded_at__gte=now - _overlap()).exclude(pk__in=[r.pk for r in ahead])
                    .order_by("-tube__result_recorded_at", "-pk")[:BATCH])
    for sample in late + ahead:
        person = sample.person
        kind = "result_negative" if sample.tube.result == Result.NEGATIVE else "result_positive"
        _queue(counts, kind=kind, phone=(person.phone if person else "") or sample.phone,
               context={"day": timezone.localtime(sample.sampled_at).date()},
               event_key=f"result:{sample.tube_id}:{sample.pk}", person=person, unit=sample.unit, now=now)
    last = ahead[-1] if ahead else None
    if last is not None and (last.tube.result_recorded_at, last.pk) > (since, cursor.last_id):
        cursor.last_at, cursor.last_id = last.tube.result_recorded_at, last.pk
    elif cursor.last_at is None:
        cursor.last_at, cursor.last_id = since, 0
    return counts


def measure_start(cursor: TriggerCursor, now) -> dict:
    """A person put under a protocol measure: the category, day one and the last day."""
    from fangkong.protocols.models import Measure

    counts: dict = {}
    rows = list(_new_rows(Measure.objects.exclude(status=Measure.Status.NOT_REQUIRED).select_related(
        "person__household__unit", "person__unit"), cursor, "started_at", now))
    for measure in rows:
        context = {"category": _category_label(measure), "start": measure.day_one}
        kind = "measure_start_open"
        if measure.ends_on:
            context["end"], kind = measure.ends_on, "measure_start"
        _queue(counts, kind=kind, phone=measure.person.phone, context=context,
               event_key=f"measure_start:{measure.pk}", person=measure.person, now=now)
    _advance(cursor, rows)
    return counts


def measure_end(cursor: TriggerCursor, now) -> dict:
    """A measure ended early (lifted by the HQ, the category withdrawn). A measure that runs its course ends in
    a release, which the release trigger tells. Walks ended_at, since a measure row is written long before."""
    from fangkong.protocols.models import Measure

    counts: dict = {}
    since = cursor.last_at or now - _lookback()
    after = Q(ended_at__gt=since) | Q(ended_at=since, pk__gt=cursor.last_id)
    if getattr(cursor, "overlap", True):
        after |= Q(ended_at__gte=now - _overlap())
    rows = list(Measure.objects.filter(after, status=Measure.Status.ENDED)
                .select_related("person__household__unit", "person__unit").order_by("ended_at", "pk")[:BATCH])
    for measure in rows:
        _queue(counts, kind="measure_end", phone=measure.person.phone,
               context={"category": _category_label(measure),
                        "day": timezone.localtime(measure.ended_at).date()},
               event_key=f"measure_end:{measure.pk}", person=measure.person, now=now)
    if rows:
        last = max(rows, key=lambda m: (m.ended_at, m.pk))
        if cursor.last_at is None or (last.ended_at, last.pk) > (cursor.last_at, cursor.last_id):
            cursor.last_at, cursor.last_id = last.ended_at, last.pk
    return counts


def release(cursor: TriggerCursor, now) -> dict:
    """A person's management status changed to released (people.StatusChange)."""
    from fangkong.people.models import ManagementStatus, StatusChange

    counts: dict = {}
    rows = list(_new_rows(StatusChange.objects.filter(to_status=ManagementStatus.RELEASED)
                          .select_related("person__household__unit", "person__unit"), cursor, "at", now))
    for change in rows:
        _queue(counts, kind="release", phone=change.person.phone,
               context={"day": timezone.localtime(change.at).date()},
               event_key=f"release:{change.pk}", person=change.person, now=now)
    _advance(cursor, rows)
    return counts


def transfer_time(cursor: TriggerCursor, now) -> dict:
    """A transfer trip with a planned departure: each person on its pickup list, at once."""
    from fangkong.isolation.models import Stay, Trip

    counts: dict = {}
    rows = list(_new_rows(Trip.objects.filter(departs_at__isnull=False).select_related("site"), cursor,
                          "created_at", now))
    stays = (Stay.objects.filter(trip__in=[t.pk for t in rows if t.departs_at >= now], status=Stay.Status.PLACED)
             .select_related("person__household__unit", "person__unit", "trip__site").order_by("trip_id",
                                                                                             "pickup_order"))
    for stay in stays:
        trip = stay.trip
        _queue(counts, kind="transfer_time", phone=stay.person.phone,
               context={"vehicle": trip.vehicle, "time": trip.departs_at, "site": trip.site.name},
               event_key=f"trip:{trip.pk}:{stay.person_id}", person=stay.person, now=now)
    _advance(cursor, rows)
    return counts


def _evening_before(day: datetime.date) -> datetime.datetime:
    hour, minute = getattr(settings, "NOTIFY_REMINDER_AT", "19:00").split(":")
    evening = datetime.datetime.combine(day - datetime.timedelta(days=1), datetime.time(int(hour), int(minute)))
    return timezone.make_aware(evening)


def test_day_reminder(cursor: TriggerCursor, now) -> dict:
    """Tomorrow's test day, from the reminders protocols flags (protocols.Reminder of a test task), sent the
    evening before (NOTIFY_REMINDER_AT)."""
    from fangkong.protocols.engine.measures import TEST
    from fangkong.protocols.models import Reminder

    counts: dict = {}
    rows = list(_new_rows(Reminder.objects.select_related("measure__person__household__unit",
                                                          "measure__person__unit"), cursor, "reminded_at", now))
    today = timezone.localdate(now)
    for reminder in rows:
        if reminder.kind != TEST or reminder.work_day < today:
            continue
        person = reminder.measure.person
        _queue(counts, kind="test_reminder", phone=person.phone, context={"day": reminder.work_day},
               event_key=f"test_reminder:{reminder.task_id}", person=person,
               not_before=_evening_before(reminder.work_day), now=now)
    _advance(cursor, rows)
    return counts


def checkin_missed(cursor: TriggerCursor, now) -> dict:
    """A missed check-in: the residents module opens a `resident_checkin_missed` task for the grid worker; the
    person is told too."""
    from fangkong.tasks.models import Task

    counts: dict = {}
    # No phone: the grid worker already has the missed check-in task itself; a second task would say the same.
    rows = list(_new_rows(Task.objects.filter(kind="resident_checkin_missed", person__isnull=False)
                          .exclude(person__phone="")
                          .select_related("person__household__unit", "person__unit"), cursor, "created_at", now))
    for task in rows:
        day = _day_of_key(task.dedupe_key) or timezone.localtime(task.created_at).date()
        _queue(counts, kind="checkin_missed", phone=task.person.phone, context={"day": day},
               event_key=f"checkin_missed:{task.pk}", person=task.person, unit=task.unit, now=now)
    _advance(cursor, rows)
    return counts


def _day_of_key(key: str | None) -> datetime.date | None:
    """resident_checkin_missed:<person>:<YYYY-MM-DD> → the day."""
    try:
        return datetime.date.fromisoformat((key or "").rsplit(":", 1)[-1])
    except ValueError:
        return None


def _reminder_moment(day: datetime.date) -> datetime.datetime:
    hour, minute = getattr(settings, "NOTIFY_CHECKIN_REMINDER_AT", "18:00").split(":")
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(int(hour), int(minute))))


def checkin_reminder(cursor: TriggerCursor, now) -> dict:
    """Once a day at NOTIFY_CHECKIN_REMINDER_AT (before the residents' cut-off): everyone who must check in
    (home isolation, home health monitoring) and has not yet today. The cursor holds the day's moment
    (last_at) and the last person reminded (last_id), so a big day is done in batches across scans."""
    from fangkong.people.models import ManagementStatus, Person

    counts: dict = {}
    moment = _reminder_moment(timezone.localdate(now))
    if now < moment:
        return counts
    if cursor.last_at != moment:
        cursor.last_at, cursor.last_id = moment, 0
    today = timezone.localdate(now)
    # No phone: nothing to remind by (a household member checks in for them), and no task for a reminder.
    must_check_in = [ManagementStatus.HOME_ISOLATION, ManagementStatus.HOME_MONITORING]
    people = list(Person.objects.filter(pk__gt=cursor.last_id, status__in=must_check_in, merged_into__isnull=True,
                                        anonymised_at__isnull=True).exclude(phone="")
                  .exclude(checkins__day=today).select_related("household__unit", "unit").order_by("pk")[:BATCH])
    for person in people:
        _queue(counts, kind="checkin_reminder", phone=person.phone, context={"day": today},
               event_key=f"checkin_reminder:{person.pk}:{today.isoformat()}", person=person, now=now)
    if people:
        cursor.last_id = people[-1].pk
    return counts


TRIGGERS = [
    Trigger("positive_pool", positive_pool, "testing.RecallMember", "recall__created_at"),
    Trigger("single_result", single_result, "testing.Sample", "tube__result_recorded_at"),
    Trigger("measure_start", measure_start, "protocols.Measure", "started_at"),
    Trigger("measure_end", measure_end, "protocols.Measure", "ended_at"),
    Trigger("release", release, "people.StatusChange", "at"),
    Trigger("transfer_time", transfer_time, "isolation.Trip", "created_at"),
    Trigger("test_reminder", test_day_reminder, "protocols.Reminder", "reminded_at"),
    Trigger("checkin_missed", checkin_missed, "tasks.Task", "created_at"),
    Trigger("checkin_reminder", checkin_reminder, "people.Person", "created_at"),
]


def _start_cursor(trigger: Trigger, now) -> TriggerCursor:
    from django.apps import apps

    model = apps.get_model(trigger.model)
    start = now - _lookback()
    last_id = model.objects.filter(**{f"{trigger.time_field}__lt": start}).aggregate(m=Max("pk"))["m"] or 0
    cursor, _created = TriggerCursor.objects.get_or_create(trigger=trigger.name,
                                                           defaults={"last_id": last_id})
    return cursor


def _run_once(trigger: Trigger, now, *, overlap: bool) -> tuple[dict, bool]:
    with transaction.atomic():
        # One scan at a time per trigger; the messages and the cursor's move commit together.
        cursor = TriggerCursor.objects.select_for_update().get(trigger=trigger.name)
        before = (cursor.last_id, cursor.last_at)
        cursor.overlap = overlap
        counts = trigger.run(cursor, now)
        cursor.last_error = ""
        cursor.save()
    return counts, (cursor.last_id, cursor.last_at) != before


def run_trigger(trigger: Trigger, *, now=None) -> dict:
    """Batch after batch while the cursor moves, for up to NOTIFY_SCAN_SECONDS: a burst (a sealed area's
    100,000 releases) is queued in one scan, not 500 a minute. Each batch commits with its cursor."""
    now = now or timezone.now()
    _start_cursor(trigger, now)
    deadline = time.monotonic() + _scan_seconds()
    counts: Counter = Counter()
    overlap = True
    while True:
        step, moved = _run_once(trigger, now, overlap=overlap)
        counts.update(step)
        overlap = False
        if not moved or time.monotonic() > deadline:
            return dict(counts)


def run_all(*, now=None, triggers: list[Trigger] | None = None) -> dict:
    results = {}
    for trigger in TRIGGERS if triggers is None else triggers:
        try:
            results[trigger.name] = run_trigger(trigger, now=now)
        except Exception as exc:
            logger.exception("notify trigger %s failed", trigger.name)
            TriggerCursor.objects.filter(trigger=trigger.name).update(
                last_error=f"{type(exc).__name__}: {exc}"[:500])
            results[trigger.name] = {"error": type(exc).__name__}
    return results
