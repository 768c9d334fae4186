"""What the units views share: running a service onto a form, the node a list is for."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from fangkong.core.forms import add_service_errors
from fangkong.territory.models import Unit


def run_service(form, call, field_map=None):
    """The service's result, or None after putting its ValidationError onto the form. PermissionDenied is a 404:
    outside one's scope and missing look the same."""
    try:
        return call()
    except ValidationError as exc:
        add_service_errors(form, exc, field_map=field_map)
    except PermissionDenied as exc:
        raise Http404 from exc
    return None


def node_from(request) -> Unit | None:
    code = (request.GET.get("node") or "").strip()
    if not code:
        return None
    return Unit.objects.visible_to(request.user).filter(code=code).first()
