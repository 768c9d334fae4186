"""The send step, many messages at a time: claim a batch, pace it, send it concurrently, write outcomes in bulk.

1. **claim** — one transaction: select up to NOTIFY_BATCH due queued rows, urgent first (PostgreSQL: FOR UPDATE
   SKIP LOCKED, so concurrent drains take disjoint batches; SQLite serialises writers, the transaction is
   IMMEDIATE), apply quiet hours and the per-number rate limit with one query for the batch's numbers, then one
   UPDATE queued → sending (attempts + 1, claimed_at = now) for the rows that go and one moving the send_after of
   those that wait. Only rows we claimed are ever sent by us.
2. **send** — outside any transaction, through the backend's send_many when it has one, else a thread pool of
   NOTIFY_CONCURRENCY calls to send(); the message id is the idempotency id.
3. **record** — one transaction of a few UPDATEs grouped by outcome, each guarded by status = sending and our
   claimed_at; a failed or unreachable message is finished one by one with its task.

Between 2 and 3 the system is at-least-once, as for a single message (docs/notify.md): a worker killed there
leaves its batch in "sending"; the sweep queues it again after NOTIFY_SENDING_STALE_SECONDS and it is sent again
with the same ids, which the gateway dedupes.
"""

import datetime
import logging
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import models, transaction
from django.db.models import Case, F, Min, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.logging import scrub
from fangkong.notify import pacing
from fangkong.notify.backends import DELIVERED, REJECTED, SENT, PermanentError, SendResult, TransientError, get_backend
from fangkong.notify.models import SENT_STATUSES, Message
from fangkong.notify.outcomes import finish, is_sensitive, max_attempts, retry_delay
from fangkong.notify.wakeup import drain_wake, draining

logger = logging.getLogger("fangkong.notify.services")


def batch_size() -> int:
    return max(1, int(getattr(settings, "NOTIFY_BATCH", 200)))


def concurrency() -> int:
    return max(1, int(getattr(settings, "NOTIFY_CONCURRENCY", 16)))


def drain_seconds() -> float:
    """How long one drain task sends before it hands over to a fresh one (other tasks get the worker too)."""
    return float(getattr(settings, "NOTIFY_DRAIN_SECONDS", 60))


@dataclass(frozen=True)
class Outgoing:
    """One claimed message: what the backend is given (message_id, phone, text, kind) and its attempt number."""

    message_id: int
    phone: str
    text: str
    kind: str
    attempt: int


# --- 1. claim ---------------------------------------------------------------------------------------------------


def batch_claim(*, now: datetime.datetime, limit: int, ids=None) -> tuple[list[Outgoing], dict[int, datetime.datetime]]:
    """Claims up to `limit` due messages (only among `ids` when given). Returns the claimed ones, in claim order,
    and {id: new send_after} of those quiet hours or the rate limit hold back."""
    rate, quiet = pacing.rate_per_hour(), pacing.quiet_hours()
    with transaction.atomic():
        due = Message.objects.filter(status=Message.Status.QUEUED, send_after__lte=now)
        if ids is not None:
            due = due.filter(pk__in=list(ids))
        rows = list(due.select_for_update(skip_locked=True).order_by("-urgent", "send_after", "pk")
                    .values_list("pk", "phone", "text", "kind", "urgent", "attempts")[:limit])
        if not rows:
            return [], {}
        recent: dict[str, list] = defaultdict(list)
        paced_phones = {phone for _pk, phone, _t, _k, urgent, _a in rows if not urgent}
        if paced_phones and (rate or quiet):
            for phone, claimed_at in (Message.objects.filter(phone__in=paced_phones, status__in=SENT_STATUSES,
                                                             claimed_at__gt=now - pacing.WINDOW)
                                      .values_list("phone", "claimed_at")):
                recent[phone].append(claimed_at)
        going, waiting = [], {}
        for pk, phone, text, kind, urgent, attempts in rows:
            at = pacing.earliest_send(now=now, urgent=urgent, recent=recent[phone], rate=rate, quiet=quiet)
            if at > now:
                waiting[pk] = at
                continue
            # Counts against this number's window for the rest of the batch, as a claim in the database would.
            recent[phone].append(now)
            going.append(Outgoing(message_id=pk, phone=phone, text=text, kind=kind, attempt=attempts + 1))
        if going:
            claimed = Message.objects.filter(pk__in=[o.message_id for o in going], status=Message.Status.QUEUED) \
                .update(status=Message.Status.SENDING, attempts=F("attempts") + 1, claimed_at=now)
            if claimed != len(going):
                # Without row locks (a SQLite database not opened IMMEDIATE) someone else may have claimed some.
                ours = set(Message.objects.filter(pk__in=[o.message_id for o in going], status=Message.Status.SENDING,
                                                  claimed_at=now).values_list("pk", flat=True))
                going = [o for o in going if o.message_id in ours]
        if waiting:
            Message.objects.filter(pk__in=list(waiting), status=Message.Status.QUEUED).update(
                send_after=_by_pk(waiting, models.DateTimeField()))
    return going, waiting


