"""The per-node counts behind the tree page and the API (territory.UnitTally), recounted in one pass.

One GROUP BY over persons and one over households by their node, then each node's numbers are added to every
ancestor down to the grid in Python: about 16,000 rows to write for the 10 M-resident city.
"""

from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from fangkong.core.paths import path_ids
from fangkong.people.models import Household, Person
from fangkong.territory.models import Level, Unit, UnitTally

# Older than this, tallies are not trusted and pages count live (a worker that stopped, a fresh database).
MAX_AGE = timedelta(minutes=15)


def _rolled_up(counts: dict[int, int], paths: dict[int, str], tallied: set[int]) -> Counter:
    totals: Counter = Counter()
    for unit_id, n in counts.items():
        for ancestor in path_ids(paths[unit_id]):
            if ancestor in tallied:
                totals[ancestor] += n
    return totals


def tallies_refresh() -> int:
    """Recounts every node from the city down to the grids; returns how many it wrote."""
    now = timezone.now()
    persons = dict(Person.objects.filter(merged_into__isnull=True).values("unit_id").annotate(n=Count("pk"))
                   .values_list("unit_id", "n").order_by())
    households = dict(Household.objects.values("unit_id").annotate(n=Count("pk")).values_list("unit_id", "n")
                      .order_by())
    # Every node's path in one sequential read: cheaper than an IN list of half a million building ids.
    paths = dict(Unit.objects.values_list("pk", "path").order_by())
    tallied = set(Unit.objects.filter(level__lte=Level.GRID).values_list("pk", flat=True))
    person_totals = _rolled_up(persons, paths, tallied)
    household_totals = _rolled_up(households, paths, tallied)
    rows = [UnitTally(unit_id=pk, persons=person_totals[pk], households=household_totals[pk], counted_at=now)
            for pk in tallied]
    with transaction.atomic():
        UnitTally.objects.all().delete()
        UnitTally.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def tallies_fresh_since():
    """The time of the last count if it can be trusted, else None."""
    if not getattr(settings, "TERRITORY_USE_TALLIES", True):
        return None
    # One recount writes every row with the same time: any row tells it, and the first by key is an index lookup.
    last = UnitTally.objects.values_list("counted_at", flat=True).first()
    return last if last is not None and timezone.now() - last <= MAX_AGE else None
