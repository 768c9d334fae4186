"""Background jobs of mass testing (django-tasks); the ops app schedules them ("testing-unsampled-sweep")."""

import datetime
import logging

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from fangkong.core.paths import path_ids
from fangkong.territory.models import Unit
from fangkong.testing import selectors, services

logger = logging.getLogger(__name__)
SWEEP_AFTER_HOURS = 4


def sweep_round(round_) -> int:
    """One round's sweep: a round_unsampled task per building that still has target people not sampled.

    From the top of the tree, not the round's node, so that people added by hand who live elsewhere are swept too.
    Returns how many tasks were opened now (a building that already has its task gets no second one)."""
    root = Unit.objects.get(pk=path_ids(round_.unit.path)[0])
    return services.round_unsampled_tasks(round_=round_, node=root, actor=None)


@task()
def sweep_unsampled_job() -> int:
    """应检尽检: for every running round that started more than TESTING_SWEEP_AFTER_HOURS ago (default 4), give
    the grid workers one task per building with people not yet sampled. Idempotent; returns the tasks opened."""
    hours = getattr(settings, "TESTING_SWEEP_AFTER_HOURS", SWEEP_AFTER_HOURS)
    started_before = timezone.now() - datetime.timedelta(hours=hours)
    opened = 0
    for round_ in selectors.running_rounds_due_for_sweep(started_before=started_before):
        # One round failing (a node deleted under it) must not keep the others' grid workers waiting.
        try:
            opened += sweep_round(round_)
        except Exception:
            logger.exception("unsampled sweep of round %s failed", round_.code)
    return opened
