"""Prints each message (development and the demo)."""

import sys
import threading

from fangkong.notify.backends import SENT, BaseBackend, SendResult


class Backend(BaseBackend):
    def __init__(self, stream=None):
        self.stream = stream
        self._lock = threading.Lock()

    def send(self, *, message_id: int, phone: str, text: str, kind: str) -> SendResult:
        stream = self.stream or sys.stdout
        with self._lock:
            stream.write(f"[notify #{message_id} {kind} → {phone}] {text}\n")
            stream.flush()
        return SendResult(SENT)
