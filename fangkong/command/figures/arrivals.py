"""Arrivals at their destination node: today, this week, and the first contact (首次联系) of the last 7 days'."""

from collections import Counter, defaultdict
from datetime import timedelta

from django.db.models import Count, F, Q

from fangkong.arrivals.models import Arrival
from fangkong.command.figures import Context, Counts
from fangkong.tasks.models import OPEN_STATUSES, Task

WINDOW_DAYS = 7


def collect(ctx: Context) -> Counts:
    counts: Counts = defaultdict(Counter)
    week_start = ctx.today - timedelta(days=WINDOW_DAYS - 1)
    done = Q(first_contact_task__status=Task.Status.DONE)
    rows = (Arrival.objects.filter(arrived_on__gte=week_start).values("destination_id")
            .annotate(week=Count("pk"), today=Count("pk", filter=Q(arrived_on=ctx.today)),
                      done=Count("pk", filter=done),
                      on_time=Count("pk", filter=done & Q(first_contact_task__closed_at__lte=F(
                          "first_contact_task__due_at"))),
                      overdue=Count("pk", filter=Q(status=Arrival.Status.OPEN,
                                                   first_contact_task__status__in=OPEN_STATUSES,
                                                   first_contact_task__due_at__lt=ctx.now)))
            .values_list("destination_id", "week", "today", "done", "on_time", "overdue").order_by())
    for unit_id, week, today, done_n, on_time, overdue in rows:
        c = counts[unit_id]
        c["arrivals.week"] += week
        c["arrivals.today"] += today
        c["arrivals.first_contact_done"] += done_n
        c["arrivals.first_contact_on_time"] += on_time
        c["arrivals.first_contact_overdue"] += overdue
    return counts
