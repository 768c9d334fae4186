"""Epidemic analytics on a daily case series: Rt, doubling time, trend and a short projection.

Rt follows Cori et al. 2013 (AJE) as EpiEstim's `estimate_R(method = "parametric_si")` computes it: a gamma prior
on R, Poisson-distributed local cases given the infectiousness Λ_t = Σ_k w_k·I_{t−k} of all earlier cases (local
and imported), and so a gamma posterior per sliding window. The serial interval w is EpiEstim's `discr_si`: a gamma
distribution of (SI − 1), discretised so that w_0 = 0.

Inputs are one value per consecutive day; the caller fills days without reports with 0.
"""

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from scipy import stats

OK = "ok"
TOO_EARLY = "too_early"
NO_INFECTIOUSNESS = "no_infectiousness"
TOO_FEW_CASES = "too_few_cases"


def _check_si(mu: float, sigma: float) -> None:
    if mu <= 1:
        raise ValueError("the serial interval mean must be greater than 1 day")
    if sigma <= 0:
        raise ValueError("the serial interval standard deviation must be positive")


def _discr_si_array(ks: np.ndarray, mu: float, sigma: float) -> np.ndarray:
    _check_si(mu, sigma)
    a = ((mu - 1) / sigma) ** 2
    b = sigma**2 / (mu - 1)
    ks = np.asarray(ks, dtype=float)

    def cdf(x, shape):
        return stats.gamma.cdf(x, shape, scale=b)  # 0 for x < 0

    w = ks * cdf(ks, a) + (ks - 2) * cdf(ks - 2, a) - 2 * (ks - 1) * cdf(ks - 1, a)
    w += a * b * (2 * cdf(ks - 1, a + 1) - cdf(ks - 2, a + 1) - cdf(ks, a + 1))
    return np.maximum(w, 0.0)


def discr_si(k: int, mu: float, sigma: float) -> float:
    """Probability that the serial interval is k days (EpiEstim's `discr_si`)."""
    return float(_discr_si_array(np.array([k]), mu, sigma)[0])


def si_distribution(mu: float, sigma: float, n: int) -> list[float]:
    """w_0 … w_{n−1}, normalised to sum to 1 (so pick n where the tail is negligible)."""
    w = _discr_si_array(np.arange(n), mu, sigma)
    return (w / w.sum()).tolist()


def _raw_si(mu: float, sigma: float, n: int) -> np.ndarray:
    # Unnormalised, as EpiEstim uses it: Λ_t only needs w_k for k < t, and w already sums to 1 over all k, so
    # normalising a truncated w would inflate every weight on short series.
    return _discr_si_array(np.arange(n), mu, sigma)


