"""The dashboard's supplies figures per node (contract: fangkong.command.figures): stocks covering fewer days
than the threshold, on their place's node, and open requests (waiting, approved or on the way) on the node of the
point that asked."""

import datetime
from collections import Counter, defaultdict
from decimal import Decimal

from django.db.models import Count, Sum

from fangkong.supplies.models import Balance, Movement, SupplyRequest
from fangkong.supplies.stock.selectors import USE_DAYS, USE_KINDS, low_cover_days

OPEN = (SupplyRequest.Status.SUBMITTED, SupplyRequest.Status.APPROVED, SupplyRequest.Status.ISSUED)


def collect(ctx) -> dict[int, Counter]:
    counts: dict[int, Counter] = defaultdict(Counter)
    since = ctx.now - datetime.timedelta(days=USE_DAYS)
    use = {(r["place_id"], r["item_id"]): (-r["used"], r["place__unit_id"]) for r in
           Movement.objects.filter(kind__in=USE_KINDS, at__gte=since, at__lte=ctx.now, place__active=True)
           .values("place_id", "item_id", "place__unit_id").annotate(used=Sum("delta")).order_by()}
    held = {(p, i): q for p, i, q in Balance.objects.filter(place_id__in={p for p, _i in use})
            .values_list("place_id", "item_id", "quantity")}
    threshold = Decimal(low_cover_days())
    for key, (used, unit_id) in use.items():
        if used > 0 and held.get(key, Decimal(0)) * USE_DAYS < threshold * used:
            counts[unit_id]["supplies.low_stock"] += 1
    for unit_id, n in (SupplyRequest.objects.filter(status__in=OPEN).values("place__unit_id")
                       .annotate(n=Count("pk")).values_list("place__unit_id", "n").order_by()):
        counts[unit_id]["supplies.requests_open"] += n
    return counts
