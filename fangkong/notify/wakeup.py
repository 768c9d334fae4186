"""When to put a drain (jobs.send_batch) on the task queue: only when no waiting drain would take the message.

One drain sends every due message, batch after batch, so a message needs a drain that has not started yet and
will start by its send_after; if one is waiting, enqueueing another would only cost an empty task. On the
database queue the check runs after the message's transaction commits: a drain still waiting then will see the
message when it starts, and a drain already running may finish before the commit and miss it, so it does not
count. Should the process die between the commit and the check, the every-minute send_due sweep sends the
message. With a backend that runs tasks at once (ImmediateBackend in tests) the drain runs inline; a backend that
cannot defer gets nothing for later, and the sweep sends it when its time comes.
"""

import datetime
import logging
import threading
from functools import partial

from django.db import transaction

logger = logging.getLogger(__name__)

_local = threading.local()


class draining:
    """Marks this thread as running a drain: a drain that runs inline does not start a second one inside it
    (the running drain takes every due message before it ends)."""

    def __enter__(self):
        _local.depth = getattr(_local, "depth", 0) + 1

    def __exit__(self, *exc):
        _local.depth -= 1


def _in_drain() -> bool:
    return getattr(_local, "depth", 0) > 0


def _is_database_queue(backend) -> bool:
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(backend, DatabaseBackend)


def _drain_waiting(task, backend, at: datetime.datetime) -> bool:
    """A drain that has not started and will start by `at` (no run_after, or one at or before it)."""
    from django.db.models import Q
    from django_tasks_db.models import DBTaskResult, get_date_max

    return (DBTaskResult.objects.filter(status="READY", task_path=task.module_path, backend_name=backend.alias,
                                        queue_name=task.queue_name)
            .filter(Q(run_after=get_date_max()) | Q(run_after__lte=at)).exists())


def drain_wake(*, at: datetime.datetime, now: datetime.datetime) -> None:
    """Makes sure a drain runs at `at` (at once when at <= now). See the module's note."""
    from fangkong.notify.jobs import send_batch

    backend = send_batch.get_backend()
    later = at > now
    if later and not backend.supports_defer:
        return
    if _is_database_queue(backend):
        transaction.on_commit(partial(_enqueue_unless_waiting, send_batch, backend, at, later), robust=True)
        return
    if not later and _in_drain():
        return
    (send_batch.using(run_after=at) if later else send_batch).enqueue()


def _enqueue_unless_waiting(task, backend, at, later) -> None:
    if _drain_waiting(task, backend, at):
        return
    (task.using(run_after=at) if later else task).enqueue()
