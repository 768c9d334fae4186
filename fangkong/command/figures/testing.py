"""Coverage (应检尽检) of the running rounds per node, from the rounds' own per-grid counters, and positive pools."""

from collections import Counter, defaultdict

from django.db.models import Count, Sum

from fangkong.command.figures import Context, Counts
from fangkong.testing.models import Coverage, Result, Round, Tube


def collect(ctx: Context) -> Counts:
    counts: Counts = defaultdict(Counter)
    running = list(Round.objects.filter(status=Round.Status.RUNNING).values_list("pk", flat=True))
    if not running:
        return counts
    # Rounds running side by side cover different nodes; where they overlap a person is a target of each.
    for unit_id, target, sampled in (Coverage.objects.filter(round_id__in=running).values("unit_id")
                                     .annotate(t=Sum("target"), s=Sum("sampled"))
                                     .values_list("unit_id", "t", "s").order_by()):
        counts[unit_id]["testing.target"] += target or 0
        counts[unit_id]["testing.sampled"] += sampled or 0
    for unit_id, n in (Tube.objects.filter(round_id__in=running, result=Result.POSITIVE, capacity__gt=1)
                       .values("unit_id").annotate(n=Count("pk")).values_list("unit_id", "n").order_by()):
        counts[unit_id]["testing.positive_pools"] += n
    return counts
