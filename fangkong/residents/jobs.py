"""Periodic jobs of the resident's side (scheduled by fangkong.ops.schedules)."""

import logging

from fangkong.residents.services import missed_checkins_open

logger = logging.getLogger(__name__)


def sweep_missed_checkins() -> int:
    """Every half hour: a task for each person under home isolation or monitoring with no check-in by the day's
    cut-off (RESIDENT_CHECKIN_CUTOFF, 20:00). Runs any number of times; one task per person and day."""
    created = missed_checkins_open()
    if created:
        logger.info("missed check-ins: %d tasks opened", created)
    return created
