"""Form helpers every app's views share."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.forms import NON_FIELD_ERRORS
from django.http import Http404

# A <input type="datetime-local"> and what it (or a person typing) sends: with or without seconds, T or a space.
DATETIME_LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


def add_service_errors(form, exc: ValidationError, field_map: dict[str, str] | None = None) -> None:
    """A service's ValidationError onto the form: each field's messages under that field (renamed through
    `field_map` where the form calls it otherwise), the rest at the top of the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        field = (field_map or {}).get(field, field)
        form.add_error(field if field in form.fields else NON_FIELD_ERRORS, errors)



def run_service(form, call, field_map: dict[str, str] | None = None):
    """The service's result, or None after putting its ValidationError onto the form. PermissionDenied is a 404:
    outside one's scope and missing look the same."""
    try:
        return call()
    except ValidationError as exc:
        add_service_errors(form, exc, field_map)
    except PermissionDenied as exc:
        raise Http404 from exc
    return None


def form_submit(form, action, *, field_map: dict[str, str] | None = None) -> bool:
    """Validates `form` and runs `action(cleaned_data)` (a service call) as run_service does; True when it ran."""
    if not form.is_valid():
        return False
    ran = run_service(form, lambda: action(form.cleaned_data) or True, field_map)
    return ran is not None
