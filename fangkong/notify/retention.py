"""PIPL erasure (people.retention): a message keeps its kind, times and delivery status for the delivery figures;
the phone number and the text (which may name the person) go. Messages sent to a number not linked to the person
are matched by their phone."""

from django.db.models import Q

from fangkong.notify.models import FINAL_STATUSES, Message
from fangkong.people.retention import Erasure, placeholder


def anonymise(*, erasure: Erasure) -> dict[str, int]:
    # The phone is indexed, and is part of the one-message-per-event constraint: a per-row placeholder keeps it
    # unique (a "phone" no gateway accepts).
    # Only finished messages: one still queued to a shared number is someone else's to send.
    messages = (Message.objects
                .filter(Q(person_id__in=erasure.person_ids) | Q(person__isnull=True, phone__in=erasure.phones))
                .filter(status__in=FINAL_STATUSES).exclude(phone__startswith="ANON"))
    return {"notify.Message": erasure.erase(messages, phone=placeholder(), text="", last_error="")}
