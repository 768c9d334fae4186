"""Risk areas in force, by level, on the node they were declared on (areas outside the city are left out)."""

from collections import Counter, defaultdict

from fangkong.command.figures import Context, Counts
from fangkong.risk.models import RiskArea


def collect(ctx: Context) -> Counts:
    counts: Counts = defaultdict(Counter)
    for unit_id, level in RiskArea.objects.active().filter(unit__isnull=False).values_list("unit_id", "level"):
        counts[unit_id][f"risk.{level}"] += 1
    return counts