def _by_pk(values: dict, output_field):
    return Case(*[When(pk=pk, then=Value(value, output_field=output_field)) for pk, value in values.items()],
                output_field=output_field)


# --- 2. send ----------------------------------------------------------------------------------------------------


def _attempt(backend, item: Outgoing):
    try:
        return backend.send(message_id=item.message_id, phone=item.phone, text=item.text, kind=item.kind)
    except (TransientError, PermanentError) as exc:
        return exc
    except Exception as exc:  # A broken backend is retried like a network error, and logged.
        logger.exception("notify backend failed on message %s", item.message_id)
        return exc


def batch_deliver(backend, items: list[Outgoing], pool: ThreadPoolExecutor | None = None) -> list:
    """One result per item, in order: a SendResult or the exception the backend raised. A BaseException that is
    not an Exception (the worker being killed) propagates and leaves the batch claimed."""
    send_many = getattr(backend, "send_many", None)
    if send_many is not None:
        try:
            results = list(send_many(items))
        except Exception as exc:
            logger.exception("notify backend failed on a batch of %d", len(items))
            return [exc] * len(items)
        if len(results) != len(items):
            error = TransientError(f"the backend answered for {len(results)} of {len(items)} messages")
            return [error] * len(items)
        return results
    if pool is None or len(items) == 1:
        return [_attempt(backend, item) for item in items]
    return list(pool.map(lambda item: _attempt(backend, item), items))


# --- 3. record --------------------------------------------------------------------------------------------------


def batch_record(items: list[Outgoing], results: list, *, now: datetime.datetime) -> dict[int, str]:
    """Writes what the backend answered for our claim (claimed_at = now); returns {id: outcome}."""
    done: dict[str, list[Outgoing]] = defaultdict(list)
    retry: dict[int, tuple[datetime.datetime, str]] = {}
    final: list[tuple[Outgoing, str, str]] = []
    for item, result in zip(items, results, strict=True):
        if isinstance(result, PermanentError):
            final.append((item, Message.Status.FAILED, str(result)))
            continue
        if isinstance(result, SendResult) and result.status in (SENT, DELIVERED):
            done[result.status].append(item)
            continue
        if isinstance(result, SendResult) and result.status == REJECTED:
            final.append((item, Message.Status.UNREACHABLE,
                          _("The gateway refused the number.") + (f" {result.detail}" if result.detail else "")))
            continue
        if isinstance(result, SendResult):
            error = _("The gateway could not deliver it.") + (f" {result.detail}" if result.detail else "")
        elif isinstance(result, TransientError):
            error = str(result)
        else:
            error = f"{type(result).__name__}: {result}"
        if item.attempt >= max_attempts():
            final.append((item, Message.Status.FAILED,
                          _("%(error)s No attempt of %(n)d succeeded.") % {"error": error, "n": item.attempt}))
        else:
            retry[item.message_id] = (now + retry_delay(item.attempt), scrub(error)[:500])
    outcomes: dict[int, str] = {}
    with transaction.atomic():
        for status, group in done.items():
            outcomes.update(_record_done(group, status=status, now=now))
        if retry:
            ours = Message.objects.filter(pk__in=list(retry), status=Message.Status.SENDING, claimed_at=now)
            ours_ids = set(retry) if ours.count() == len(retry) else set(ours.values_list("pk", flat=True))
            ours.update(status=Message.Status.QUEUED,
                        send_after=_by_pk({pk: retry[pk][0] for pk in ours_ids}, models.DateTimeField()),
                        last_error=_by_pk({pk: retry[pk][1] for pk in ours_ids}, models.CharField()))
            outcomes.update({pk: (Message.Status.QUEUED if pk in ours_ids else "skipped") for pk in retry})
            if ours_ids:
                drain_wake(at=min(retry[pk][0] for pk in ours_ids), now=now)
    for item, status, error in final:
        outcomes[item.message_id] = finish(item.message_id, claimed_at=now, status=status, error=error, now=now,
                                           sensitive=is_sensitive(item.kind))
    return outcomes


