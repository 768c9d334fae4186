"""The dashboard's supervision figures per node (contract: fangkong.command.figures). Group "supervision", read
with supervision.report:
  supervision.open_findings        findings not yet closed by a verification (handed over or not)
  supervision.overdue_assignments  assignments past their deadline with no rectification reported
  supervision.findings_today       findings recorded today
"""

from collections import Counter, defaultdict

from django.db.models import Count, Q

from fangkong.command.figures import Context, Counts
from fangkong.core.days import day_bounds
from fangkong.supervision.models import Assignment, Finding


def collect(ctx: Context) -> Counts:
    counts: Counts = defaultdict(Counter)
    start, end = day_bounds(ctx.today)
    not_closed = Q(assignment__isnull=True) | ~Q(assignment__status=Assignment.Status.CLOSED)
    rows = (Finding.objects.values("unit_id")
            .annotate(open=Count("pk", filter=not_closed),
                      today=Count("pk", filter=Q(found_at__gte=start, found_at__lt=end)))
            .filter(Q(open__gt=0) | Q(today__gt=0)).values_list("unit_id", "open", "today").order_by())
    for unit_id, still_open, today in rows.iterator(chunk_size=20_000):
        if still_open:
            counts[unit_id]["supervision.open_findings"] += still_open
        if today:
            counts[unit_id]["supervision.findings_today"] += today
    overdue = (Assignment.objects.filter(status=Assignment.Status.OPEN, due_at__lt=ctx.now).values("unit_id")
               .annotate(n=Count("pk")).values_list("unit_id", "n").order_by())
    for unit_id, n in overdue:
        counts[unit_id]["supervision.overdue_assignments"] += n
    return counts
