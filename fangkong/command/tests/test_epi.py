import math
from datetime import date, timedelta

import pytest
from scipy import integrate, stats

from fangkong.command.engine.epi import (
    NO_INFECTIOUSNESS,
    OK,
    TOO_EARLY,
    TOO_FEW_CASES,
    discr_si,
    doubling_time,
    estimate_rt,
    project,
    si_distribution,
    trend,
)

START = date(2026, 3, 1)


def days(n):
    return [START + timedelta(days=i) for i in range(n)]


def integrated_si(k, mu, sigma):
    """Cori et al. 2013, Web Appendix 11: w_k = ∫ (1 − |u − k|) g(u − 1) du over [k − 1, k + 1], g gamma(mu−1, sd)."""
    if k == 0:
        return 0.0
    shape, scale = ((mu - 1) / sigma) ** 2, sigma**2 / (mu - 1)
    total = 0.0
    for lo, hi in ((k - 1, k), (k, k + 1)):
        lo = max(lo, 1)  # g(u − 1) is 0 for u < 1
        if hi > lo:
            value, _ = integrate.quad(lambda u: (1 - abs(u - k)) * stats.gamma.pdf(u - 1, shape, scale=scale), lo, hi)
            total += value
    return total


def hand_lambda(total, mu, sigma):
    return [sum(discr_si(k, mu, sigma) * total[t - k] for k in range(1, t + 1)) for t in range(len(total))]


@pytest.mark.parametrize(("mu", "sigma"), [(2.6, 1.5), (5.0, 2.0), (7.5, 3.4)])
def test_discretised_serial_interval_matches_the_integral_of_the_gamma_density(mu, sigma):
    for k in range(25):
        assert discr_si(k, mu, sigma) == pytest.approx(integrated_si(k, mu, sigma), abs=1e-7)


def test_discretised_serial_interval_matches_epiestim_for_flu():
    saved = [0, 2.331721e-01, 3.585794e-01, 1.981108e-01, 1.033427e-01, 5.290518e-02, 2.682146e-02]
    assert [discr_si(k, 2.6, 1.5) for k in range(7)] == pytest.approx(saved, abs=1e-7)


def test_serial_interval_starts_at_zero_sums_to_one_and_has_the_requested_mean():
    w = si_distribution(5.0, 2.0, 60)
    assert w[0] == 0
    assert sum(w) == pytest.approx(1)
    assert sum(k * wk for k, wk in enumerate(w)) == pytest.approx(5.0, abs=1e-6)


def test_serial_interval_rejects_a_mean_of_one_day_or_less():
    with pytest.raises(ValueError):
        discr_si(1, 1.0, 1.0)


def test_rt_on_constant_incidence_is_the_hand_computed_gamma_posterior():
    n, c = 30, 20
    local = [c] * n
    rows = estimate_rt(days(n), local, si_mean=4.0, si_sd=2.0, window=7)
    assert len(rows) == n - 7  # windows start on day 2, as EpiEstim's t_start = 2:(T − 6)
    lam = hand_lambda(local, 4.0, 2.0)
    a_prior, b_prior = 1.0, 5.0  # prior mean 5, sd 5
    for i in (0, 10, len(rows) - 1):
        start = i + 1
        a = a_prior + 7 * c
        b = 1 / (1 / b_prior + sum(lam[start : start + 7]))
        row = rows[i]
        assert (row.t_start, row.t_end) == (START + timedelta(days=start), START + timedelta(days=start + 6))
        assert row.status == OK
        assert row.mean == pytest.approx(a * b)
        assert row.sd == pytest.approx(math.sqrt(a) * b)
        assert row.q025 == pytest.approx(stats.gamma.ppf(0.025, a, scale=b))
        assert row.q50 == pytest.approx(stats.gamma.ppf(0.5, a, scale=b))
        assert row.q975 == pytest.approx(stats.gamma.ppf(0.975, a, scale=b))
    # once the serial interval is covered, constant incidence means every case replaces itself
    assert rows[-1].mean == pytest.approx(1.0, abs=0.01)


# EpiEstim's own saved outputs (mrc-ide/EpiEstim, tests/testthat/_snaps/estimate_R.md), parametric SI 2.6 / 1.5,
# default prior and weekly windows starting on day 2. Example 3: the Flu2009 school outbreak.
FLU2009 = [1, 1, 0, 2, 5, 3, 3, 3, 6, 2, 5, 9, 13, 12, 13, 11, 12, 6, 6, 6, 3, 1, 0, 2, 0, 0, 0, 0, 2, 0, 2, 0]
FLU2009_MEANS = [
    1.7357977, 1.7491678, 1.5370581, 1.4318389, 1.4227247, 1.6353733, 1.6639845, 1.6161467, 1.4344239,
    1.4087217, 1.2479472, 1.0821477, 0.9371671, 0.8196564, 0.6910352, 0.5896765, 0.4992206, 0.4729631,
    0.4176319, 0.2978682, 0.2400880, 0.4573477, 0.6734382, 0.8591897, 0.9975352,
]  # fmt: skip


def test_rt_reproduces_epiestim_on_the_flu2009_outbreak():
    rows = estimate_rt(days(32), FLU2009, si_mean=2.6, si_sd=1.5, min_cases=0)
    assert [row.mean for row in rows] == pytest.approx(FLU2009_MEANS, abs=1e-6)
    first = rows[0]
    assert (first.sd, first.q025, first.q50) == pytest.approx((0.40913143, 1.02874370, 1.7037612), abs=1e-6)


