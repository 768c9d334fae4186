"""Forms of the notices pages: they collect raw input; the services check it."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.core.forms import DATETIME_FORMATS, DATETIME_LOCAL


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several files at once; notices.attachments checks each one."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [f for f in data if f]
        return [data] if data else []


class NoticeForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300, required=False)
    body = forms.CharField(label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 12}),
                           help_text=_("Plain text; an empty line starts a new paragraph."))
    effective_at = forms.DateTimeField(label=_("Effective from"), widget=DATETIME_LOCAL,
                                       input_formats=DATETIME_FORMATS, required=False)
    targets = forms.TypedMultipleChoiceField(label=_("Applies to"), coerce=int, required=False,
                                             help_text=_("The notice applies to these nodes and everything below "
                                                         "them."),
                                             widget=forms.SelectMultiple(attrs={"size": 8}))
    attachments = AttachmentsField(label=_("Attachments"))

    def __init__(self, *args, units=(), with_note=False, **kwargs):
        super().__init__(*args, **kwargs)
        self._units = {u.pk: u for u in units}
        self.fields["targets"].choices = [(u.pk, f"{'· ' * max((u.depth or 1) - 1, 0)}{u.name}") for u in units]
        if with_note:
            self.fields["note"] = forms.CharField(label=_("What changed"), max_length=300, required=False)

    def target_units(self) -> list:
        return [self._units[pk] for pk in self.cleaned_data.get("targets") or [] if pk in self._units]


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


class GateForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("Community or compound"), coerce=int)
    name = forms.CharField(label=pgettext_lazy("notices", "Gate"), max_length=100, required=False)
    is_open = forms.TypedChoiceField(label=_("Open or closed"), coerce=lambda v: v == "1", widget=forms.RadioSelect,
                                     choices=[("1", _("Open (the one way in and out)")),
                                              ("0", pgettext_lazy("notices", "Closed"))],
                                     initial="1")
    lat = forms.DecimalField(label=_("Latitude"), max_digits=9, decimal_places=6, required=False)
    lng = forms.DecimalField(label=_("Longitude"), max_digits=9, decimal_places=6, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, f"{u.name} ({u.code})") for u in units]
