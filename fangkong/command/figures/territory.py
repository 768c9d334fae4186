"""Grids without a grid worker (网格员): a grid nobody answers for is where measures are not carried out."""

from collections import Counter, defaultdict

from django.db.models import Exists, OuterRef

from fangkong.command.figures import Context, Counts
from fangkong.territory.models import Level, Responsibility, Unit


def collect(ctx: Context) -> Counts:
    counts: Counts = defaultdict(Counter)
    staffed = Responsibility.objects.filter(unit=OuterRef("pk"), role=Responsibility.Role.GRID_WORKER,
                                            household__isnull=True)
    for pk in Unit.objects.filter(level=Level.GRID).filter(~Exists(staffed)).values_list("pk", flat=True):
        counts[pk]["territory.grids_unstaffed"] += 1
    return counts
