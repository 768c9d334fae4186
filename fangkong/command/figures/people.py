"""Residents by management status, and households, per node."""

from collections import Counter, defaultdict

from django.db.models import Count

from fangkong.command.figures import Context, Counts
from fangkong.people.models import Household, Person


def collect(ctx: Context) -> Counts:
    counts: Counts = defaultdict(Counter)
    rows = (Person.objects.filter(merged_into__isnull=True).values("unit_id", "status").annotate(n=Count("pk"))
            .values_list("unit_id", "status", "n").order_by())
    for unit_id, status, n in rows.iterator(chunk_size=20_000):
        counts[unit_id]["people.persons"] += n
        counts[unit_id][f"people.status.{status}"] += n
    for unit_id, n in (Household.objects.values("unit_id").annotate(n=Count("pk")).values_list("unit_id", "n")
                       .order_by().iterator(chunk_size=20_000)):
        counts[unit_id]["people.households"] += n
    return counts
