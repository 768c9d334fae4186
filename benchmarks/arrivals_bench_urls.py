"""The app's urls, the arrivals router on an API of its own (until fangkong/api.py mounts it), and the baseline:
a minimal Django view that writes one row."""

import json

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.security import django_auth

from fangkong.api import ApiTokenAuth
from fangkong.arrivals.api import router
from fangkong.arrivals.models import ImportBatch
from fangkong.urls import urlpatterns as app_urlpatterns

bench_api = NinjaAPI(urls_namespace="arrivals_bench_api", auth=[ApiTokenAuth(), django_auth])
bench_api.add_router("/arrivals", router, url_name_prefix="arrivals_bench")


@csrf_exempt
def baseline(request):
    """Parse the same JSON body and write one row: the floor any Django write endpoint pays."""
    body = json.loads(request.body)
    row = ImportBatch.objects.create(label=str(body.get("client_key", ""))[:200], rows=len(body.get("occupants", [])))
    return JsonResponse({"id": row.pk}, status=201)


urlpatterns = [path("bench/baseline", baseline), path("api/bench/", bench_api.urls), *app_urlpatterns]
