"""Living support on the dashboard: needs open and past their deadline, and needs met today, on each need's
building (the snapshot job rolls them up). Group "living": the lead maps it to `supplies.view`."""

from collections import Counter, defaultdict

from django.db.models import Count, Q

from fangkong.command.figures import Context, Counts
from fangkong.core.days import day_bounds
from fangkong.supplies.models.living import OPEN_NEED_STATUSES, Need


def collect(ctx: Context) -> Counts:
    counts: Counts = defaultdict(Counter)
    start, end = day_bounds(ctx.today)
    rows = (Need.objects.filter(Q(status__in=OPEN_NEED_STATUSES) | Q(status=Need.Status.MET, met_at__gte=start,
                                                                       met_at__lt=end))
            .values("unit_id")
            .annotate(open=Count("pk", filter=Q(status__in=OPEN_NEED_STATUSES)),
                      overdue=Count("pk", filter=Q(status__in=OPEN_NEED_STATUSES, due_at__lt=ctx.now)),
                      delivered=Count("pk", filter=Q(status=Need.Status.MET)))
            .values_list("unit_id", "open", "overdue", "delivered").order_by())
    for unit_id, open_, overdue, delivered in rows:
        counts[unit_id]["living.needs_open"] += open_
        counts[unit_id]["living.needs_overdue"] += overdue
        counts[unit_id]["living.delivered_today"] += delivered
    return counts