def test_rt_reproduces_epiestim_with_imported_cases():
    # Example 2: local and imported cases; imports count towards infectiousness only.
    local = [0, 2, 0, 0, 1, 2, 0, 1] + [0] * 18 + [1]
    imported = [1, 1, 1, 1, 2, 2, 1, 0, 0, 1] + [0] * 17
    rows = estimate_rt(days(27), local, imported, si_mean=2.6, si_sd=1.5, min_cases=0)
    assert len(rows) == 20
    assert (rows[0].mean, rows[0].sd, rows[0].q025) == pytest.approx((0.6413590, 0.2424109, 0.2578596), abs=1e-6)
    assert (rows[-1].mean, rows[-1].sd, rows[-1].q50) == pytest.approx((9.8571825, 6.9700806, 8.2718863), abs=1e-6)


def test_growing_epidemic_has_rt_above_one_and_doubles_at_the_rate_it_grows():
    r = math.log(2) / 5  # doubles every 5 days
    n = 50
    local = [10 * math.exp(r * t) for t in range(n)]
    rows = estimate_rt(days(n), local, si_mean=5.0, si_sd=2.0)
    w = si_distribution(5.0, 2.0, 200)
    expected = 1 / sum(wk * math.exp(-r * k) for k, wk in enumerate(w))  # Wallinga & Lipsitch 2007
    assert all(row.mean > 1 for row in rows if row.status == OK)
    assert rows[-1].mean == pytest.approx(expected, rel=0.01)

    rounded = [round(x) for x in local]
    growth = doubling_time(days(n), rounded)
    assert growth.kind == "doubling"
    assert growth.days == pytest.approx(5.0, abs=0.05)
    assert growth.low <= growth.days <= growth.high


def test_falling_counts_give_a_halving_time():
    counts = [round(1000 * 0.5 ** (t / 3)) for t in range(10)]
    result = doubling_time(days(10), counts)
    assert result.kind == "halving"
    assert result.days == pytest.approx(3.0, abs=0.1)


def test_doubling_time_is_unbounded_when_the_interval_reaches_no_growth_and_undefined_when_flat():
    noisy = [10, 14, 9, 13, 10, 15, 11]
    result = doubling_time(days(7), noisy)
    assert result.kind == "doubling" and result.high is None
    assert doubling_time(days(7), [5] * 7) is None
    assert doubling_time(days(4), [1, 2, 4, 8]) is None  # fewer than the 7 days asked for


def test_imported_cases_lower_local_rt():
    local = [0, 2, 3, 5, 6, 8, 10, 12, 14, 15, 18, 20, 22, 25, 27]
    imported = [5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0, 0, 0, 0]
    without = estimate_rt(days(15), local, si_mean=4.0, si_sd=2.0, min_cases=1)
    with_imports = estimate_rt(days(15), local, imported, si_mean=4.0, si_sd=2.0, min_cases=1)
    assert all(row.status == OK for row in without + with_imports)
    for a, b in zip(without, with_imports, strict=True):
        assert b.mean < a.mean


def test_rows_that_cannot_be_estimated_say_why_and_carry_no_numbers():
    quiet = estimate_rt(days(20), [0] * 10 + [1] * 10, si_mean=4.0, si_sd=2.0)
    statuses = [row.status for row in quiet]
    assert statuses[0] == NO_INFECTIOUSNESS
    assert statuses[-1] == TOO_FEW_CASES  # 7 local cases in the last window, fewer than 12
    assert all(row.mean is None and row.q975 is None for row in quiet)

    long_si = estimate_rt(days(20), [30] * 20, si_mean=10.0, si_sd=3.0)
    assert long_si[0].status == TOO_EARLY  # window ends on day 8, before the serial interval's mean
    assert long_si[-1].status == OK


def test_rt_refuses_gaps_in_the_dates():
    with pytest.raises(ValueError, match="consecutive"):
        estimate_rt([START, START + timedelta(days=2)], [1, 1], si_mean=4.0, si_sd=2.0)


def test_projection_is_reproducible_and_centred_on_r_times_infectiousness():
    history = [1000] * 60
    first = project(days(60), history, rt_mean=1.5, rt_sd=0, si_mean=4.0, si_sd=2.0, days=7, seed=3)
    again = project(days(60), history, rt_mean=1.5, rt_sd=0, si_mean=4.0, si_sd=2.0, days=7, seed=3)
    assert first == again
    assert first[0].date == START + timedelta(days=60)
    expected = 1.5 * hand_lambda(history + [0], 4.0, 2.0)[60]
    assert first[0].median == pytest.approx(expected, abs=2)
    assert first[0].q025 < first[0].median < first[0].q975
    assert first[-1].median > first[0].median  # R above 1 keeps it growing

    uncertain = project(days(60), history, rt_mean=1.0, rt_sd=0.3, si_mean=4.0, si_sd=2.0, days=7, seed=3)
    assert uncertain[-1].q975 - uncertain[-1].q025 > first[-1].q975 - first[-1].q025


def test_trend_line_reports_consecutive_falls_rises_and_plateaus():
    # daily cases peak on day 10; the trailing 7-day count peaks on day 13 (580) and then falls 4 days running
    rise_then_fall = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 90, 80, 70, 60, 50, 40, 30]
    falling = trend(days(17), rise_then_fall)
    assert falling.line == "新增病例连续4天下降"
    assert falling.days_falling == 4
    assert falling.peak_date == START + timedelta(days=12)

    assert trend(days(10), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).line == "新增病例仍在上升"
    assert trend(days(10), [5] * 10).line == "新增病例持平"
    assert trend(days(5), [5] * 5).direction == "insufficient"
