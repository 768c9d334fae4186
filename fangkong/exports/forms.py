from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.exports.models import Format


class ExportForm(forms.Form):
    """What to export of one list; the list's filters travel in the query string, as on the list page."""

    format = forms.ChoiceField(label=_("Format"), choices=Format.choices, initial=Format.CSV,
                               widget=forms.RadioSelect)
    columns = forms.MultipleChoiceField(label=_("Columns"), widget=forms.CheckboxSelectMultiple)
    reveal = forms.BooleanField(label=_("Unmasked personal data (ID number, phone, address, name)"), required=False)
    reason = forms.CharField(label=_("Reason for unmasking"), required=False, max_length=200)
    save_as = forms.CharField(label=_("Save these columns as my preset"), required=False, max_length=60)

    def __init__(self, *args, source, may_reveal: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["columns"].choices = [
            (c.key, f"{c.label} *" if c.identifying else c.label) for c in source.columns
        ]
        if not may_reveal:
            del self.fields["reveal"]
            del self.fields["reason"]
