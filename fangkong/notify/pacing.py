"""When a message may go: quiet hours and the per-number rate limit (plain functions, no database).

Urgent messages go at once. Others wait for the end of quiet hours (local time) and for the hour window of their
number to have room; neither ever drops a message, it only moves its send time forward.
"""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone

WINDOW = datetime.timedelta(hours=1)


def parse_quiet_hours(value: str | None) -> tuple[datetime.time, datetime.time] | None:
    """"22:00-07:00" → (22:00, 07:00); "" or None → no quiet hours."""
    if not value:
        return None
    try:
        start, end = (datetime.time.fromisoformat(part.strip()) for part in value.split("-"))
    except ValueError as exc:
        raise ValueError(f"quiet hours must look like 22:00-07:00, not {value!r}") from exc
    return None if start == end else (start, end)


def quiet_hours() -> tuple[datetime.time, datetime.time] | None:
    return parse_quiet_hours(getattr(settings, "NOTIFY_QUIET_HOURS", "22:00-07:00"))


def rate_per_hour() -> int:
    return int(getattr(settings, "NOTIFY_RATE_PER_HOUR", 5))


def in_quiet_hours(moment: datetime.datetime, quiet) -> bool:
    if quiet is None:
        return False
    start, end = quiet
    t = timezone.localtime(moment).time()
    return (start <= t or t < end) if start > end else (start <= t < end)


def quiet_end(moment: datetime.datetime, quiet) -> datetime.datetime:
    """The first moment after `moment` at which quiet hours end (local time)."""
    _start, end = quiet
    local = timezone.localtime(moment)
    candidate = datetime.datetime.combine(local.date(), end, tzinfo=local.tzinfo)
    if candidate <= local:
        candidate = datetime.datetime.combine(local.date() + datetime.timedelta(days=1), end, tzinfo=local.tzinfo)
    # Re-localise: combine() with a zoneinfo tzinfo is right across DST, but keep the same zone object.
    return timezone.localtime(candidate)


def earliest_send(*, now: datetime.datetime, urgent: bool, recent: Iterable[datetime.datetime] = (),
                  rate: int | None = None, quiet=None) -> datetime.datetime:
    """The earliest moment ≥ now a message may go, given the send times of its number in the last hour."""
    if urgent:
        return now
    at = now
    if rate:
        window = sorted(t for t in recent if t > now - WINDOW)
        if len(window) >= rate:
            # The window has room again when the rate-th latest send falls out of it.
            at = max(at, window[-rate] + WINDOW)
    if in_quiet_hours(at, quiet):
        at = quiet_end(at, quiet)
    return at
