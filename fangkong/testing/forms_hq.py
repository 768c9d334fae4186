"""Forms of the HQ and officer pages: they render the fields and collect raw input; the services check it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.forms import DATETIME_FORMATS, DATETIME_LOCAL

_TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _unit_label(unit) -> str:
    return f"{'· ' * unit.depth}{unit.name} ({unit.code})"


class RoundForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=40, widget=forms.TextInput(attrs={"placeholder": "R-2022-01"}))
    name = forms.CharField(label=_("Title"), max_length=100)
    nodes = forms.TypedMultipleChoiceField(label=_("Covered nodes"), coerce=int, required=False,
                                           help_text=_("Hold Ctrl (⌘ on a Mac) to choose several."),
                                           widget=forms.SelectMultiple(attrs={"size": 10}))
    node_codes = forms.CharField(label=_("Or node codes"), required=False, max_length=2000,
                                 help_text=_("Codes of streets, communities or grids, separated by commas."))
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DATETIME_LOCAL, input_formats=DATETIME_FORMATS)
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DATETIME_LOCAL, input_formats=DATETIME_FORMATS)
    pool_size = forms.TypedChoiceField(label=_("Pool size"), coerce=int)

    def __init__(self, *args, units=(), pool_sizes=(), default_pool_size=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nodes"].choices = [(u.pk, _unit_label(u)) for u in units]
        self.fields["pool_size"].choices = [(size, _("Single tube") if size == 1 else _("%(n)d in 1") % {"n": size})
                                            for size in pool_sizes]
        if default_pool_size is not None:
            self.fields["pool_size"].initial = default_pool_size


class RoundStatusForm(forms.Form):
    status = forms.CharField(max_length=10)


class ExtraPersonForm(forms.Form):
    id_number = forms.CharField(label=_("ID number"), max_length=32,
                                help_text=_("Someone living elsewhere who must be sampled in this round (a worker)."),
                                widget=forms.TextInput(attrs={"autocomplete": "off"}))


class SamplesUploadForm(forms.Form):
    file = forms.FileField(label=_("Sampling records (CSV, Excel or Parquet)"),
                           help_text=_("Columns: tube_code,id_number,name,phone,sampled_at,point_code "
                                       "(or 试管编码,身份证号,姓名,手机,采样时间,采样点编码)."))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, min_length=2,
                             help_text=_("Recorded in the access log with your name and the time."))


class PointForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Title"), max_length=100)
    unit = forms.TypedChoiceField(label=_("Jurisdiction node"), coerce=int)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    opens_at = forms.TimeField(label=_("Opens at"), widget=_TIME)
    closes_at = forms.TimeField(label=_("Closes at"), widget=_TIME)
    latitude = forms.DecimalField(label=_("Latitude"), max_digits=9, decimal_places=6, required=False)
    longitude = forms.DecimalField(label=_("Longitude"), max_digits=9, decimal_places=6, required=False)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, _unit_label(u)) for u in units]


class LabForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Title"), max_length=100)
    unit = forms.TypedChoiceField(label=_("Jurisdiction node"), coerce=int)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, _unit_label(u)) for u in units]


class LabStaffForm(forms.Form):
    user = forms.TypedChoiceField(label=_("Lab account"), coerce=int)

    def __init__(self, *args, users=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [(u.pk, f"{u.display_name or u.username} ({u.username})") for u in users]
