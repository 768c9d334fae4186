"""The nightly review pack (named in ops.schedules through fangkong.command.jobs, at OPS_REVIEW_PACK_AT, 20:00)."""

import datetime
import logging

from django.conf import settings
from django.utils import timezone, translation

from fangkong.command.review.services import review_pack_generate
from fangkong.territory.models import Unit

logger = logging.getLogger(__name__)


def generate_review_pack(*, day: datetime.date | None = None, now: datetime.datetime | None = None) -> int:
    """Every city's pack for tonight, as the system; returns how many items were added. Safe to run twice: a
    second run adds nothing and keeps what the meetings edited."""
    now = now or timezone.now()
    day = day or timezone.localdate(now)
    added = 0
    # The titles and proposed fixes are written in the UI's default language, as the meeting reads them.
    with translation.override(settings.LANGUAGE_CODE):
        for city in Unit.objects.filter(parent__isnull=True).order_by("pk"):
            result = review_pack_generate(node=city, actor=None, day=day, now=now)
            logger.info("review pack %s %s: %d found, %d added, %d refreshed", city.code, day, result.found,
                        result.added, result.refreshed)
            added += result.added
    return added
