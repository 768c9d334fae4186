"""Contact follow-up and case-finding indicators (WHO's contact-tracing KPIs; tracing.kpis), per node and day.

Figures over the last 7 days, both parts of each share:
  followup.week_due / followup.week_reached: contact-days under follow-up, and reached, in the 7 complete days
    before today (today is not over);
  followup.week_ended / followup.week_ended_full: follow-ups whose period ended in those days, and those reached
    on every day of it;
  followup.week_cases / followup.week_cases_known: cases reported in the last 7 days (today included), and those
    already under control or known contacts;
  followup.week_cases_timed / followup.week_cases_on_time: of those, the cases whose 24 hours are over or who were
    reached, and those reached within 24 hours.
Series by day: followup_<part> for every part above (due, reached, ended, ended_full, cases, cases_known,
cases_timed, cases_on_time).
"""

import datetime
from collections import Counter, defaultdict

from fangkong.command.figures import Context, Counts
from fangkong.tracing.kpis import KEYS, followup_kpis

CONTACT_KEYS = ("due", "reached", "ended", "ended_full")


def collect(ctx: Context) -> Counts:
    counts: Counts = defaultdict(Counter)
    week_contacts = {ctx.today - datetime.timedelta(days=n) for n in range(1, 8)}
    week_cases = {ctx.today - datetime.timedelta(days=n) for n in range(7)}
    for unit_id, by_day in followup_kpis(now=ctx.now).items():
        series = ctx.series.setdefault(unit_id, {})
        c = counts[unit_id]
        for day, parts in by_day.items():
            for key in KEYS:
                n = parts.get(key, 0)
                if not n:
                    continue
                series.setdefault(f"followup_{key}", Counter())[day.isoformat()] += n
                if day in (week_contacts if key in CONTACT_KEYS else week_cases):
                    c[f"followup.week_{key}"] += n
    return counts
