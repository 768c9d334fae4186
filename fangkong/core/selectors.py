"""The home page's figures of a field worker (those who command an area get the situation dashboard, from the
command centre's snapshot)."""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from fangkong.tasks.models import Task


@dataclass
class FieldSummary:
    open_tasks: int
    overdue_tasks: int


def field_summary(*, user, now=None) -> FieldSummary:
    """The field worker's own inbox: open tasks they own, and how many are past due."""
    now = now or timezone.now()
    counts = (
        Task.objects.visible_to(user, "view").still_open().filter(owner=user)
        .aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now)))
    )
    return FieldSummary(open_tasks=counts["open"], overdue_tasks=counts["overdue"])