def _record_done(group: list[Outgoing], *, status: str, now) -> dict[int, str]:
    ids = [item.message_id for item in group]
    secret = [item.message_id for item in group if is_sensitive(item.kind)]
    fields = {"status": status, "last_error": "", "finished_at": now, "sent_at": now}
    if status == DELIVERED:
        fields["delivered_at"] = now
    if secret:
        fields["text"] = Case(When(pk__in=secret, then=Value("")), default=F("text"), output_field=models.TextField())
    ours = Message.objects.filter(pk__in=ids, status=Message.Status.SENDING, claimed_at=now)
    if ours.update(**fields) == len(ids):
        return dict.fromkeys(ids, status)
    # Some claim was recovered as stale and taken by someone else meanwhile: theirs is the outcome.
    mine = set(Message.objects.filter(pk__in=ids, status=status, finished_at=now).values_list("pk", flat=True))
    return {pk: (status if pk in mine else "skipped") for pk in ids}


# --- one step, a drain ------------------------------------------------------------------------------------------


def batch_send(*, now: datetime.datetime | None = None, limit: int | None = None, backend=None, ids=None,
               pool: ThreadPoolExecutor | None = None) -> dict[int, str]:
    """One step: claim, send, record. Returns {id: outcome} ("sent", "delivered", "queued" (retry later), "delayed"
    (quiet hours / rate limit), "failed", "unreachable", "skipped"); empty when nothing was due."""
    now = now or timezone.now()
    items, waiting = batch_claim(now=now, limit=limit or batch_size(), ids=ids)
    outcomes = dict.fromkeys(waiting, "delayed")
    if waiting:
        drain_wake(at=min(waiting.values()), now=now)
    if items:
        results = batch_deliver(backend or get_backend(), items, pool)
        outcomes.update(batch_record(items, results, now=now))
    return outcomes


@contextmanager
def sender_pool():
    workers = concurrency()
    if workers == 1:
        yield None
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="notify-send") as pool:
        yield pool


def drain(*, backend=None, limit: int | None = None, seconds: float | None = None, now=None) -> dict:
    """Sends batch after batch until nothing is due, or `limit` messages, or NOTIFY_DRAIN_SECONDS (then a fresh
    drain is queued to go on); then makes sure a drain wakes for the next send_after. Returns outcome counts.
    `now` fixes the clock (tests, the sweep); otherwise each batch reads it."""
    backend = backend or get_backend()
    counts: Counter = Counter()
    deadline = time.monotonic() + (drain_seconds() if seconds is None else seconds)
    more = False
    with draining(), sender_pool() as pool:
        while True:
            step_limit = batch_size() if limit is None else min(batch_size(), limit - counts.total())
            if step_limit <= 0:
                more = True
                break
            outcomes = batch_send(now=now, limit=step_limit, backend=backend, pool=pool)
            if not outcomes:
                break
            counts.update(outcomes.values())
            if time.monotonic() > deadline:
                more = True
                break
    at = now or timezone.now()
    if more:
        drain_wake(at=at, now=at)
    else:
        upcoming = Message.objects.filter(status=Message.Status.QUEUED, send_after__gt=at).aggregate(
            next=Min("send_after"))["next"]
        if upcoming is not None:
            drain_wake(at=upcoming, now=at)
    return dict(counts)
