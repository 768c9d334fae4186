"""Open and overdue tasks per node, overdue ones by kind."""

from collections import Counter, defaultdict

from django.db.models import Count, Q

from fangkong.command.figures import Context, Counts
from fangkong.tasks.models import Task


def collect(ctx: Context) -> Counts:
    counts: Counts = defaultdict(Counter)
    rows = (Task.objects.still_open().values("unit_id", "kind")
            .annotate(n=Count("pk"), late=Count("pk", filter=Q(due_at__lt=ctx.now)))
            .values_list("unit_id", "kind", "n", "late").order_by())
    for unit_id, kind, n, late in rows.iterator(chunk_size=20_000):
        counts[unit_id]["tasks.open"] += n
        if late:
            counts[unit_id]["tasks.overdue"] += late
            counts[unit_id][f"tasks.overdue.{kind}"] += late
    return counts
