import io
import json
import logging

from django.http import HttpResponse
from django.test import RequestFactory

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
