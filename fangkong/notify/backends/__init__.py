"""Pluggable senders, in the style of django.core.mail: settings.NOTIFY_BACKEND names a class by dotted path.

A backend's send() returns a SendResult ("sent": accepted, no receipt; "delivered"; "failed": the gateway could
not deliver it, try again later; "rejected": the number cannot be reached) or raises TransientError (network
down, gateway 5xx: try again later) or PermanentError (the request itself is refused: do not repeat it).
Backends are given the message id: a gateway that dedupes on it makes a repeated send harmless.

send() is called from several threads at once (the send pool, NOTIFY_CONCURRENCY): a backend keeps no per-call
state on itself, or guards it. A backend for a gateway that takes batches may also define
send_many(items) -> list (one SendResult or exception per item, in order; items have message_id, phone, text,
kind): the send step then gives it a whole batch in one call instead of the pool.
"""

from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.utils.module_loading import import_string

SENT, DELIVERED, FAILED, REJECTED = "sent", "delivered", "failed", "rejected"


@dataclass(frozen=True)
class SendResult:
    status: str
    detail: str = ""


class TransientError(Exception):
    """Try again later."""


class PermanentError(Exception):
    """Repeating the same request will not help."""


class BaseBackend:
    def send(self, *, message_id: int, phone: str, text: str, kind: str) -> SendResult:
        raise NotImplementedError


def backend_path() -> str:
    explicit = getattr(settings, "NOTIFY_BACKEND", "")
    if explicit:
        return explicit
    if getattr(settings, "SETTINGS_MODULE", "") == "fangkong.settings_test":
        return "fangkong.notify.backends.locmem.Backend"
    if getattr(settings, "NOTIFY_SMS_URL", ""):
        return "fangkong.notify.backends.http.Backend"
    return "fangkong.notify.backends.console.Backend"


@lru_cache(maxsize=8)
def _backend(path: str) -> BaseBackend:
    return import_string(path)()


def get_backend(path: str | None = None) -> BaseBackend:
    return _backend(path or backend_path())


def reset_backends() -> None:
    """Forget the cached backend instances (tests change the settings they read)."""
    _backend.cache_clear()
