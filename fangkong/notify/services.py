"""Writes of the notify app: record a message, send it once, recover what a crashed worker left half-done.

The at-least-once boundary (docs/notify.md): the send step claims the row by a conditional UPDATE
(queued → sending), calls the backend, then writes the outcome. A worker that dies between the gateway's answer
and that write leaves the row in "sending"; `message_recover_stale` puts it back in the queue after
NOTIFY_SENDING_STALE_SECONDS and it is sent again with the same id, which the gateway dedupes. Nothing else can
send a message twice: a second worker or a repeated queue entry finds nothing to claim.
"""

import datetime
import logging
from collections import Counter

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.notify import pacing, sending
from fangkong.notify.message_kinds import find_message_kind
from fangkong.notify.models import Message
from fangkong.notify.outcomes import (  # noqa: F401  (max_attempts, retry_delay: part of this module's API)
    finish,
    home_unit,
    max_attempts,
    retry_delay,
    stale_after,
    unreachable_task_open,
)
from fangkong.notify.rendering import normalize_language, render
from fangkong.notify.wakeup import drain_wake

logger = logging.getLogger(__name__)


def normalize_phone(phone: str | None) -> str:
    return "".join(ch for ch in (phone or "") if ch.isdigit() or ch == "+")[:20]


# --- recording ------------------------------------------------------------------------------------------------


def message_queue(*, kind: str, phone: str, context: dict, event_key: str, person=None, unit=None,
                  urgent: bool = False, language: str = "zh-hans") -> Message | None:
    """Records one message for (kind, event_key, phone) and queues its sending through the worker.
    Idempotent: the same (kind, event_key, phone) again returns the existing Message, never a second send.
    Returns None when the phone is empty (and then, if person is given, opens the "unreachable" task)."""
    return message_record(kind=kind, phone=phone, context=context, event_key=event_key, person=person, unit=unit,
                          urgent=urgent, language=language)


def message_record(*, kind: str, phone: str, context: dict, event_key: str, person=None, unit=None,
                   urgent: bool = False, language: str = "zh-hans", not_before: datetime.datetime | None = None,
                   now: datetime.datetime | None = None) -> Message | None:
    """message_queue with a clock (`now`) and an earliest send time (`not_before`: a reminder for the evening)."""
    message_kind = find_message_kind(kind)
    if message_kind is None:
        raise ValidationError({"kind": _("Unknown message kind: %(kind)s.") % {"kind": kind}})
    event_key = (event_key or "").strip()
    if not event_key or len(event_key) > 120:
        raise ValidationError({"event_key": _("An event key of 1 to 120 characters is needed.")})
    phone = normalize_phone(phone)
    existing = Message.objects.filter(kind=kind, event_key=event_key, phone=phone).first()
    if existing is not None:
        return existing if phone else None
    now = now or timezone.now()
    language = normalize_language(language)
    text = render(message_kind, language=language, context=context or {})
    urgent = urgent or message_kind.urgent
    send_after = pacing.earliest_send(now=max(now, not_before or now), urgent=urgent, quiet=pacing.quiet_hours())
    unit = unit or home_unit(person)
    message = Message(kind=kind, event_key=event_key, phone=phone, person=person, unit=unit, language=language,
                      text=text, urgent=urgent, created_at=now, send_after=send_after)
    if not phone:
        message.status, message.finished_at = Message.Status.UNREACHABLE, now
        message.last_error = _("No phone on file.")
    try:
        with transaction.atomic():
            message.save()
            if not phone:
                unreachable_task_open(message, message_kind, now=now)
            else:
                drain_wake(at=message.send_after, now=now)
    except IntegrityError:
        # The same event at the same moment from another caller: theirs is the message.
        existing = Message.objects.filter(kind=kind, event_key=event_key, phone=phone).first()
        if existing is None:
            raise
        return existing if phone else None
    return message if phone else None


# --- sending --------------------------------------------------------------------------------------------------


def message_send(*, message_id: int, now: datetime.datetime | None = None, backend=None) -> str:
    """One attempt at one message; returns what happened ("sent", "delivered", "queued" (retry later),
    "delayed" (quiet hours / rate limit), "failed", "unreachable", "not_due", "skipped").

    Safe to call any number of times for the same message, from any number of workers: only the caller whose
    claim takes the row calls the backend. The same step as a batch of one (fangkong.notify.sending).
    """
    now = now or timezone.now()
    row = Message.objects.filter(pk=message_id).values("status", "send_after").first()
    if row is None or row["status"] != Message.Status.QUEUED:
        return "skipped"
    if row["send_after"] > now:
        return "not_due"
    return sending.batch_send(now=now, backend=backend, ids=[message_id], limit=1).get(message_id, "skipped")


def message_recover_stale(*, now: datetime.datetime | None = None, wake: bool = True) -> int:
    """Puts back in the queue the messages a dead worker claimed and never finished (see the module's note);
    one that has used up its attempts is failed, and its task opened. `wake`: queue a drain for them (the
    sweep sends them itself)."""
    now = now or timezone.now()
    recovered = 0
    back: dict[datetime.datetime, list[int]] = {}
    stale = Message.objects.filter(status=Message.Status.SENDING, claimed_at__lt=now - stale_after())
    for pk, attempts, claimed_at in stale.values_list("pk", "attempts", "claimed_at"):
        if attempts >= max_attempts():
            finish(pk, claimed_at=claimed_at, status=Message.Status.FAILED, now=now,
                   error=_("The worker sending it stopped; no attempt of %(n)d succeeded.") % {"n": attempts})
            recovered += 1
        else:
            back.setdefault(claimed_at, []).append(pk)
    # A dead worker's batch shares one claim time: one UPDATE per batch.
    for claimed_at, ids in back.items():
        recovered += Message.objects.filter(pk__in=ids, status=Message.Status.SENDING, claimed_at=claimed_at).update(
            status=Message.Status.QUEUED, send_after=now, last_error=_("The worker sending it stopped."))
    if back and wake:
        drain_wake(at=now, now=now)
    return recovered


def send_due(*, now: datetime.datetime | None = None, limit: int = 5000, backend=None) -> dict:
    """The sweep (every minute, the safety net of the drains): recovers stale claims, then sends every queued
    message whose time has come, urgent first, in batches. Idempotent and safe next to the queue's own drains."""
    now = now or timezone.now()
    counts = Counter({"recovered": message_recover_stale(now=now, wake=False)})
    counts.update(sending.drain(now=now, limit=limit, backend=backend, seconds=float("inf")))
    return dict(counts)


def message_drain(*, backend=None) -> dict:
    """What the send_batch task runs: batches until nothing is due (see fangkong.notify.sending.drain)."""
    return sending.drain(backend=backend)
