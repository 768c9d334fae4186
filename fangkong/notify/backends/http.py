"""An HTTP SMS gateway: POST {to, text, id} as JSON to settings.NOTIFY_SMS_URL, signed.

Headers: X-Fangkong-Signature: sha256=<hex HMAC-SHA256 of the exact body bytes with NOTIFY_SMS_SECRET> and
X-Fangkong-Timestamp: <unix seconds>. `id` is the message id: the gateway must send a repeated id only once
(answering with the first outcome), which is what makes our retries after a crash harmless.
The gateway answers 2xx with {"status": "accepted" | "delivered" | "failed" | "rejected", "detail": "..."};
5xx, 429, 401/403 (a secret being rotated), timeouts and network errors are retried with backoff.
"""

import hashlib
import hmac
import json
import time

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from fangkong.notify.backends import (
    DELIVERED,
    FAILED,
    REJECTED,
    SENT,
    BaseBackend,
    PermanentError,
    SendResult,
    TransientError,
)

SIGNATURE_HEADER = "X-Fangkong-Signature"
TIMESTAMP_HEADER = "X-Fangkong-Timestamp"
_REPLIES = {"accepted": SENT, "sent": SENT, "queued": SENT, "delivered": DELIVERED, "failed": FAILED,
            "rejected": REJECTED, "invalid": REJECTED, "rejected_number": REJECTED}
_RETRY_CODES = {401, 403, 408, 429}


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def encode(*, message_id: int, phone: str, text: str) -> bytes:
    return json.dumps({"to": phone, "text": text, "id": message_id}, ensure_ascii=False,
                      separators=(",", ":")).encode()


class Backend(BaseBackend):
    def __init__(self):
        self.url = getattr(settings, "NOTIFY_SMS_URL", "")
        self.secret = getattr(settings, "NOTIFY_SMS_SECRET", "")
        if not self.url or not self.secret:
            raise ImproperlyConfigured("the HTTP SMS backend needs NOTIFY_SMS_URL and NOTIFY_SMS_SECRET")
        timeout = float(getattr(settings, "NOTIFY_SMS_TIMEOUT", 5))
        # One client for every thread of the send pool: its connections are kept alive and shared.
        connections = max(int(getattr(settings, "NOTIFY_CONCURRENCY", 16)), 1)
        self.client = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 3.0)),
                                   limits=httpx.Limits(max_connections=connections,
                                                       max_keepalive_connections=connections))

    def send(self, *, message_id: int, phone: str, text: str, kind: str) -> SendResult:
        body = encode(message_id=message_id, phone=phone, text=text)
        headers = {"Content-Type": "application/json; charset=utf-8", SIGNATURE_HEADER: sign(body, self.secret),
                   TIMESTAMP_HEADER: str(int(time.time()))}
        try:
            response = self.client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise TransientError(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code >= 500 or response.status_code in _RETRY_CODES:
            raise TransientError(f"gateway answered {response.status_code}")
        if response.status_code >= 400:
            raise PermanentError(f"gateway answered {response.status_code}: {response.text[:200]}")
        try:
            reply = response.json()
            status = _REPLIES.get(str(reply.get("status", "")).lower())
        except (ValueError, AttributeError) as exc:
            raise TransientError("the gateway's answer is not JSON") from exc
        if status is None:
            raise TransientError(f"unknown gateway status {reply.get('status')!r}")
        return SendResult(status, str(reply.get("detail", ""))[:200])
