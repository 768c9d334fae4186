"""Background jobs of the workforce; the ops app schedules them ("workforce-uncovered-shifts")."""

import datetime
import logging

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from fangkong.workforce import selectors

logger = logging.getLogger(__name__)


def lookahead() -> datetime.timedelta:
    return datetime.timedelta(hours=int(getattr(settings, "WORKFORCE_UNCOVERED_LOOKAHEAD_HOURS", 12)))


def flag_post(post, *, now=None) -> bool:
    """One post: if the next `lookahead` hours have a time with nobody on duty, open its workforce_uncovered task
    for the post's node (the area leader on the responsibility map). The uncovered slot is named by when the
    last shift before it ends, so each slot gets one task however often the job runs. True if a task was opened."""
    from fangkong.tasks.models import Task
    from fangkong.tasks.services import task_create

    now = now or timezone.now()
    gap = selectors.first_gap(post=post, start=now, end=now + lookahead())
    if gap is None:
        return False
    gap_at, slot = gap
    key = f"workforce_uncovered:{post.pk}:{slot:%Y%m%d%H%M}"
    if Task.objects.filter(dedupe_key=key).exists():
        return False
    local = timezone.localtime(gap_at)
    task_create(kind="workforce_uncovered", unit=post.unit, subject_type="workforce.post", subject_id=post.pk,
                title=_("Nobody on duty at %(post)s from %(at)s") % {"post": post.name,
                                                                       "at": local.strftime("%Y-%m-%d %H:%M")},
                detail=_("Put a team on the roster of this post, or close the post."),
                due_at=gap_at if gap_at > now else None, dedupe_key=key, actor=None)
    return True


@task()
def flag_uncovered_shifts() -> int:
    """A post in service (a shift in the last 7 days or to come) with nobody on its next shift gets an alert task,
    once per uncovered slot. Idempotent; returns the tasks opened."""
    now = timezone.now()
    opened = 0
    for post in selectors.posts_in_service(now=now):
        # One post failing (its node deleted under it) must not keep the other posts' officers uninformed.
        try:
            opened += flag_post(post, now=now)
        except Exception:
            logger.exception("uncovered-shift check of post %s failed", post.pk)
    return opened
