"""The end of one message: backoff arithmetic, its final outcome, and the "call or visit" task when it failed.

Shared by the recording side (no phone on file), the send step and the stale-claim recovery.
"""

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.core.logging import scrub
from fangkong.notify.backends import DELIVERED, SENT
from fangkong.notify.message_kinds import MessageKind, find_message_kind
from fangkong.notify.models import Message

logger = logging.getLogger("fangkong.notify.services")


def max_attempts() -> int:
    return int(getattr(settings, "NOTIFY_MAX_ATTEMPTS", 5))


def retry_delay(attempt: int) -> datetime.timedelta:
    """After the n-th failed attempt: base, 2×base, 4×base, … capped at an hour."""
    base = float(getattr(settings, "NOTIFY_RETRY_BASE_SECONDS", 30))
    return datetime.timedelta(seconds=min(base * 2 ** (attempt - 1), 3600))


def stale_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=int(getattr(settings, "NOTIFY_SENDING_STALE_SECONDS", 300)))


def is_sensitive(kind_code: str) -> bool:
    """A kind whose text holds a secret (one-time codes): blanked once done."""
    kind = find_message_kind(kind_code)
    return kind is not None and kind.sensitive


def home_unit(person):
    if person is None:
        return None
    household = person.household if person.household_id else None
    return household.unit if household is not None else person.unit


def unreachable_task_open(message: Message, kind: MessageKind | None, *, now: datetime.datetime) -> None:
    """One task per message (its dedupe key), for the grid worker of the person's home. A one-time code is
    not something a grid worker can deliver by hand: it stays recorded as unreachable and the resident asks
    again."""
    from fangkong.people.models import Person
    from fangkong.tasks.models import Task
    from fangkong.tasks.services import task_create

    if message.person_id is None or (kind is not None and kind.sensitive):
        return
    person = Person.objects.select_related("household__unit", "unit").get(pk=message.person_id)
    reason = message.last_error or _("The message could not be delivered.")
    detail = _("%(reason)s The message said: %(text)s") % {"reason": reason, "text": message.text}
    task = task_create(
        kind="notify_unreachable", unit=home_unit(person), person=person,
        household=person.household if person.household_id else None,
        title=_("Call or visit %(name)s: %(kind)s not delivered") % {
            "name": person.name, "kind": kind.label if kind else message.kind},
        detail=detail[:2000],
        due_at=now + (datetime.timedelta(hours=1) if message.urgent else datetime.timedelta(hours=4)),
        priority=Task.Priority.URGENT if message.urgent else Task.Priority.NORMAL,
        subject_type="notify.message", subject_id=message.pk,
        dedupe_key=f"notify_unreachable:{message.pk}", actor=None)
    Message.objects.filter(pk=message.pk).update(task=task)
    message.task = task


def finish(message_id: int, *, claimed_at, status: str, error: str, now, sensitive: bool = True) -> str:
    """The final outcome of our claim of one message; a failure or an unreachable number opens its task in the
    same transaction. `sensitive`: the kind may hold a secret to blank (when unsure, True looks it up).
    Returns the status written, or "skipped" when the claim is no longer ours."""
    fields = {"status": status, "last_error": scrub(error)[:500], "finished_at": now}
    if status in (SENT, DELIVERED):
        fields["sent_at"] = now
    if status == DELIVERED:
        fields["delivered_at"] = now
    with transaction.atomic():
        updated = Message.objects.filter(pk=message_id, status=Message.Status.SENDING,
                                         claimed_at=claimed_at).update(**fields)
        if not updated:
            # Recovered as stale and claimed by someone else meanwhile: theirs is the outcome.
            return "skipped"
        failed = status in (Message.Status.FAILED, Message.Status.UNREACHABLE)
        if failed or sensitive:
            message = Message.objects.get(pk=message_id)
            kind = find_message_kind(message.kind)
            if failed:
                unreachable_task_open(message, kind, now=now)
            if kind is not None and kind.sensitive:
                Message.objects.filter(pk=message_id).update(text="")
    if status in (Message.Status.FAILED, Message.Status.UNREACHABLE):
        logger.warning("notify message %s %s: %s", message_id, status, fields["last_error"])
    return status
