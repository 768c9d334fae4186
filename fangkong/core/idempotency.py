"""Idempotency-Key for mutating API calls: a field device retrying on a bad network never creates twice.

The first request with a key stores its response; a retry with the same key gets the stored
response back without running again. A retry while the first is still running gets 409.
"""

import hashlib

from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse

from fangkong.core.models import IdempotencyRecord

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}


def _caller(request) -> str:
    auth = request.headers.get("Authorization", "")
    if auth:
        return "t:" + hashlib.sha256(auth.encode()).hexdigest()[:40]
    return f"s:{request.session.session_key or '-'}"


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key or request.method not in MUTATING or not request.path.startswith("/api/"):
            return self.get_response(request)
        if len(key) > 128:
            return JsonResponse({"detail": "Idempotency-Key is longer than 128 characters."}, status=400)
        caller = _caller(request)
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    key=key, caller=caller, method=request.method, path=request.path
                )
        except IntegrityError:
            previous = IdempotencyRecord.objects.get(caller=caller, key=key)
            if previous.method != request.method or previous.path != request.path:
                return JsonResponse({"detail": "This Idempotency-Key was used for another request."}, status=422)
            if previous.status_code is None:
                return JsonResponse({"detail": "A request with this Idempotency-Key is in progress."}, status=409)
            response = HttpResponse(bytes(previous.body), status=previous.status_code,
                                    content_type=previous.content_type)
            response["Idempotent-Replayed"] = "true"
            return response
        response = self.get_response(request)
        if response.status_code >= 500:
            # A server error is not an answer: let the device try again.
            record.delete()
        else:
            record.status_code = response.status_code
            record.content_type = response.get("Content-Type", "")
            record.body = bytes(getattr(response, "content", b""))
            record.save(update_fields=["status_code", "content_type", "body"])
        return response
