"""Keeps what it sends in `outbox`, for tests (like django.core.mail's locmem backend). Every call is recorded,
so a test sees a second send of the same message."""

from dataclasses import dataclass

from fangkong.notify.backends import SENT, BaseBackend, SendResult


@dataclass(frozen=True)
class OutboxMessage:
    phone: str
    text: str
    kind: str
    id: int


outbox: list[OutboxMessage] = []


class Backend(BaseBackend):
    def send(self, *, message_id: int, phone: str, text: str, kind: str) -> SendResult:
        outbox.append(OutboxMessage(phone=phone, text=text, kind=kind, id=message_id))
        return SendResult(SENT)

    def send_many(self, items) -> list[SendResult]:
        return [self.send(message_id=item.message_id, phone=item.phone, text=item.text, kind=item.kind)
                for item in items]
