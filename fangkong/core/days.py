"""Local calendar days as time ranges."""

import datetime

from django.utils import timezone


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[local midnight of `day`, local midnight of the next day)."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
    return start, timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time()))
