"""Periodic protocol work (scheduled by fangkong.ops.schedules)."""

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from fangkong.protocols import selectors
from fangkong.protocols.engine.measures import STAGE_END, TEST
from fangkong.protocols.models import Measure, Reminder, RuleSetVersion

logger = logging.getLogger(__name__)

# rules.py caps first_contact_hours at 168; one day more covers a deadline late on the last day.
MAKE_UP_HORIZON = timedelta(hours=168 + 24)
CHUNK = 500


def send_protocol_reminders() -> int:
    """Flag tomorrow's test days and stage ends of running measures, once per task.

    For each, the task is made sure to exist (re-opened from the plan if it went missing) and still open;
    a Reminder row marks it, and the protocols page lists tomorrow's reminders for every grid worker in scope.
    Idempotent: a second run the same day flags nothing new. Returns how many were flagged now.
    """
    tomorrow = timezone.localdate() + timedelta(days=1)
    # A measure has work tomorrow only if tomorrow lies within its days, or if it started lately enough for a
    # make-up test (due at the first-contact deadline, at most MAKE_UP_HORIZON after registration) to fall then.
    recent = timezone.now() - MAKE_UP_HORIZON
    running = (Measure.objects.filter(Q(ends_on__gte=tomorrow) | Q(started_at__gte=recent),
                                      status=Measure.Status.ACTIVE, day_one__lte=tomorrow)
               .order_by("pk"))
    # A few versions govern every running measure: load each (and parse its rules) once, not once per row.
    versions = {v.pk: v for v in RuleSetVersion.objects.filter(pk__in=running.values("version_id").distinct())
                .select_related("rule_set")}
    flagged, chunk = 0, []
    for measure in running.iterator(chunk_size=CHUNK):
        measure.version = versions[measure.version_id]
        chunk.append(measure)
        if len(chunk) == CHUNK:
            flagged += _flag(chunk, tomorrow)
            chunk = []
    if chunk:
        flagged += _flag(chunk, tomorrow)
    if flagged:
        logger.info("protocol reminders: %d flagged for %s", flagged, tomorrow.isoformat())
    return flagged


def _flag(measures: list, tomorrow) -> int:
    """One batch: a few queries for any number of measures (plans are computed, not stored)."""
    from fangkong.protocols.services import measure_tasks_ensure
    from fangkong.tasks.models import OPEN_STATUSES, Task

    wanted = {}
    for measure in measures:
        plan = selectors.measure_plan(measure=measure)
        for n, planned in enumerate(plan.tasks):
            if planned.kind in (TEST, STAGE_END) and selectors.work_day(planned.due_at) == tomorrow:
                wanted[f"measure:{measure.pk}:{n}"] = (measure, plan, planned)
    if not wanted:
        return 0
    tasks = {t.dedupe_key: t for t in Task.objects.filter(dedupe_key__in=list(wanted)).only("pk", "dedupe_key",
                                                                                             "status")}
    missing: dict[int, list[str]] = {}
    for key, (measure, _plan, _planned) in wanted.items():
        if key not in tasks:
            missing.setdefault(measure.pk, []).append(key)
    for keys in missing.values():
        measure, plan, _planned = wanted[keys[0]]
        # Lost somehow (deleted by hand, a failed dispatch): the protocol still demands it.
        tasks.update(measure_tasks_ensure(measure=measure, plan=plan, keys=keys))
    open_tasks = {key: task for key, task in tasks.items() if task.status in OPEN_STATUSES}
    done = set(Reminder.objects.filter(task_id__in=[t.pk for t in open_tasks.values()])
               .values_list("task_id", flat=True))
    new = [Reminder(task_id=task.pk, measure=wanted[key][0], kind=wanted[key][2].kind, due_at=wanted[key][2].due_at,
                    work_day=tomorrow)
           for key, task in open_tasks.items() if task.pk not in done]
    with transaction.atomic():
        # Another run at the same moment may have flagged some: the unique task keeps one reminder each.
        Reminder.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)
