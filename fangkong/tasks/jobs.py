"""Background jobs (django-tasks); the ops app schedules them."""

from django.utils import timezone
from django_tasks import task

from fangkong.tasks import services


@task()
def escalate_overdue_job() -> int:
    """Escalate every task overdue past its kind's grace, one level up the tree; returns how many."""
    return services.escalate_overdue(now=timezone.now())
