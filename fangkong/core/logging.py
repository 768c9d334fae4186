"""Log lines carry the request id, user id and scope node, and never personal data."""

import contextvars
import json
import logging
import re

request_context: contextvars.ContextVar[dict] = contextvars.ContextVar("fangkong_request", default=None)

# Resident ID numbers (18 characters) and mainland mobile numbers, wherever they appear in a message.
_PERSONAL = re.compile(r"(?<!\d)(\d{17}[\dXx]|1[3-9]\d{9})(?!\d)")


def scrub(text: str) -> str:
    return _PERSONAL.sub(lambda m: m.group(0)[:3] + "*" * (len(m.group(0)) - 3), text)


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        context = request_context.get() or {}
        request = context.get("request")
        user = getattr(request, "user", None)
        authenticated = bool(user is not None and getattr(user, "is_authenticated", False))
        record.request_id = context.get("request_id", "-")
        record.user_id = user.pk if authenticated else "-"
        record.scope_unit = getattr(user, "scope_id", None) if authenticated else None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
            "request_id": getattr(record, "request_id", "-"),
            "user_id": getattr(record, "user_id", "-"),
            "scope_unit": getattr(record, "scope_unit", None),
        }
        if record.exc_info:
            entry["exc"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)
