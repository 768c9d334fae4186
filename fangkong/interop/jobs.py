"""Scheduled and started jobs of interop (named in ops.schedules)."""

import datetime

from django.utils import timezone


def push_dhis2_daily() -> int | None:
    """Daily, late in the evening: today's figures to DHIS2 (a failed send raises, and ops retries it). Without
    DHIS2 configured the day's payload is kept for later downloads; with nothing mapped there is nothing to do."""
    from fangkong.interop.models import DataElementMapping, OrgUnitMapping
    from fangkong.interop.services import dhis2_push

    if not (DataElementMapping.objects.exists() and OrgUnitMapping.objects.exists()):
        return None
    return dhis2_push(day=timezone.localdate()).pk


def push_dhis2_day(*, day: str, actor_id: int | None = None) -> int:
    """One day's push, started from /interop/dhis2/."""
    from fangkong.accounts.models import User
    from fangkong.interop.services import dhis2_push

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    return dhis2_push(day=datetime.date.fromisoformat(day), actor=actor).pk
