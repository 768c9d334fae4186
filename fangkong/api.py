"""The JSON API under /api/v1: one django-ninja router per app, the same scoping as the pages."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.security import HttpBearer, django_auth

from fangkong.accounts.models import ApiToken


class ApiTokenAuth(HttpBearer):
    def authenticate(self, request, token):
        user = ApiToken.user_for(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Fangkong API",
    version="1",
    urls_namespace="api",
    auth=[ApiTokenAuth(), django_auth],
    docs_url="/docs",
)


@api.exception_handler(ValidationError)
def validation_error(request, exc):
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": "Not found."}, status=404)


def _mount():
    from fangkong.accounts.api import router as accounts_router
    from fangkong.arrivals.api import router as arrivals_router
    from fangkong.command.api import router as command_router
    from fangkong.exports.api import router as exports_router
    from fangkong.interop.api import router as interop_router
    from fangkong.notices.api import router as notices_router
    from fangkong.notify.api import router as notify_router
    from fangkong.passes.api import router as passes_router
    from fangkong.people.api import router as people_router
    from fangkong.protocols.api import router as protocols_router
    from fangkong.residents.api import router as residents_router
    from fangkong.risk.api import router as risk_router
    from fangkong.tasks.api import router as tasks_router
    from fangkong.territory.api import router as territory_router
    from fangkong.testing.api import router as testing_router
    from fangkong.tracing.api import router as tracing_router
    from fangkong.units.api import router as units_router
    from fangkong.vaccination.api import router as vaccination_router
    from fangkong.workforce.api import router as workforce_router

    api.add_router("/accounts", accounts_router)
    api.add_router("/territory", territory_router)
    api.add_router("/people", people_router)
    api.add_router("/tasks", tasks_router)
    api.add_router("/protocols", protocols_router)
    api.add_router("/arrivals", arrivals_router)
    api.add_router("/risk", risk_router)
    api.add_router("/workforce", workforce_router)
    api.add_router("/testing", testing_router)
    api.add_router("/tracing", tracing_router)
    api.add_router("/command", command_router)
    api.add_router("/notify", notify_router)
    api.add_router("/residents", residents_router)
    api.add_router("/exports", exports_router)
    api.add_router("/interop", interop_router)
    api.add_router("/vaccination", vaccination_router)
    api.add_router("/units", units_router)
    api.add_router("/passes", passes_router)
    api.add_router("/notices", notices_router)


_mount()
