"""Background work of notify: the drain task (django-tasks, run by `fangkong worker`) and two periodic jobs
(fangkong.ops.schedules): scan_events turns other modules' new events into messages, send_due sends what is due
(the safety net of the drains: a lost queue entry, a message that waited) and recovers what a dead worker left
in "sending"."""

import logging

from django_tasks import task

logger = logging.getLogger(__name__)


# Ahead of the worker's other queued work (exports, imports): a text waiting is a person not told.
@task(priority=10)
def send_batch() -> dict:
    """A drain: sends due messages batch after batch until none is left (fangkong.notify.sending.drain).
    message_queue enqueues one only when no waiting drain would take the message (fangkong.notify.wakeup)."""
    from fangkong.notify.services import message_drain

    return message_drain()


@task()
def send_message(message_id: int) -> str:
    """One message (the queue entries written before the drains; kept so that they still run)."""
    from fangkong.notify.services import message_send

    return message_send(message_id=message_id)


def scan_events() -> dict:
    """Every trigger once; a failing trigger is logged on its cursor and does not stop the others."""
    from fangkong.notify.triggers import run_all

    return run_all()


def send_due() -> dict:
    from fangkong.notify.services import send_due as sweep

    return sweep()
