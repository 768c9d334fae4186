import uuid

from fangkong.core.logging import request_context
from fangkong.core.views import healthz
from fangkong.ops.health import readyz_response

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)


class RequestIdMiddleware:
    """Tags the request and its log lines with an id (kept from X-Request-ID when a proxy sets one)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex
        request.request_id = request_id
        token = request_context.set({"request_id": request_id, "request": request})
        try:
            response = self.get_response(request)
        finally:
            request_context.reset(token)
        response["X-Request-ID"] = request_id
        return response


class ContentSecurityPolicyMiddleware:
    """Everything the pages need is served from here: no inline scripts, no CDN."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        return response


class HealthCheckMiddleware:
    """Answers the load balancer's probes (/healthz, /readyz) before the Host check and the HTTPS redirect.

    Balancers probe over plain HTTP and often by the server's IP, which ALLOWED_HOSTS rightly refuses for every
    other page. Placed right after SecurityMiddleware (settings.SECURE_REDIRECT_EXEMPT names these paths), so the
    probes still get its headers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD"):
            if request.path_info == "/healthz":
                return healthz(request)
            if request.path_info in ("/readyz", "/ops/readyz"):
                return readyz_response(request)
        return self.get_response(request)
