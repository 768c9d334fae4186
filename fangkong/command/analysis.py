"""The epidemic analysis of a node's curve for the dashboard: Rt, trend, doubling time and the 14-day projection,
from the engine (command.engine.epi), with the serial interval estimated from the city's linked case pairs when
there are enough of them and the protocol's otherwise."""

from datetime import date, timedelta

import numpy as np
from django.utils.translation import gettext as _

from fangkong.command.engine import epi

MIN_SI_PAIRS = 20  # fewer linked pairs with both onsets known: the protocol's serial interval is used
HISTORY_DAYS = 120  # the analysis looks at most this far back
RT_ROWS = 45  # windows kept for the chart
PROJECTION_DAYS = 14
# The contacts the protocol may send to centralised isolation, each by its own plan.
CONTACT_CATEGORIES = ("close_contact", "secondary_contact")


def serial_interval(*, pairs: int, mean: float | None, sd: float | None, default_mean: float,
                    default_sd: float) -> dict:
    """The serial interval Rt uses: the linked pairs' mean and sd when there are enough (and they make a valid
    gamma: mean above a day, sd above 0), else the protocol's default."""
    if pairs >= MIN_SI_PAIRS and mean is not None and sd and mean > 1:
        return {"mean": round(mean, 2), "sd": round(sd, 2), "source": "pairs", "pairs": pairs}
    return {"mean": default_mean, "sd": default_sd, "source": "protocol", "pairs": pairs}


def _days(series: dict, start: date, end: date) -> list[int]:
    return [int(series.get((start + timedelta(days=i)).isoformat(), 0)) for i in range((end - start).days + 1)]


def central_days(plan) -> int:
    """Days a plan keeps a person in centralised isolation from the start (its leading central_isolation stages);
    0 for a plan that starts at home, or no plan."""
    days = 0
    for stage in getattr(plan, "stages", ()) if plan is not None else ():
        if stage.status != "central_isolation":
            break
        days += stage.days
    return days


def isolation_groups(plans: dict, per_case: dict[str, float]) -> list[dict]:
    """The protocol's contact categories with how many of each a case brings and how long they stay in a site."""
    return [{"category": category, "per_case": round(float(per_case.get(category, 0.0)), 2),
             "central_days": central_days(plans.get(category))} for category in CONTACT_CATEGORIES]


def _group_phrase(group: dict) -> str:
    values = {"per": f"{group['per_case']:g}", "days": group["central_days"]}
    if group["category"] == "close_contact":
        if group["central_days"]:
            return _("%(per)s close contacts per case, in centralised isolation for %(days)s days") % values
        return _("%(per)s close contacts per case, isolated at home") % values
    if group["central_days"]:
        return _("%(per)s secondary contacts per case, in centralised isolation for %(days)s days") % values
    return _("%(per)s secondary contacts per case, isolated at home") % values


def assumption_text(*, si: dict, current: dict | None, groups: list[dict]) -> str:
    """The line written under the forecast, on the dashboard and in the daily report alike."""
    parts = []
    if current is not None:
        parts.append(_("Forecast assumes Rt stays at its current estimate %(mean)s (%(low)s–%(high)s) for 14 days, "
                       "no new imported cases and unchanged measures.") % {
            "mean": f"{current['mean']:.2f}", "low": f"{current['q025']:.2f}", "high": f"{current['q975']:.2f}"})
    else:
        parts.append(_("No forecast: too few cases in the last 7 days for an Rt estimate."))
    if si["source"] == "pairs":
        parts.append(_("Serial interval: mean %(mean)s days, SD %(sd)s, estimated from %(n)s linked pairs of "
                       "cases.") % {"mean": si["mean"], "sd": si["sd"], "n": si["pairs"]})
    else:
        parts.append(_("Serial interval: mean %(mean)s days, SD %(sd)s, the protocol's default (%(n)s linked pairs "
                       "are too few to estimate it).") % {"mean": si["mean"], "sd": si["sd"], "n": si["pairs"]})
    if current is not None:
        if any(g["central_days"] for g in groups):
            parts.append(_("Isolation demand (rooms taken by the forecast cases' contacts, one person per room, "
                           "from the case's day; rooms taken today not included): %(groups)s, as the active "
                           "protocol and the last 14 days' tracing give.") % {
                "groups": _("; ").join(_group_phrase(g) for g in groups)})
        else:
            parts.append(_("Isolation demand: the active protocol sends no contacts to centralised isolation."))
    return " ".join(parts)


def _demand(paths: np.ndarray, dates: list[date], groups: list[dict]) -> list[dict]:
    central = [(g["per_case"], g["central_days"]) for g in groups if g["central_days"] and g["per_case"] > 0]
    if not central:
        return []
    rooms = epi.occupancy(paths, central)
    low, median, high = np.quantile(rooms, [0.025, 0.5, 0.975], axis=0)
    return [{"date": d.isoformat(), "rooms": int(round(m)), "low": int(round(lo)), "high": int(round(hi))}
            for d, lo, m, hi in zip(dates, low, median, high, strict=True)]


