"""Forms of the interop pages: they collect raw input; the services check it."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ResolveForm(forms.Form):
    tube_code = forms.CharField(label=_("Tube code"), max_length=60,
                                help_text=_("The tube this result is for, as printed on its barcode."))


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Why reject it"), max_length=300)


class DataElementForm(forms.Form):
    figure = forms.CharField(widget=forms.HiddenInput)
    data_element = forms.CharField(label=_("Data element UID"), max_length=20, required=False)
    category_option_combo = forms.CharField(label=_("Category option combo UID"), max_length=20, required=False)


class OrgUnitForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("Node"), coerce=int)
    org_unit = forms.CharField(label=_("DHIS2 organisation unit"), max_length=60, required=False,
                               help_text=_("Its UID (or its code, when DHIS2 is set to match codes); empty "
                                           "removes the mapping."))

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, f"{'· ' * (u.level - 1)}{u.name} ({u.code})") for u in units]


class DayForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
