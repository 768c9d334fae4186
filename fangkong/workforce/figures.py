"""The dashboard's workforce figures per node (contract: fangkong.command.figures). Group "workforce", read with
workforce.change:
  workforce.hours_week      person-hours on duty at the node's posts in the last 7 days
  workforce.uncovered       open alerts of a post with nobody on its next shift
  workforce.over_hours      people over the 7-day hours of the shift rules (counted at the post of their last shift)
"""

from collections import Counter, defaultdict

from django.db.models import Count

from fangkong.command.figures import Context, Counts
from fangkong.workforce.engine.roster import WEEK
from fangkong.workforce.models import Post, Shift
from fangkong.workforce.selectors import with_people
from fangkong.workforce.served import hours_by_post, over_hours


def collect(ctx: Context) -> Counts:
    from fangkong.tasks.models import OPEN_STATUSES, Task

    counts: Counts = defaultdict(Counter)
    since = ctx.now - WEEK
    shifts = list(with_people(Shift.objects.filter(starts_at__lt=ctx.now, ends_at__gt=since)))
    unit_of = dict(Post.objects.values_list("pk", "unit_id"))
    for post_id, hours in hours_by_post(shifts, since=since, until=ctx.now).items():
        counts[unit_of[post_id]]["workforce.hours_week"] += round(hours)
    for row in over_hours(shifts, until=ctx.now):
        counts[unit_of[row.post_id]]["workforce.over_hours"] += 1
    open_alerts = (Task.objects.filter(kind="workforce_uncovered", status__in=OPEN_STATUSES).values("unit_id")
                   .annotate(n=Count("pk")).values_list("unit_id", "n").order_by())
    for unit_id, n in open_alerts:
        counts[unit_id]["workforce.uncovered"] += n
    return counts