def analyse(*, series: dict, today: date, si: dict, isolation: list[dict]) -> dict | None:
    """None when the node has no cases at all. `isolation` is isolation_groups(...): what each case's contacts
    need in rooms under the active protocol."""
    onset = series.get("onset") or {}
    report = series.get("report") or {}
    if not onset and not report:
        return None
    first = min(date.fromisoformat(d) for d in [*onset, *report])
    start = max(first, today - timedelta(days=HISTORY_DAYS - 1))
    dates = [start + timedelta(days=i) for i in range((today - start).days + 1)]
    total = _days(onset, start, today)
    imported = _days(series.get("imported") or {}, start, today)
    local = [t - i for t, i in zip(total, imported, strict=True)]
    reported = _days(report, start, today)

    rt_rows = epi.estimate_rt(dates, local, imported, si_mean=si["mean"], si_sd=si["sd"])[-RT_ROWS:]
    current = next((row for row in reversed(rt_rows) if row.status == epi.OK), None)
    trend = epi.trend(dates, reported)
    doubling = epi.doubling_time(dates, reported)
    projection, demand, total_row = [], [], None
    if current is not None:
        kwargs = {"rt_mean": current.mean, "rt_sd": current.sd, "si_mean": si["mean"], "si_sd": si["sd"],
                  "days": PROJECTION_DAYS}
        projection = epi.project(dates, local, imported, **kwargs)
        paths = epi.project_paths(dates, local, imported, **kwargs)
        sums = paths.sum(axis=1)
        low, median, high = np.quantile(sums, [0.025, 0.5, 0.975])
        total_row = {"median": int(round(median)), "q025": int(round(low)), "q975": int(round(high))}
        demand = _demand(paths, [row.date for row in projection], isolation)
    current_rt = None if current is None else {"t_end": current.t_end.isoformat(), "mean": current.mean,
                                               "q025": current.q025, "q975": current.q975}
    peak = max(demand, key=lambda row: (row["rooms"], row["high"]), default=None)
    return {
        "si": si,
        "rt": [{"t_start": r.t_start.isoformat(), "t_end": r.t_end.isoformat(), "mean": r.mean, "sd": r.sd,
                "q025": r.q025, "q50": r.q50, "q975": r.q975, "status": r.status} for r in rt_rows],
        "current_rt": current_rt,
        "trend": {"peak_date": trend.peak_date.isoformat() if trend.peak_date else None,
                  "days_falling": trend.days_falling, "direction": trend.direction, "line": trend.line},
        "doubling": None if doubling is None else {"kind": doubling.kind, "days": doubling.days,
                                                   "low": doubling.low, "high": doubling.high},
        "projection": [{"date": r.date.isoformat(), "median": r.median, "q025": r.q025, "q975": r.q975}
                       for r in projection],
        "projection_total": total_row,
        "isolation": isolation,
        "isolation_demand": demand,
        "isolation_peak": peak,
        "assumption": assumption_text(si=si, current=current_rt, groups=isolation),
    }


def target_lines(*, target: date, today: date, trend: dict | None) -> dict:
    """How the node stands against its inflection-point target (拿下拐点): days left or over, whether the 7-day
    count has peaked (the trend falling since the peak), and the line the dashboard and the report print."""
    from django.utils.translation import ngettext

    days_left = (target - today).days
    trend = trend or {}
    direction = trend.get("direction") or "insufficient"
    peak = trend.get("peak_date")
    peaked = direction == "falling" and bool(peak)
    if days_left > 0:
        when = ngettext("%(n)d day left to the inflection-point target (%(day)s)",
                        "%(n)d days left to the inflection-point target (%(day)s)", days_left) % {
            "n": days_left, "day": target.isoformat()}
    elif days_left == 0:
        when = _("The inflection-point target (%(day)s) is today") % {"day": target.isoformat()}
    else:
        when = ngettext("The inflection-point target (%(day)s) passed %(n)d day ago",
                        "The inflection-point target (%(day)s) passed %(n)d days ago", -days_left) % {
            "n": -days_left, "day": target.isoformat()}
    if peaked:
        falling = int(trend.get("days_falling") or 0)
        state = ngettext("new cases have fallen for %(n)d day in a row since the peak on %(peak)s",
                         "new cases have fallen for %(n)d days in a row since the peak on %(peak)s", falling) % {
            "n": falling, "peak": peak}
    elif direction == "rising":
        state = _("new cases are still rising: the inflection point has not come")
    elif direction == "flat":
        state = _("new cases are level: the inflection point has not come")
    elif trend:
        state = _("too few days to tell whether the inflection point has come")
    else:
        state = ""
    line = _("%(when)s; %(state)s.") % {"when": when, "state": state} if state else f"{when}."
    met = peaked and date.fromisoformat(peak) <= target
    return {"target": target.isoformat(), "days_left": days_left, "peaked": peaked, "met": met,
            "overdue": days_left < 0 and not peaked, "line": line}
