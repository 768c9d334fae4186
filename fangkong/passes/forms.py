"""Forms of the passes pages: they collect raw input; the services check it."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.core.forms import DATETIME_FORMATS, DATETIME_LOCAL
from fangkong.passes.models import CargoKind, Disposition, EscortPass, FreightPass, Scan

ROUTE_STOPS = 6


def _when(label, required=False):
    return forms.DateTimeField(label=label, widget=DATETIME_LOCAL, input_formats=DATETIME_FORMATS, required=required)


class FreightPassForm(forms.Form):
    company = forms.CharField(label=_("Transport company"), max_length=100, required=False)
    plate = forms.CharField(label=_("Plate"), max_length=12, required=False,
                            help_text=_("e.g. 青A12345, or 青AD12345 for a new-energy vehicle"))
    driver_name = forms.CharField(label=_("Driver"), max_length=50, required=False)
    driver_id_number = forms.CharField(label=_("Driver's ID number"), max_length=20, required=False)
    driver_phone = forms.CharField(label=_("Driver's phone"), max_length=20, required=False)
    origin = forms.CharField(label=pgettext_lazy("passes", "Origin"), max_length=200, required=False)
    destination = forms.CharField(label=_("Destination"), max_length=200, required=False)
    cargo = forms.ChoiceField(label=_("Cargo"), choices=[("", "—"), *CargoKind.choices], required=False)
    cargo_note = forms.CharField(label=_("Cargo details"), max_length=200, required=False)
    valid_from = _when(_("Valid from"))
    valid_to = _when(_("Valid until"))

    def __init__(self, *args, checkpoints=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—")] + [(cp.pk, f"{cp.name} · {cp.unit.name}") for cp in checkpoints]
        for n in range(1, ROUTE_STOPS + 1):
            self.fields[f"stop_{n}"] = forms.TypedChoiceField(
                label=_("Checkpoint %(n)d on the route") % {"n": n}, choices=choices, coerce=int,
                required=False, empty_value=None)
        self._checkpoints = {cp.pk: cp for cp in checkpoints}

    def route(self) -> list:
        return [self._checkpoints[pk] for n in range(1, ROUTE_STOPS + 1)
                if (pk := self.cleaned_data.get(f"stop_{n}")) in self._checkpoints]


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label=pgettext_lazy("passes", "Decision"), widget=forms.RadioSelect,
                                 choices=[("approve", _("Approve and issue")),
                                          ("reject", pgettext_lazy("passes", "Reject"))])
    reason = forms.CharField(label=_("Reason (for a rejection)"), max_length=300, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


class ScanForm(forms.Form):
    checkpoint = forms.TypedChoiceField(label=_("Checkpoint"), coerce=int)
    code = forms.CharField(label=_("Pass code"), max_length=300,
                           help_text=_("Scan the QR code with the scanner, or type the code under it."),
                           widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True,
                                                         "autocapitalize": "off", "spellcheck": "false"}))

    def __init__(self, *args, checkpoints=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["checkpoint"].choices = [(cp.pk, f"{cp.name} · {cp.unit.name}") for cp in checkpoints]


class GateScanForm(forms.Form):
    code = forms.CharField(label=_("Pass code"), max_length=300,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True,
                                                         "autocapitalize": "off", "spellcheck": "false"}))


class PassFilterForm(forms.Form):
    status = forms.ChoiceField(label=pgettext_lazy("passes", "Status"), required=False,
                               choices=[("", "—"), *FreightPass.Status.choices])
    route = forms.CharField(label=_("Origin or destination"), max_length=100, required=False)
    plate = forms.CharField(label=_("Plate"), max_length=12, required=False)
    day = forms.DateField(label=_("Valid on"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    checkpoint = forms.TypedChoiceField(label=_("Through checkpoint"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, checkpoints=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["checkpoint"].choices = [("", "—")] + [(cp.pk, cp.name) for cp in checkpoints]


class ScanFilterForm(forms.Form):
    day = forms.DateField(label=_("Day"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    checkpoint = forms.TypedChoiceField(label=_("Checkpoint"), coerce=int, required=False, empty_value=None)
    disposition = forms.ChoiceField(label=_("Disposition"), required=False,
                                    choices=[("", "—"), *Disposition.choices])
    kind = forms.ChoiceField(label=pgettext_lazy("passes", "Kind"), required=False,
                             choices=[("", "—"), *Scan.Kind.choices])

    def __init__(self, *args, checkpoints=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["checkpoint"].choices = [("", "—")] + [(cp.pk, cp.name) for cp in checkpoints]


class EscortPassForm(forms.Form):
    patient_id_number = forms.CharField(label=_("Patient's ID number"), max_length=20, required=False)
    ward = forms.CharField(label=_("Ward"), max_length=100, required=False)
    escort_name = forms.CharField(label=pgettext_lazy("passes", "Escort"), max_length=50, required=False)
    escort_id_number = forms.CharField(label=_("Escort's ID number"), max_length=20, required=False)
    escort_phone = forms.CharField(label=_("Escort's phone"), max_length=20, required=False)
    tested_at = _when(_("Negative test sampled"))
    valid_from = _when(_("Valid from"))
    valid_to = _when(_("Valid until"))


class EscortTestForm(forms.Form):
    tested_at = _when(_("New negative test sampled"), required=True)


ESCORT_STATUSES = [("", "—"), *EscortPass.Status.choices]
