"""Forms of living support. The need form is used on a phone, by the grid worker and on the household's link."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.core.forms import DATETIME_FORMATS, DATETIME_LOCAL
from fangkong.supplies.models.living import CareKind, DeliveryStop, NeedKind

ITEM_ROWS = 5


class NeedForm(forms.Form):
    kind = forms.ChoiceField(label=_("What is needed"), choices=NeedKind.choices, widget=forms.RadioSelect,
                             initial=NeedKind.DAILY)
    care = forms.ChoiceField(label=_("Special care"), choices=[("", "—"), *CareKind.choices], required=False)
    prescription_note = forms.CharField(label=_("Prescription note"), max_length=300, required=False,
                                        help_text=_("For medicine: the prescription, the dose, who prescribed it."))
    note = forms.CharField(label=_("Note"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    contact_name = forms.CharField(label=_("Contact name"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(ITEM_ROWS):
            self.fields[f"item_name_{i}"] = forms.CharField(label=_("Item"), max_length=100, required=False)
            self.fields[f"item_qty_{i}"] = forms.DecimalField(
                label=_("Quantity"), required=False, max_digits=10, decimal_places=2,
                widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}))
            self.fields[f"item_measure_{i}"] = forms.CharField(label=_("Unit"), max_length=20, required=False)

    @property
    def item_rows(self):
        return [(self[f"item_name_{i}"], self[f"item_qty_{i}"], self[f"item_measure_{i}"]) for i in range(ITEM_ROWS)]

    @property
    def other_fields(self):
        return [f for f in self if not f.name.startswith("item_")]

    def items(self) -> list[tuple]:
        data = self.cleaned_data
        return [(data.get(f"item_name_{i}", ""), data.get(f"item_qty_{i}"), data.get(f"item_measure_{i}", ""))
                for i in range(ITEM_ROWS)]


class PublicNeedForm(NeedForm):
    # A honeypot: people leave it empty, scripts fill it.
    website = forms.CharField(required=False, widget=forms.TextInput(attrs={"autocomplete": "off",
                                                                           "tabindex": "-1"}))


class BatchForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("Node"), coerce=int)
    cut_off = forms.DateTimeField(label=_("Cut-off"), widget=DATETIME_LOCAL, input_formats=DATETIME_FORMATS,
                                  help_text=_("Every open non-urgent need recorded up to this time goes into the "
                                              "batch."))

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, u.name) for u in units]


class ConfirmStopForm(forms.Form):
    handover = forms.ChoiceField(label=pgettext_lazy("delivery", "Handover"), choices=DeliveryStop.Handover.choices,
                                 initial=DeliveryStop.Handover.DOOR)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    # A plain file: the service checks that it is an image and re-encodes it (supervision.photos).
    photo = forms.FileField(label=_("Photo"), required=False)
    keep_location = forms.BooleanField(label=_("Keep the photo's location (GPS)"), required=False,
                                       help_text=_("Otherwise all photo metadata is removed."))
