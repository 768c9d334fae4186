"""Appends each message as one JSON line to a file per local day under settings.NOTIFY_FILE_DIR."""

import json
import threading
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from fangkong.notify.backends import SENT, BaseBackend, SendResult


def file_dir() -> Path:
    return Path(getattr(settings, "NOTIFY_FILE_DIR", "") or Path(settings.DATA_DIR) / "notify")


class Backend(BaseBackend):
    _lock = threading.Lock()

    def send(self, *, message_id: int, phone: str, text: str, kind: str) -> SendResult:
        return self._write([(message_id, phone, text, kind)])[0]

    def send_many(self, items) -> list[SendResult]:
        """A batch in one write."""
        return self._write([(item.message_id, item.phone, item.text, item.kind) for item in items])

    def _write(self, messages) -> list[SendResult]:
        now = timezone.localtime()
        folder = file_dir()
        folder.mkdir(parents=True, exist_ok=True)
        lines = "".join(json.dumps({"id": message_id, "to": phone, "kind": kind, "text": text,
                                    "at": now.isoformat()}, ensure_ascii=False) + "\n"
                        for message_id, phone, text, kind in messages)
        with self._lock, open(folder / f"{now.date().isoformat()}.jsonl", "a", encoding="utf-8") as handle:
            handle.write(lines)
        return [SendResult(SENT)] * len(messages)