def _infectiousness(total: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Λ_t = Σ_{k=1}^{t} w_k·total_{t−k} for every day t (Λ_0 = 0: nothing came before)."""
    return np.convolve(total, w)[: len(total)]


def _check_series(dates: list[date], *series) -> None:
    for values in series:
        if values is not None and len(values) != len(dates):
            raise ValueError("every series needs one value per date")
    for previous, current in zip(dates, dates[1:], strict=False):
        if current - previous != timedelta(days=1):
            raise ValueError(f"dates must be consecutive days: {previous} is followed by {current}")


@dataclass(frozen=True)
class RtRow:
    t_start: date
    t_end: date
    mean: float | None
    sd: float | None
    q025: float | None
    q50: float | None
    q975: float | None
    status: str


def estimate_rt(
    dates: list[date],
    local: list[float],
    imported: list[float] | None = None,
    *,
    si_mean: float,
    si_sd: float,
    window: int = 7,
    prior_mean: float = 5,
    prior_sd: float = 5,
    min_cases: int = 12,
) -> list[RtRow]:
    """One row per sliding window of `window` days, the first starting on the second day (EpiEstim's default).

    A row whose estimate should not be shown keeps its dates and says why in `status`, its numbers None:
    `too_early` (the window ends no later than the serial interval's mean — EpiEstim drops these),
    `no_infectiousness` (no earlier cases, so the posterior would be the prior), `too_few_cases` (fewer than
    `min_cases` local cases in the window: the posterior is too wide to act on).
    """
    _check_series(dates, local, imported)
    if window < 1:
        raise ValueError("the window must be at least one day")
    local_arr = np.asarray(local, dtype=float)
    imported_arr = np.zeros_like(local_arr) if imported is None else np.asarray(imported, dtype=float)
    if (local_arr < 0).any() or (imported_arr < 0).any():
        raise ValueError("case counts cannot be negative")

    n_days = len(dates)
    w = _raw_si(si_mean, si_sd, n_days)
    mean_si = float((np.arange(n_days) * w).sum())
    lam = _infectiousness(local_arr + imported_arr, w)
    a_prior = (prior_mean / prior_sd) ** 2
    b_prior = prior_sd**2 / prior_mean

    rows = []
    for start in range(1, n_days - window + 1):
        end = start + window - 1
        local_sum = float(local_arr[start : end + 1].sum())
        lam_sum = float(lam[start : end + 1].sum())
        if end + 1 <= mean_si:  # EpiEstim's 1-based t_end must exceed the SI mean
            status = TOO_EARLY
        elif lam_sum == 0:
            status = NO_INFECTIOUSNESS
        elif local_sum < min_cases:
            status = TOO_FEW_CASES
        else:
            status = OK
        if status != OK:
            rows.append(RtRow(dates[start], dates[end], None, None, None, None, None, status))
            continue
        a_post = a_prior + local_sum
        b_post = 1 / (1 / b_prior + lam_sum)
        q025, q50, q975 = stats.gamma.ppf([0.025, 0.5, 0.975], a_post, scale=b_post)
        rows.append(
            RtRow(
                dates[start],
                dates[end],
                a_post * b_post,
                math.sqrt(a_post) * b_post,
                float(q025),
                float(q50),
                float(q975),
                OK,
            )
        )
    return rows


@dataclass(frozen=True)
class DoublingTime:
    kind: str  # "doubling" when cases grow, "halving" when they fall
    days: float
    low: float
    high: float | None  # None: the 95 % interval of the growth rate reaches 0, so the time is unbounded


def doubling_time(dates: list[date], counts: list[float], days: int = 7) -> DoublingTime | None:
    """Doubling (or halving) time from a log-linear fit of the last `days` daily counts, with a 95 % interval.

    None when it is undefined: fewer than `days` (or 3) values, or counts that do not change at all.
    """
    _check_series(dates, counts)
    if days < 3 or len(counts) < days:
        return None
    y = np.log(np.asarray(counts[-days:], dtype=float) + 0.5)
    x = np.arange(days, dtype=float)
    fit = stats.linregress(x, y)
    slope = float(fit.slope)
    if slope == 0 or not math.isfinite(slope):
        return None
    half_width = float(stats.t.ppf(0.975, days - 2)) * float(fit.stderr)
    magnitude = abs(slope)
    far, near = magnitude + half_width, magnitude - half_width
    return DoublingTime(
        kind="doubling" if slope > 0 else "halving",
        days=math.log(2) / magnitude,
        low=math.log(2) / far,
        high=math.log(2) / near if near > 0 else None,
    )


@dataclass(frozen=True)
class Trend:
    peak_date: date | None  # last day of the 7-day window with the most cases
    days_falling: int  # consecutive days, up to the last, on which the 7-day count fell
    direction: str  # "falling", "rising", "flat" or "insufficient"
    line: str


def trend(dates: list[date], counts: list[float]) -> Trend:
    """Where the 7-day smoothed count stands, in one plain line for the dashboard."""
    _check_series(dates, counts)
    if len(counts) < 8:  # two 7-day windows at least, to compare
        return Trend(None, 0, "insufficient", "数据不足，无法判断趋势")
    # Trailing 7-day sums instead of means: integer counts stay exact, so "fell" and "flat" are not rounding noise.
    sums = np.convolve(np.asarray(counts, dtype=float), np.ones(7), mode="valid")
    peak_date = dates[6 + int(np.argmax(sums))]
    days_falling = 0
    for i in range(len(sums) - 1, 0, -1):
        if sums[i] >= sums[i - 1]:
            break
        days_falling += 1
    if days_falling:
        return Trend(peak_date, days_falling, "falling", f"新增病例连续{days_falling}天下降")
    if sums[-1] > sums[-2]:
        return Trend(peak_date, 0, "rising", "新增病例仍在上升")
    return Trend(peak_date, 0, "flat", "新增病例持平")


@dataclass(frozen=True)
class ProjRow:
    date: date
    median: float
    q025: float
    q975: float


def project(
    dates: list[date],
    local: list[float],
    imported: list[float] | None = None,
    *,
    rt_mean: float,
    rt_sd: float,
    si_mean: float,
    si_sd: float,
    days: int = 14,
    draws: int = 1000,
    seed: int = 0,
) -> list[ProjRow]:
    """New cases for the next `days` days by the renewal equation, with R drawn once per simulated path.

    Each draw takes R ~ gamma(mean rt_mean, sd rt_sd) (fixed at rt_mean when rt_sd is 0) and then, day by day,
    I_t ~ Poisson(R·Λ_t) with Λ over the observed and the already simulated days. No further imports are assumed.
    """
    future = project_paths(dates, local, imported, rt_mean=rt_mean, rt_sd=rt_sd, si_mean=si_mean, si_sd=si_sd,
                           days=days, draws=draws, seed=seed)
    q025, median, q975 = np.quantile(future, [0.025, 0.5, 0.975], axis=0)
    last = dates[-1]
    return [
        ProjRow(last + timedelta(days=i + 1), float(median[i]), float(q025[i]), float(q975[i])) for i in range(days)
    ]


def project_paths(
    dates: list[date],
    local: list[float],
    imported: list[float] | None = None,
    *,
    rt_mean: float,
    rt_sd: float,
    si_mean: float,
    si_sd: float,
    days: int = 14,
    draws: int = 1000,
    seed: int = 0,
) -> np.ndarray:
    """The simulated paths behind `project`: a (draws × days) array of new cases after the last observed day, for
    figures derived path by path (a sum over days has its own quantiles, not the sum of the daily ones)."""
    _check_series(dates, local, imported)
    if not dates:
        raise ValueError("a projection needs at least one observed day")
    observed = np.asarray(local, dtype=float)
    if imported is not None:
        observed = observed + np.asarray(imported, dtype=float)
    rng = np.random.default_rng(seed)
    if rt_sd > 0:
        r = rng.gamma((rt_mean / rt_sd) ** 2, rt_sd**2 / rt_mean, size=draws)
    else:
        r = np.full(draws, float(rt_mean))

    n_obs = len(observed)
    w = _raw_si(si_mean, si_sd, n_obs + days)
    paths = np.zeros((draws, n_obs + days))
    paths[:, :n_obs] = observed
    for t in range(n_obs, n_obs + days):
        lam = paths[:, :t] @ w[t:0:-1]  # Σ_{k=1}^{t} w_k·I_{t−k}
        paths[:, t] = rng.poisson(r * lam)

    return paths[:, n_obs:]


def occupancy(new_cases: np.ndarray, groups: list[tuple[float, int]]) -> np.ndarray:
    """Rooms occupied each day by the people the new cases send to centralised isolation, path by path.

    `new_cases` is (draws × days); each group is (people per case, days they stay): a case on day j fills
    per_case rooms from day j to day j + stay − 1. Day 0 starts empty (the rooms already taken are not counted).
    """
    cases = np.atleast_2d(np.asarray(new_cases, dtype=float))
    if (cases < 0).any():
        raise ValueError("case counts cannot be negative")
    rooms = np.zeros_like(cases)
    running = np.cumsum(cases, axis=1)
    for per_case, stay in groups:
        if per_case < 0 or stay < 1:
            raise ValueError("people per case must not be negative and a stay must last at least a day")
        # cases of days (d − stay, d]: the running sum now minus the one `stay` days back
        lagged = np.zeros_like(running)
        if stay < running.shape[1]:
            lagged[:, stay:] = running[:, :-stay]
        rooms += per_case * (running - lagged)
    return rooms
