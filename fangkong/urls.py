from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from fangkong.api import api
from fangkong.ops import views as ops_views

urlpatterns = [
    path("", include("fangkong.core.urls")),
    path("readyz", ops_views.readyz, name="readyz"),
    path("accounts/", include("fangkong.accounts.urls")),
    path("territory/", include("fangkong.territory.urls")),
    path("people/", include("fangkong.people.urls")),
    path("tasks/", include("fangkong.tasks.urls")),
    path("ops/", include("fangkong.ops.urls")),
    path("protocols/", include("fangkong.protocols.urls")),
    path("risk/", include("fangkong.risk.urls")),
    path("workforce/", include("fangkong.workforce.urls")),
    path("arrivals/", include("fangkong.arrivals.urls")),
    path("testing/", include("fangkong.testing.urls")),
    path("tracing/", include("fangkong.tracing.urls")),
    path("isolation/", include("fangkong.isolation.urls")),
    path("supervision/", include("fangkong.supervision.urls")),
    path("supplies/", include("fangkong.supplies.urls")),
    path("notify/", include("fangkong.notify.urls")),
    path("residents/", include("fangkong.residents.urls")),
    path("exports/", include("fangkong.exports.urls")),
    path("interop/", include("fangkong.interop.urls")),
    path("vaccination/", include("fangkong.vaccination.urls")),
    path("units/", include("fangkong.units.urls")),
    path("passes/", include("fangkong.passes.urls")),
    path("notices/", include("fangkong.notices.urls")),
    path("command/", include("fangkong.command.urls")),
    path("api/v1/", api.urls),
    path("i18n/setlang/", set_language, name="set_language"),
]
if settings.DEBUG:
    urlpatterns.append(path("django-admin/", admin.site.urls))
