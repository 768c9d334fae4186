"""The dashboard's fever clinic figures per node (contract: fangkong.command.figures). Group "units", read with
units.view; rows sit on the clinic's unit node:
  units.fever_today     fever patients reported today
  units.fever_week      fever patients reported in the last 7 days (today included)
  units.fever_sent_home of today's, those sent home (each has a grid worker's home visit)
  units.disinfection_open     terminal disinfection orders awaiting disinfection
  units.disinfection_overdue  of those, past their deadline
"""

from collections import Counter, defaultdict
from datetime import timedelta

from django.db.models import Count, Q

from fangkong.command.figures import Context, Counts
from fangkong.units.models import DisinfectionOrder, FeverReport


def collect(ctx: Context) -> Counts:
    counts: Counts = defaultdict(Counter)
    week = ctx.today - timedelta(days=6)
    rows = (FeverReport.objects.filter(seen_on__gte=week, seen_on__lte=ctx.today)
            .values("clinic__organisation__unit_id")
            .annotate(week=Count("pk"), today=Count("pk", filter=Q(seen_on=ctx.today)),
                      home=Count("pk", filter=Q(seen_on=ctx.today, disposition=FeverReport.Disposition.SENT_HOME)))
            .values_list("clinic__organisation__unit_id", "week", "today", "home").order_by())
    for unit_id, week_n, today_n, home_n in rows:
        counts[unit_id]["units.fever_week"] += week_n
        counts[unit_id]["units.fever_today"] += today_n
        counts[unit_id]["units.fever_sent_home"] += home_n
    for unit_id, n, late in (DisinfectionOrder.objects.filter(status=DisinfectionOrder.Status.OPEN)
                             .values("unit_id").annotate(n=Count("pk"), late=Count("pk", filter=Q(
                                 deadline__lt=ctx.now)))
                             .values_list("unit_id", "n", "late").order_by()):
        counts[unit_id]["units.disinfection_open"] += n
        counts[unit_id]["units.disinfection_overdue"] += late
    return counts
