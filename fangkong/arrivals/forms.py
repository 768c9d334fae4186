"""Forms render the fields and collect raw input; the services check it (one set of rules for page and API)."""

import re

from django import forms
from django.forms.forms import NON_FIELD_ERRORS
from django.utils.translation import gettext_lazy as _

from fangkong.arrivals.models import CheckpointKind, Disposition, HealthCode

MAX_OCCUPANTS_ON_FORM = 9
_OCCUPANT_KEY = re.compile(r"^occ-(\d+)-")


class PassageForm(forms.Form):
    plate = forms.CharField(label=_("Plate"), max_length=12, required=False,
                            help_text=_("Empty for a pedestrian."),
                            widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                                          "placeholder": "豫Q12345"}))
    client_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    # Set by offline.js when the record waited on the phone: the time the car actually passed.
    recorded_at = forms.DateTimeField(widget=forms.HiddenInput, required=False)


class OccupantForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50, required=False)
    id_number = forms.CharField(label=_("ID number"), max_length=32, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}))
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    temperature = forms.CharField(label=_("Temperature (°C)"), max_length=6, required=False,
                                  widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "36.5"}))
    recheck_temperature = forms.CharField(label=_("Re-measured after 30 minutes (°C)"), max_length=6, required=False,
                                          widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    health_code = forms.ChoiceField(label=_("Health code"), choices=HealthCode.choices, initial=HealthCode.GREEN,
                                    widget=forms.RadioSelect)
    negative_test_within_48h = forms.ChoiceField(label=_("Negative test within 48 hours"),
                                                 choices=[("yes", _("Yes")), ("no", _("No"))], initial="yes",
                                                 widget=forms.RadioSelect)
    origin_text = forms.CharField(label=_("Coming from"), max_length=200, required=False,
                                  widget=forms.TextInput(attrs={"placeholder": "河南省驻马店市西平县柏城街道"}))
    left_origin_on = forms.DateField(label=_("Left there on"), required=False,
                                     widget=forms.DateInput(attrs={"type": "date"}),
                                     help_text=_("Empty: today."))
    destination = forms.TypedChoiceField(label=_("Destination"), coerce=int, required=False, empty_value=None)
    destination_address = forms.CharField(label=_("Destination address"), max_length=200, required=False)
    override = forms.ChoiceField(label=_("Override the proposal"), required=False,
                                 choices=[("", _("Accept the proposal")), *Disposition.choices])
    override_reason = forms.CharField(label=_("Reason for the override"), max_length=200, required=False)

    def __init__(self, *args, destinations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["destination"].choices = [("", _("— choose —")), *destinations]

    def service_data(self) -> dict:
        """The raw values, as passage_record takes them."""
        data = {name: self.data.get(self.add_prefix(name), "") for name in self.fields}
        data["negative_test_within_48h"] = data["negative_test_within_48h"] == "yes"
        return data


def occupant_indexes(data) -> list[int]:
    """The occupant blocks present in a POST (occ-0-..., occ-3-...), in order, at most MAX_OCCUPANTS_ON_FORM."""
    found = sorted({int(m.group(1)) for key in data for m in [_OCCUPANT_KEY.match(key)] if m})
    return found[:MAX_OCCUPANTS_ON_FORM]


def add_service_errors(form, errors: dict, prefix_map: dict | None = None) -> None:
    """Put a service's ValidationError dict on a form: unknown fields become non-field errors."""
    for field, messages in errors.items():
        form.add_error(field if field in form.fields else NON_FIELD_ERRORS, list(messages))


class ArrivalForm(forms.Form):
    """A grid worker's registration of someone who arrived (community channel)."""

    name = forms.CharField(label=_("Name"), max_length=50)
    id_number = forms.CharField(label=_("ID number"), max_length=32, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    origin_text = forms.CharField(label=_("Coming from"), max_length=200)
    left_origin_on = forms.DateField(label=_("Left there on"), widget=forms.DateInput(attrs={"type": "date"}))
    destination = forms.TypedChoiceField(label=_("Destination"), coerce=int)
    destination_address = forms.CharField(label=_("Destination address"), max_length=200, required=False)

    def __init__(self, *args, destinations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["destination"].choices = list(destinations)


class SelfReportForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    id_number = forms.CharField(label=_("ID number"), max_length=32)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"}))
    origin_text = forms.CharField(label=_("Where you come from (province, city, county, street)"), max_length=200)
    left_origin_on = forms.DateField(label=_("The day you left there"), widget=forms.DateInput(attrs={"type": "date"}))
    destination = forms.TypedChoiceField(label=_("Where you are staying"), coerce=int, required=False,
                                         empty_value=None)
    destination_address = forms.CharField(label=_("Address where you are staying"), max_length=200)
    # A field people never see (hidden by the stylesheet); bots fill every field.
    website = forms.CharField(required=False, label=_("Leave this empty"),
                              widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}))
    consent = forms.BooleanField(label=_("I have read the privacy notice above."))

    def __init__(self, *args, destinations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if destinations is None:
            del self.fields["destination"]
        else:
            self.fields["destination"].choices = [("", _("— choose —")), *destinations]
            self.fields["destination"].required = True


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or Excel file"),
                           help_text=_("Columns: name,id_number,phone,origin,left_on,destination,address "
                                       "(or 姓名,身份证号,手机,来源地,离开日期,目的地编码,目的地址); destination is "
                                       "the code of a street, community or grid."))


class CheckpointForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=CheckpointKind.choices)
    unit = forms.TypedChoiceField(label=_("Jurisdiction node"), coerce=int)
    location = forms.CharField(label=_("Location"), max_length=200, required=False)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, f"{'· ' * u.depth}{u.name}") for u in units]


class RemeasureForm(forms.Form):
    recheck_temperature = forms.CharField(label=_("Re-measured temperature (°C)"), max_length=6,
                                          widget=forms.TextInput(attrs={"inputmode": "decimal"}))
