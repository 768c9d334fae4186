"""Forms of the supervision pages: they collect raw input; the services check it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.supervision.models import CheckResult, Inspection, Severity, SiteType


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos at once (a phone's camera or gallery); the services check each one."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [f for f in data if f]
        return [data] if data else []


class InspectionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Inspection.Kind.choices, widget=forms.RadioSelect,
                             initial=Inspection.Kind.PLANNED)
    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    unit = forms.TypedChoiceField(label=_("Jurisdiction node"), coerce=int)
    team = forms.TypedMultipleChoiceField(label=_("Team"), coerce=int, required=False,
                                          widget=forms.CheckboxSelectMultiple,
                                          help_text=_("You are on the team; add the other inspectors."))

    def __init__(self, *args, units=(), inspectors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, f"{'· ' * (u.depth or 0)}{u.name} ({u.code})") for u in units]
        self.fields["team"].choices = [(u.pk, str(u)) for u in inspectors]


class SiteForm(forms.Form):
    unit_code = forms.CharField(label=_("Node code"), max_length=32,
                                help_text=_("The jurisdiction code of the node the site is on."))
    site_type = forms.ChoiceField(label=_("Type of site"), choices=SiteType.choices)
    name = forms.CharField(label=_("Site"), max_length=100, help_text=_("For example: G5 highway exit checkpoint."))


class ChecklistFillForm(forms.Form):
    """One row per checklist item: pass / fail / not applicable, a note, photos of a failure."""

    notes = forms.CharField(label=_("Other notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    keep_location = forms.BooleanField(label=_("Keep the photos' location (GPS)"), required=False,
                                       help_text=_("Otherwise all photo metadata is removed."))

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[f"item_{item.pk}"] = forms.ChoiceField(
                label=item.text, choices=CheckResult.Result.choices, widget=forms.RadioSelect, required=False)
            self.fields[f"note_{item.pk}"] = forms.CharField(
                label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
            self.fields[f"photos_{item.pk}"] = PhotosField(label=_("Photos"))

    def rows(self):
        return [{"item": item, "result": self[f"item_{item.pk}"], "note": self[f"note_{item.pk}"],
                 "photos": self[f"photos_{item.pk}"]} for item in self.items]


class IssueForm(forms.Form):
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    requirements = forms.CharField(label=_("Requirements"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                   help_text=_("What the unit must do; left empty: rectify at once and report."))


class RectifyForm(forms.Form):
    report = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    photos = PhotosField(label=_("Photos"))
    keep_location = forms.BooleanField(label=_("Keep the photos' location (GPS)"), required=False)


class VerifyForm(forms.Form):
    decision = forms.ChoiceField(label=_("Verdict"), widget=forms.RadioSelect, choices=[
        ("close", _("Rectified: close the assignment")), ("send_back", _("Not rectified: send it back"))])
    note = forms.CharField(label=_("Verification note / reason"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))


class ItemForm(forms.Form):
    text = forms.CharField(label=_("Item"), max_length=200, required=False)
    severity = forms.ChoiceField(label=_("Default severity"), choices=Severity.choices, initial=Severity.ORDINARY)
    active = forms.BooleanField(label=_("In use"), required=False, initial=True)
