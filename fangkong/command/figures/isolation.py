"""Isolation rooms and people per node (a site counts on its own node), and the placement queue by the node of
the person waiting. The 14-day shortfall is a forecast per node, not a count: the snapshot job sets it on the
city and its districts (forecast_shortfall)."""

from collections import Counter, defaultdict

from django.db.models import Count, Q

from fangkong.command.figures import Context, Counts
from fangkong.isolation.models import Room, Site, Stay
from fangkong.isolation.services import LIVE
from fangkong.tasks.models import OPEN_STATUSES, Task


def collect(ctx: Context) -> Counts:
    counts: Counts = defaultdict(Counter)
    for unit_id, n in Site.objects.filter(active=True).values("unit_id").annotate(n=Count("pk")).values_list(
            "unit_id", "n").order_by():
        counts[unit_id]["isolation.sites"] += n
    rows = (Room.objects.filter(site__active=True).values("site__unit_id")
            .annotate(n=Count("pk"), free=Count("pk", filter=Q(status=Room.Status.AVAILABLE)),
                      occupied=Count("pk", filter=Q(status=Room.Status.OCCUPIED)))
            .values_list("site__unit_id", "n", "free", "occupied").order_by())
    for unit_id, n, free, occupied in rows:
        counts[unit_id]["isolation.rooms"] += n
        counts[unit_id]["isolation.rooms_free"] += free
        counts[unit_id]["isolation.rooms_occupied"] += occupied
    for unit_id, n in (Stay.objects.filter(status=Stay.Status.ARRIVED).values("site__unit_id")
                       .annotate(n=Count("pk")).values_list("site__unit_id", "n").order_by()):
        counts[unit_id]["isolation.people"] += n
    queue = (Task.objects.filter(kind="transfer_to_isolation", status__in=OPEN_STATUSES, person__isnull=False)
             .exclude(person_id__in=Stay.objects.filter(status__in=LIVE).values("person_id")))
    for unit_id, n in queue.values("unit_id").annotate(n=Count("pk")).values_list("unit_id", "n").order_by():
        counts[unit_id]["isolation.queue"] += n
    return counts


def forecast_shortfall(unit, now) -> int:
    from fangkong.isolation.selectors import capacity_forecast_of_node

    return capacity_forecast_of_node(unit=unit, now=now).peak_shortfall
