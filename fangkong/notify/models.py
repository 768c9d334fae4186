"""Outgoing messages and the cursors of the event scan.

A Message is one text for one (kind, event, phone): the unique constraint is what makes "sent once per event"
hold however often a trigger or a caller repeats itself. Its status moves queued → sending → sent / delivered,
or to failed / unreachable; only the send step (fangkong.notify.sending) moves it, by conditional UPDATE.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.accounts.scope import ScopedQuerySet


class Message(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("notify", "Queued")
        SENDING = "sending", pgettext_lazy("notify", "Sending")
        SENT = "sent", pgettext_lazy("notify", "Sent")
        DELIVERED = "delivered", pgettext_lazy("notify", "Delivered")
        FAILED = "failed", pgettext_lazy("notify", "Failed")
        UNREACHABLE = "unreachable", pgettext_lazy("notify", "Unreachable")

    kind = models.CharField(_("message kind"), max_length=40)
    event_key = models.CharField(_("event"), max_length=120)
    # Empty when the person has no phone on file: the row records that nobody could be told.
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    unit = models.ForeignKey("territory.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    language = models.CharField(max_length=10, default="zh-hans")
    # Cleared once the message is done when its kind is sensitive (one-time codes).
    text = models.TextField(_("text"), blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("queued at"), db_index=True)
    # Not before: quiet hours, the rate limit and the retry backoff move it forward.
    send_after = models.DateTimeField(_("send after"))
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    task = models.ForeignKey("tasks.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        verbose_name = _("message")
        constraints = [
            models.UniqueConstraint(fields=["kind", "event_key", "phone"], name="notify_one_message_per_event"),
        ]
        indexes = [
            models.Index(fields=["status", "send_after"], name="notify_due"),
            models.Index(fields=["phone", "sent_at"], name="notify_phone_sent"),
            # The drains' claim order (urgent first, then oldest), over what is waiting only.
            models.Index(fields=["-urgent", "send_after", "id"], condition=Q(status="queued"), name="notify_claim"),
            # The rate limit's look-up: a batch's numbers, their claims of the last hour.
            models.Index(fields=["phone", "claimed_at"], name="notify_phone_claimed"),
        ]

    def __str__(self):
        return f"{self.kind} {self.event_key}"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES


FINAL_STATUSES = (Message.Status.SENT, Message.Status.DELIVERED, Message.Status.FAILED, Message.Status.UNREACHABLE)
# Counted against the per-number rate limit: the number was actually sent something.
SENT_STATUSES = (Message.Status.SENDING, Message.Status.SENT, Message.Status.DELIVERED)


class TriggerCursor(models.Model):
    """How far one trigger of jobs.scan_events has read its source: the last primary key (or time) seen."""

    trigger = models.CharField(max_length=40, unique=True)
    last_id = models.BigIntegerField(default=0)
    last_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(last_id__gte=0), name="notify_cursor_nonnegative")]

    def __str__(self):
        return self.trigger
