"""The epidemic analysis of a node's curve for the dashboard: Rt, trend, doubling time and the 14-day projection,
from the engine (command.engine.epi), with the serial interval estimated from the city's linked case pairs when
there are enough of them and the protocol's otherwise."""

from datetime import date, timedelta

from fangkong.command.engine import epi

MIN_SI_PAIRS = 20  # fewer linked pairs with both onsets known: the protocol's serial interval is used
HISTORY_DAYS = 120  # the analysis looks at most this far back
RT_ROWS = 45  # windows kept for the chart
PROJECTION_DAYS = 14


def serial_interval(*, pairs: int, mean: float | None, sd: float | None, default_mean: float,
                    default_sd: float) -> dict:
    """The serial interval Rt uses: the linked pairs' mean and sd when there are enough (and they make a valid
    gamma: mean above a day, sd above 0), else the protocol's default."""
    if pairs >= MIN_SI_PAIRS and mean is not None and sd and mean > 1:
        return {"mean": round(mean, 2), "sd": round(sd, 2), "source": "pairs", "pairs": pairs}
    return {"mean": default_mean, "sd": default_sd, "source": "protocol", "pairs": pairs}


def _days(series: dict, start: date, end: date) -> list[int]:
    return [int(series.get((start + timedelta(days=i)).isoformat(), 0)) for i in range((end - start).days + 1)]


def analyse(*, series: dict, today: date, si: dict, contacts_per_case: float, central_share: float) -> dict | None:
    """None when the node has no cases at all."""
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
    projection, demand = [], []
    if current is not None:
        projection = epi.project(dates, local, imported, rt_mean=current.mean, rt_sd=current.sd,
                                 si_mean=si["mean"], si_sd=si["sd"], days=PROJECTION_DAYS)
        # Rooms the projected cases' close contacts would need, each for their first stage (no release inside 14
        # days assumed: an upper bound for planning).
        running = 0.0
        for row in projection:
            running += row.median * contacts_per_case * central_share
            demand.append({"date": row.date.isoformat(), "rooms": round(running)})
    return {
        "si": si,
        "rt": [{"t_start": r.t_start.isoformat(), "t_end": r.t_end.isoformat(), "mean": r.mean, "sd": r.sd,
                "q025": r.q025, "q50": r.q50, "q975": r.q975, "status": r.status} for r in rt_rows],
        "current_rt": None if current is None else {"t_end": current.t_end.isoformat(), "mean": current.mean,
                                                    "q025": current.q025, "q975": current.q975},
        "trend": {"peak_date": trend.peak_date.isoformat() if trend.peak_date else None,
                  "days_falling": trend.days_falling, "direction": trend.direction, "line": trend.line},
        "doubling": None if doubling is None else {"kind": doubling.kind, "days": doubling.days,
                                                   "low": doubling.low, "high": doubling.high},
        "projection": [{"date": r.date.isoformat(), "median": r.median, "q025": r.q025, "q975": r.q975}
                       for r in projection],
        "isolation_demand": demand,
        "contacts_per_case": round(contacts_per_case, 2),
    }

