"""The rise rule against a plain reference computation (exact fractions, statistics' definitions)."""

import statistics
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from fangkong.units.clinics.rises import flag_rises, is_rise, threshold


def reference(count: int, previous: list[int], k: int, floor: int) -> bool:
    mean = Fraction(statistics.mean(previous))
    sd2 = statistics.pvariance([Fraction(x) for x in previous])
    return count >= floor and count > mean and (count - mean) ** 2 > k * k * sd2


@given(st.integers(0, 60), st.lists(st.integers(0, 60), min_size=1, max_size=14), st.integers(1, 4),
       st.integers(0, 5))
def test_is_rise_matches_the_reference(count, previous, k, floor):
    assert is_rise(count, previous, k=k, floor=floor) == reference(count, previous, k, floor)


@given(st.lists(st.integers(0, 30), min_size=0, max_size=30))
def test_flag_rises_judges_each_day_by_its_own_window(series):
    flags = flag_rises(series, window=7)
    assert len(flags) == len(series)
    assert not any(flags[:7])
    for i in range(7, len(series)):
        assert flags[i] == reference(series[i], series[i - 7:i], 3, 3)


@given(st.lists(st.integers(0, 30), min_size=1, max_size=14))
def test_a_flagged_count_is_above_the_shown_threshold(previous):
    for count in range(0, 100):
        if is_rise(count, previous):
            assert count > threshold(previous) - 1e-9
            break


def test_examples():
    assert is_rise(5, [1] * 7)  # sd 0: any count above the mean and the floor
    assert not is_rise(2, [1] * 7)  # below the floor
    assert not is_rise(6, [0, 5, 0, 5, 0, 5, 0])
    assert is_rise(20, [0, 5, 0, 5, 0, 5, 0])
