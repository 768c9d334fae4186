"""Prints each message (development and the demo). The worker's log is not a place for phone numbers: they are
masked as everywhere else; the text itself is what the developer wants to read."""

import sys
import threading

from fangkong.core.masking import mask_phone
from fangkong.notify.backends import SENT, BaseBackend, SendResult


class Backend(BaseBackend):
    def __init__(self, stream=None):
        self.stream = stream
        self._lock = threading.Lock()

    def send(self, *, message_id: int, phone: str, text: str, kind: str) -> SendResult:
        stream = self.stream or sys.stdout
        with self._lock:
            stream.write(f"[notify #{message_id} {kind} → {mask_phone(phone)}] {text}\n")
            stream.flush()
        return SendResult(SENT)
