"""The capacity forecast: hand-computed scenarios, then a property that nobody is lost or counted twice."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fangkong.isolation.engine.forecast import forecast

TODAY = date(2022, 4, 1)


def day(k):
    return TODAY + timedelta(days=k)


def run(**kwargs):
    args = dict(today=TODAY, days=10, free_rooms=20, queue=0, releases={}, new_cases_per_day=5, contacts_per_case=6,
                central_share=0.5, stay_days=7, cleaning_days=1)
    return forecast(**{**args, **kwargs})


def test_twenty_rooms_against_fifteen_people_a_day_run_out_on_day_one():
    result = run()
    assert result.first_shortfall == day(1)
    assert [r.inflow for r in result.rows] == [15] * 10
    assert [r.placed for r in result.rows] == [15, 5, 0, 0, 0, 0, 0, 0, 15, 5]
    # day 7: the first 15 leave; their rooms are clean on day 8, and the 5 of day 1 free theirs on day 9
    assert [r.released for r in result.rows] == [0] * 7 + [15, 5, 0]
    assert [r.rooms_back for r in result.rows] == [0] * 8 + [15, 5]
    assert [r.free_at_end for r in result.rows] == [5, -10, -25, -40, -55, -70, -85, -100, -100, -110]
    assert [r.shortfall for r in result.rows] == [0, 10, 25, 40, 55, 70, 85, 100, 100, 110]
    assert result.peak_shortfall == 110
    assert [r.day for r in result.rows] == [day(k) for k in range(10)]


def test_the_queue_is_placed_today_before_the_inflow():
    result = run(free_rooms=10, queue=8, days=2)
    assert [(r.placed, r.free_at_end, r.shortfall) for r in result.rows] == [(10, -13, 13), (0, -28, 28)]
    assert result.first_shortfall == day(0)


def test_enough_rooms_means_no_warning():
    result = run(free_rooms=100, new_cases_per_day=1, contacts_per_case=2, days=14)
    assert result.first_shortfall is None and result.peak_shortfall == 0
    # one a day; from day 8 each room comes back as one is taken: 8 rooms held (7 occupied, 1 being cleaned)
    assert [r.free_at_end for r in result.rows] == [99, 98, 97, 96, 95, 94, 93, 92, 92, 92, 92, 92, 92, 92]


def test_growth_compounds_and_fractions_carry():
    result = run(new_cases_per_day=10, contacts_per_case=1, central_share=1, growth_per_day=1.1, days=5,
                 free_rooms=1000)
    assert [r.inflow for r in result.rows] == [10, 11, 12, 13, 15]  # 10, 11, 12.1, 13.31, 14.641 → total 61.051
    small = run(new_cases_per_day=1, contacts_per_case=1, central_share=0.3, days=10, free_rooms=1000)
    assert [r.inflow for r in small.rows] == [0, 1, 0, 0, 1, 0, 0, 0, 1, 0]  # 0.3 a day is 3 people in 10 days


def test_known_releases_return_rooms_after_cleaning():
    releases = {day(-1): 2, day(0): 4, day(2): 3, day(-5): 9}
    result = run(free_rooms=0, queue=5, new_cases_per_day=0, days=5, releases=releases)
    assert [r.rooms_back for r in result.rows] == [2, 4, 0, 3, 0]
    assert [r.released for r in result.rows] == [4, 0, 3, 0, 0]
    assert [r.placed for r in result.rows] == [2, 3, 0, 0, 0]
    assert [r.free_at_end for r in result.rows] == [-3, 1, 1, 4, 4]
    assert result.first_shortfall == day(0)
    same_day = run(free_rooms=0, queue=5, new_cases_per_day=0, days=1, releases=releases, cleaning_days=0)
    assert same_day.rows[0].rooms_back == 4 and same_day.rows[0].shortfall == 1


def test_bad_input_is_refused():
    for bad in (dict(days=0), dict(stay_days=0), dict(central_share=1.5), dict(growth_per_day=0),
                dict(releases={TODAY: -1}), dict(queue=-1)):
        with pytest.raises(ValueError):
            run(**bad)


@settings(max_examples=300, deadline=None)
@given(days=st.integers(1, 21), free_rooms=st.integers(0, 60), queue=st.integers(0, 40),
       releases=st.dictionaries(st.integers(-3, 20).map(day), st.integers(0, 20), max_size=5),
       cases=st.floats(0, 20), contacts=st.floats(0, 10), share=st.floats(0, 1), stay=st.integers(1, 14),
       cleaning=st.integers(0, 3), growth=st.floats(0.8, 1.3))
def test_everyone_is_either_placed_or_still_waiting(days, free_rooms, queue, releases, cases, contacts, share, stay,
                                                    cleaning, growth):
    result = forecast(today=TODAY, days=days, free_rooms=free_rooms, queue=queue, releases=releases,
                      new_cases_per_day=cases, contacts_per_case=contacts, central_share=share, stay_days=stay,
                      cleaning_days=cleaning, growth_per_day=growth)
    rows = result.rows
    inflow = sum(r.inflow for r in rows)
    assert sum(r.placed for r in rows) + rows[-1].shortfall == queue + inflow
    expected = sum(cases * growth ** k * contacts * share for k in range(days))
    assert abs(inflow - expected) <= 0.5 + 1e-6  # rounded once, not day by day
    assert all(r.inflow >= 0 and r.shortfall == max(0, -r.free_at_end) for r in rows)
    # nobody waits while a room is free
    assert all(r.free_at_end <= 0 or r.shortfall == 0 for r in rows)
    assert result.first_shortfall == next((r.day for r in rows if r.shortfall), None)
