"""A tiny URLconf for the Idempotency-Key tests: views that count how often they really ran."""

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

CALLS: list[str] = []


@csrf_exempt
def counter(request):
    CALLS.append(request.path)
    return JsonResponse({"run": len(CALLS)}, status=201)


@csrf_exempt
def flaky(request):
    CALLS.append(request.path)
    return JsonResponse({"detail": "try again"}, status=503)


urlpatterns = [
    path("api/test/counter/", counter),
    path("api/test/other/", counter),
    path("api/test/flaky/", flaky),
]
