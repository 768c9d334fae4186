"""Log lines carry the request id, user id and scope node, and never personal data.

MaskPersonalDataFilter sits on every handler (settings.LOGGING) and on gunicorn's own handlers (GunicornLogger),
so an ID number or a phone in a message, its arguments or a traceback is masked whatever the format.
"""

import contextvars
import json
import logging
import re

request_context: contextvars.ContextVar[dict] = contextvars.ContextVar("fangkong_request", default=None)

# Resident ID numbers (18 characters) and mainland mobile numbers, wherever they appear in a message.
_PERSONAL = re.compile(r"(?<!\d)(\d{17}[\dXx]|1[3-9]\d{9})(?!\d)")
_QUERY = re.compile(r"\?[^\s\"]*")
_traceback_formatter = logging.Formatter()


def scrub(text: str) -> str:
    return _PERSONAL.sub(lambda m: m.group(0)[:3] + "*" * (len(m.group(0)) - 3), text)


def drop_query(text: str) -> str:
    """`GET /people/?q=13812345678 HTTP/1.1` → `GET /people/?… HTTP/1.1`: a search is personal data."""
    return _QUERY.sub("?…", text)


class MaskPersonalDataFilter(logging.Filter):
    """Masks the record itself (message with its arguments, traceback, stack), before any formatter sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the line
            message = f"{record.msg!r} {record.args!r}"
        record.msg, record.args = scrub(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = _traceback_formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        context = request_context.get() or {}
        request = context.get("request")
        user = getattr(request, "user", None)
        authenticated = bool(user is not None and getattr(user, "is_authenticated", False))
        record.request_id = context.get("request_id", "-")
        record.user_id = user.pk if authenticated else "-"
        record.scope_unit = (getattr(user, "scope_id", None) or "-") if authenticated else "-"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        scope = getattr(record, "scope_unit", "-")
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
            "request_id": getattr(record, "request_id", "-"),
            "user_id": getattr(record, "user_id", "-"),
            "scope_unit": None if scope == "-" else scope,
        }
        if record.exc_info or record.exc_text:
            entry["exc"] = scrub(record.exc_text or self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


# gunicorn's access line: no query string (%(q)s, or the one inside %(r)s), no referer (it carries one too);
# the response's X-Request-ID ties it to the application's lines of the same request.
GUNICORN_ACCESS_FORMAT = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s'

try:
    from gunicorn.glogging import Logger as _GunicornBase
except ImportError:  # gunicorn is only needed by `serve --prod`
    _GunicornBase = None

if _GunicornBase is not None:

    class GunicornLogger(_GunicornBase):
        """gunicorn's logger (`--logger-class`) with query strings dropped and personal data masked."""

        def setup(self, cfg):
            super().setup(cfg)
            for log in (self.error_log, self.access_log):
                for handler in log.handlers:
                    handler.addFilter(MaskPersonalDataFilter())

        def atoms(self, resp, req, environ, request_time):
            atoms = super().atoms(resp, req, environ, request_time)
            for key in ("r", "f", "U"):
                if isinstance(atoms.get(key), str):
                    atoms[key] = drop_query(atoms[key])
            atoms["q"] = "-"
            return {key: scrub(value) if isinstance(value, str) else value for key, value in atoms.items()}
