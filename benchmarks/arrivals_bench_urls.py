"""The app's urls (the arrivals API at /api/v1/arrivals) and the baseline: a minimal Django view that writes one
row."""

import json

from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from fangkong.arrivals.models import ImportBatch
from fangkong.urls import urlpatterns as app_urlpatterns


@csrf_exempt
def baseline(request):
    """Parse the same JSON body and write one row: the floor any Django write endpoint pays."""
    body = json.loads(request.body)
    row = ImportBatch.objects.create(label=str(body.get("client_key", ""))[:200], rows=len(body.get("occupants", [])))
    return JsonResponse({"id": row.pk}, status=201)


urlpatterns = [path("bench/baseline", baseline), *app_urlpatterns]
