"""The dashboard's units figures per node (contract: fangkong.command.figures). Group "units", read with units.view:
  units.total                 units on file
  units.status.<status>       by status (open, suspended, applying)
  units.in_loop               units in closed loop now
  units.applications_pending  reopening applications awaiting review
  units.approved_week         applications approved in the last 7 days
"""

from collections import Counter, defaultdict
from datetime import timedelta

from django.db.models import Count

from fangkong.command.figures import Context, Counts
from fangkong.units.models import Application, ClosedLoop, Organisation


def collect(ctx: Context) -> Counts:
    counts: Counts = defaultdict(Counter)
    for unit_id, status, n in (Organisation.objects.values("unit_id", "status").annotate(n=Count("pk"))
                               .values_list("unit_id", "status", "n").order_by()):
        counts[unit_id]["units.total"] += n
        counts[unit_id][f"units.status.{status}"] += n
    for unit_id, n in (ClosedLoop.objects.filter(status=ClosedLoop.Status.ACTIVE)
                       .values("organisation__unit_id").annotate(n=Count("pk"))
                       .values_list("organisation__unit_id", "n").order_by()):
        counts[unit_id]["units.in_loop"] += n
    for unit_id, n in (Application.objects.filter(status=Application.Status.SUBMITTED)
                       .values("organisation__unit_id").annotate(n=Count("pk"))
                       .values_list("organisation__unit_id", "n").order_by()):
        counts[unit_id]["units.applications_pending"] += n
    since = ctx.now - timedelta(days=7)
    for unit_id, n in (Application.objects.filter(status=Application.Status.APPROVED, reviewed_at__gte=since)
                       .values("organisation__unit_id").annotate(n=Count("pk"))
                       .values_list("organisation__unit_id", "n").order_by()):
        counts[unit_id]["units.approved_week"] += n
    return counts
