from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.residents.models import Symptom


class IdNumberForm(forms.Form):
    id_number = forms.CharField(label=_("Resident ID number"), max_length=32,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text",
                                                              "autocapitalize": "characters"}))


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Code from the text message"), max_length=12,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))


SYMPTOM_CHOICES = [*Symptom.choices, ("none", pgettext_lazy("residents", "None"))]


class CheckInForm(forms.Form):
    """Shape only; the ranges and combinations are the service's (residents.services.clean_report)."""

    temperature = forms.CharField(label=_("Temperature (°C)"), max_length=6,
                                  widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
    symptoms = forms.MultipleChoiceField(label=_("Symptoms"), choices=SYMPTOM_CHOICES,
                                         widget=forms.CheckboxSelectMultiple, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2}))
