import copy
import io
import json
import logging
import logging.config
from datetime import timedelta
from types import SimpleNamespace

from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory
from stdnum.cn import ric

from fangkong.core.logging import JsonFormatter, RequestContextFilter
from fangkong.core.middleware import RequestIdMiddleware


def test_log_line_is_scrubbed_and_carries_request_and_user(officer_a):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("fangkong.test.ops")
    logger.addHandler(handler)
    logger.propagate = False

    def view(request):
        logger.warning("lookup of 110101199003077777 by phone 13812345678 failed")
        return HttpResponse("ok")

    request = RequestFactory().get("/people/", headers={"X-Request-ID": "req-42"})
    request.user = officer_a
    try:
        response = RequestIdMiddleware(view)(request)
    finally:
        logger.removeHandler(handler)

    entry = json.loads(stream.getvalue())
    assert response["X-Request-ID"] == "req-42"
    assert entry["request_id"] == "req-42"
    assert entry["user_id"] == officer_a.pk
    assert "110101199003077777" not in entry["message"]
    assert "13812345678" not in entry["message"]
    assert entry["message"].startswith("lookup of 110***")


# A valid resident ID (check digit computed by stdnum) and a mobile number.
RESIDENT_ID = "11010519491231002X"
MOBILE = "13912345678"


def _configured_console(stream):
    """The console handler exactly as settings.LOGGING builds it, writing to `stream`."""
    config = copy.deepcopy(settings.LOGGING)
    handler_config = dict(config["handlers"]["console"], formatter="plain")
    configurator = logging.config.DictConfigurator(config)
    configurator.config["formatters"] = {name: configurator.configure_formatter(spec)
                                         for name, spec in config["formatters"].items() if name == "plain"}
    configurator.config["filters"] = {name: configurator.configure_filter(spec)
                                      for name, spec in config["filters"].items()}
    built = configurator.configure_handler(handler_config)
    built.setStream(stream)
    return built


def _log_through(handler, emit):
    logger = logging.getLogger("fangkong.test.plain")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        emit(logger)
    finally:
        logger.removeHandler(handler)
        logger.propagate = True


def test_plain_log_line_masks_id_numbers_and_phones_in_arguments_and_carries_the_scope(officer_a):
    assert ric.is_valid(RESIDENT_ID)
    stream = io.StringIO()
    handler = _configured_console(stream)

    def view(request):
        _log_through(handler, lambda log: log.warning("lookup of %s by phone %s failed", RESIDENT_ID, MOBILE))
        return HttpResponse("ok")

    request = RequestFactory().get("/people/", headers={"X-Request-ID": "req-7"})
    request.user = officer_a
    RequestIdMiddleware(view)(request)

    line = stream.getvalue()
    assert RESIDENT_ID not in line and MOBILE not in line
    assert f"lookup of {RESIDENT_ID[:3]}***" in line
    assert f"[req-7 u={officer_a.pk} s={officer_a.scope_id}]" in line


def test_plain_log_masks_personal_data_in_a_traceback():
    stream = io.StringIO()
    handler = _configured_console(stream)

    def emit(log):
        try:
            raise ValueError(f"no person with ID {RESIDENT_ID} or phone {MOBILE}")
        except ValueError:
            log.exception("import failed")

    _log_through(handler, emit)

    text = stream.getvalue()
    assert "ValueError: no person with ID 110***" in text
    assert RESIDENT_ID not in text and MOBILE not in text
    assert "[- u=- s=-]" in text


def test_every_configured_handler_masks():
    for name, handler in settings.LOGGING["handlers"].items():
        assert "mask" in handler.get("filters", []), name


def test_runserver_access_lines_are_masked():
    stream = io.StringIO()
    # pytest adds its own capturing handlers beside the configured one.
    (handler,) = [h for h in logging.getLogger("django.server").handlers if type(h) is logging.StreamHandler]
    previous = handler.setStream(stream)
    try:
        logging.getLogger("django.server").info('"GET /people/?q=%s HTTP/1.1" 200 512', MOBILE)
    finally:
        handler.setStream(previous)

    line = stream.getvalue()
    assert MOBILE not in line and "/people/?q=139" in line


def _gunicorn_access_line(path: str, query: str) -> str:
    from gunicorn.config import Config

    from fangkong.core.logging import GUNICORN_ACCESS_FORMAT, GunicornLogger

    config = Config()
    config.set("accesslog", "-")
    config.set("access_log_format", GUNICORN_ACCESS_FORMAT)
    logger = GunicornLogger(config)
    stream = io.StringIO()
    for handler in logger.access_log.handlers:
        handler.setStream(stream)
    response = SimpleNamespace(status="200 OK", status_code=200, response_length=512, sent=512,
                               headers=[("Content-Type", "text/html"), ("X-Request-ID", "req-9")])
    request = SimpleNamespace(headers=[("REFERER", f"https://fk.example.org/people/?q={query}")])
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"{path}?{query}", "PATH_INFO": path, "QUERY_STRING": query,
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
               "HTTP_REFERER": f"https://fk.example.org/people/?q={query}"}
    logger.access(response, request, environ, timedelta(milliseconds=12))
    return stream.getvalue()


def test_gunicorn_access_log_drops_the_query_string_and_masks_paths():
    line = _gunicorn_access_line("/people/", f"q={MOBILE}")
    assert line.strip(), "no access line written"
    assert MOBILE not in line and "q=" not in line
    assert '"GET /people/?… HTTP/1.1" 200 512' in line
    assert "rid=req-9" in line

    by_id = _gunicorn_access_line(f"/api/v1/people/by-id/{RESIDENT_ID}", "")
    assert RESIDENT_ID not in by_id and f"/by-id/{RESIDENT_ID[:3]}***" in by_id
