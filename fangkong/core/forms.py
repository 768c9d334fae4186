"""Form helpers every app's views share."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.forms import NON_FIELD_ERRORS
from django.utils.translation import gettext as _

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


def form_submit(form, action, *, field_map: dict[str, str] | None = None) -> bool:
    """Validates `form` and runs `action(cleaned_data)` (a service call). A service's ValidationError lands on the
    form's fields, a PermissionDenied (outside the user's jurisdiction) at its top; True when the action ran."""
    if not form.is_valid():
        return False
    try:
        action(form.cleaned_data)
    except ValidationError as exc:
        add_service_errors(form, exc, field_map)
        return False
    except PermissionDenied:
        form.add_error(None, _("You may not do this here: it is outside your jurisdiction."))
        return False
    return True
