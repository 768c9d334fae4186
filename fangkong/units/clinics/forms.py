"""Forms of the clinic pages: they collect raw input; the services check it."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.units.models import ClinicKind, FeverReport


class FeverReportForm(forms.Form):
    clinic = forms.TypedChoiceField(label=pgettext_lazy("units", "Clinic"), coerce=int)
    name = forms.CharField(label=_("Name"), max_length=50)
    id_number = forms.CharField(label=_("Resident ID number"), max_length=20,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}))
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    home_code = forms.CharField(label=_("Home: code of the building or community (if not on file)"), max_length=32,
                                required=False)
    address = forms.CharField(label=_("Home address"), max_length=200, required=False)
    temperature = forms.CharField(label=_("Temperature (°C)"), max_length=6,
                                  widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    symptoms = forms.CharField(label=_("Symptoms"), max_length=300, required=False)
    history = forms.CharField(label=_("Travel and risk history (last 14 days)"), max_length=300, required=False)
    disposition = forms.ChoiceField(label=_("Disposition"), choices=FeverReport.Disposition.choices,
                                    widget=forms.RadioSelect)
    sampled = forms.BooleanField(label=_("Sampled (single tube)"), required=False)

    def __init__(self, *args, clinics=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.clinics = {c.pk: c for c in clinics}
        self.fields["clinic"].choices = [(c.pk, c.organisation.name) for c in clinics]
        if len(self.clinics) == 1:
            self.fields["clinic"].initial = next(iter(self.clinics))
            self.fields["clinic"].widget = forms.HiddenInput()

    def clinic_obj(self):
        return self.clinics.get(self.cleaned_data.get("clinic"))


class ClinicRegisterForm(forms.Form):
    organisation = forms.TypedChoiceField(label=_("Unit"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind"), choices=ClinicKind.choices)

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisations = {o.pk: o for o in organisations}
        self.fields["organisation"].choices = [(o.pk, f"{o.name} ({o.unit.name})") for o in organisations]


class ClinicStaffForm(forms.Form):
    username = forms.CharField(label=_("Username of the clinic's staff user"), max_length=150)
