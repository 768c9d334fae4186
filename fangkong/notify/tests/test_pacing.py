"""Quiet hours and the per-number rate limit, against a minute-by-minute reference."""

import datetime

from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from fangkong.notify.pacing import WINDOW, earliest_send, in_quiet_hours, parse_quiet_hours

QUIET = parse_quiet_hours("22:00-07:00")


def local(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime(2026, 12, day, hour, minute))


def test_a_message_at_23_waits_for_7_the_next_morning():
    assert earliest_send(now=local(1, 23, 10), urgent=False, quiet=QUIET) == local(2, 7)


def test_a_message_at_6_waits_for_7_the_same_morning():
    assert earliest_send(now=local(2, 6, 59), urgent=False, quiet=QUIET) == local(2, 7)


def test_an_urgent_message_goes_at_once_in_quiet_hours_and_over_the_limit():
    now = local(1, 23, 30)
    recent = [now - datetime.timedelta(minutes=m) for m in range(10)]
    assert earliest_send(now=now, urgent=True, recent=recent, rate=5, quiet=QUIET) == now


def test_the_sixth_message_in_an_hour_waits_until_the_oldest_of_the_five_leaves_the_window():
    now = local(1, 10)
    recent = [now - datetime.timedelta(minutes=m) for m in (50, 40, 30, 20, 10)]
    assert earliest_send(now=now, urgent=False, recent=recent, rate=5, quiet=QUIET) == \
        now - datetime.timedelta(minutes=50) + WINDOW


def test_a_delay_that_ends_in_quiet_hours_moves_on_to_their_end():
    now = local(1, 21, 30)
    recent = [now - datetime.timedelta(minutes=m) for m in (20, 15, 10, 5, 1)]
    assert earliest_send(now=now, urgent=False, recent=recent, rate=5, quiet=QUIET) == local(2, 7)


def test_quiet_hours_within_one_day_are_understood():
    lunch = parse_quiet_hours("12:00-14:00")
    assert in_quiet_hours(local(1, 13), lunch) and not in_quiet_hours(local(1, 14), lunch)
    assert parse_quiet_hours("") is None and parse_quiet_hours("08:00-08:00") is None


def _reference(now, recent, rate, quiet):
    """Step a minute at a time until the window has room and the clock is outside quiet hours."""
    at = now
    while True:
        in_window = sum(1 for t in recent if t > at - WINDOW)
        if (not rate or in_window < rate) and not in_quiet_hours(at, quiet):
            return at
        at += datetime.timedelta(minutes=1)


@settings(max_examples=150, deadline=None)
@given(start_minute=st.integers(0, 24 * 60 - 1),
       ago=st.lists(st.integers(1, 59), max_size=8),
       rate=st.integers(1, 6),
       quiet=st.sampled_from(["22:00-07:00", "12:00-14:00", ""]))
def test_earliest_send_matches_the_minute_by_minute_reference(start_minute, ago, rate, quiet):
    now = local(1, 0) + datetime.timedelta(minutes=start_minute)
    recent = [now - datetime.timedelta(minutes=m) for m in ago]
    quiet_hours = parse_quiet_hours(quiet)
    assert earliest_send(now=now, urgent=False, recent=recent, rate=rate, quiet=quiet_hours) == \
        _reference(now, recent, rate, quiet_hours)
