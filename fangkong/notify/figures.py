"""The dashboard's notify figures per node (contract: fangkong.command.figures). Group "notify", read with
notify.view. Counted on the message's unit (the person's building):
  notify.queued       messages waiting or being sent now, whatever day they were queued
  notify.sent         messages queued today and accepted by the gateway (no receipt yet)
  notify.delivered    messages queued today with a delivery receipt
  notify.failed       messages queued today that failed every attempt
  notify.unreachable  messages queued today whose number was refused or missing
"""

from collections import Counter, defaultdict

from django.db.models import Count, Q

from fangkong.command.figures import Context, Counts
from fangkong.core.days import day_bounds
from fangkong.notify.models import Message

_KEY = {Message.Status.SENT: "notify.sent", Message.Status.DELIVERED: "notify.delivered",
        Message.Status.FAILED: "notify.failed", Message.Status.UNREACHABLE: "notify.unreachable"}


def collect(ctx: Context) -> Counts:
    counts: Counts = defaultdict(Counter)
    start, end = day_bounds(ctx.today)
    waiting = Q(status__in=[Message.Status.QUEUED, Message.Status.SENDING])
    rows = (Message.objects.filter(unit__isnull=False).filter(waiting | Q(created_at__gte=start, created_at__lt=end))
            .values("unit_id", "status").annotate(n=Count("pk")).values_list("unit_id", "status", "n").order_by())
    for unit_id, status, n in rows.iterator(chunk_size=20_000):
        counts[unit_id][_KEY.get(status, "notify.queued")] += n
    return counts
