"""Forms of the field pages (samplers, labs, the public page): they collect raw input; the services check it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.people.models import IdType
from fangkong.tasks.forms import CompleteForm
from fangkong.territory.models import Level
from fangkong.testing.models import PoolSize, Result

_SCAN = {"autocomplete": "off", "autocapitalize": "characters", "autocorrect": "off", "spellcheck": "false",
         "enterkeyhint": "go"}


class SingleTubeTaskForm(CompleteForm):
    """Completing a test-day task: the outcome, and the single tube's code when sampled (scanned or typed); the
    sample then goes to a lab and its result comes back to the person."""

    tube_code = forms.CharField(label=_("Tube code"), max_length=40, required=False,
                                help_text=_("Scan the single tube's code when the sample goes to a lab."),
                                widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}))

    def __init__(self, *args, task, kind, **kwargs):
        super().__init__(*args, task=task, kind=kind, **kwargs)
        self.order_fields(["outcome", "tube_code", "note"])

    def completion_data(self) -> dict:
        return {"tube_code": self.cleaned_data.get("tube_code", "")}


class TubeOpenForm(forms.Form):
    """At a point: the round, then the tube's barcode (a scanner types it and presses Enter)."""

    round = forms.TypedChoiceField(label=_("Round"), coerce=int)
    code = forms.CharField(label=_("Tube barcode"), max_length=60,
                           widget=forms.TextInput(attrs={**_SCAN, "autofocus": True, "placeholder": "T00012345"}))
    capacity = forms.TypedChoiceField(label=_("Pool size"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, rounds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["round"].choices = [(r.pk, f"{r.name} ({r.get_pool_size_display()})") for r in rounds]
        self.fields["capacity"].choices = [("", _("The round's pool size")), *PoolSize.choices]


class QueueForm(forms.Form):
    queue_length = forms.IntegerField(label=_("People queueing now"), min_value=0, max_value=5000,
                                      widget=forms.NumberInput(attrs={"inputmode": "numeric"}))


class ScanForm(forms.Form):
    """One person into the tube: the ID (scanned or typed); name and phone only when the ID is not on file."""

    id_number = forms.CharField(label=_("ID number"), max_length=40,
                                widget=forms.TextInput(attrs={**_SCAN, "id": "scan-id"}))
    id_type = forms.ChoiceField(label=_("Document"), choices=IdType.choices, initial=IdType.RESIDENT, required=False)
    name = forms.CharField(label=_("Name"), max_length=50, required=False,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "id": "scan-name"}))
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off",
                                                          "id": "scan-phone"}))

    def __init__(self, *args, ask_person: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # The cursor waits where the sampler types next: the name of someone not on file, else the ID.
        self.ask_person = ask_person
        self.fields["name" if ask_person else "id_number"].widget.attrs["autofocus"] = True


class HandoverForm(forms.Form):
    lab = forms.TypedChoiceField(label=_("Lab"), coerce=int)
    tubes = forms.MultipleChoiceField(label=_("Closed tubes"), required=False, widget=forms.CheckboxSelectMultiple)
    codes = forms.CharField(label=_("Or scan the tube codes"), required=False,
                            widget=forms.Textarea(attrs={**_SCAN, "rows": 3}),
                            help_text=_("One code per line (or separated by spaces or commas)."))
    declared_count = forms.IntegerField(label=_("Tubes the courier signs for"), min_value=0, max_value=100000,
                                        widget=forms.NumberInput(attrs={"inputmode": "numeric"}))

    def __init__(self, *args, labs=(), tubes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lab"].choices = [(lab.pk, lab.name) for lab in labs]
        self.fields["tubes"].choices = [(t.code, f"{t.code} · {t.size}") for t in tubes]

    def codes_to_send(self) -> list[str]:
        """The ticked tubes and the scanned codes, as one list (the service drops repeats)."""
        return [*self.cleaned_data.get("tubes", []), self.cleaned_data.get("codes", "")]


class ReceiveForm(forms.Form):
    codes = forms.CharField(label=_("Scan the tubes that arrived"),
                            widget=forms.Textarea(attrs={**_SCAN, "rows": 6, "autofocus": True}),
                            help_text=_("One code per line; a scanner adds the line break itself."))


class ResultForm(forms.Form):
    result = forms.ChoiceField(label=_("Result"), choices=Result.choices, widget=forms.RadioSelect)
    ct_orf1ab = forms.CharField(label="Ct ORF1ab", max_length=10, required=False,
                                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
    ct_n = forms.CharField(label="Ct N", max_length=10, required=False,
                           widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
    tested_at = forms.DateTimeField(label=_("Tested at"), required=False,
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                               format="%Y-%m-%dT%H:%M"),
                                    help_text=_("Empty: now."))


class ResultsUploadForm(forms.Form):
    file = forms.FileField(label=_("Results file (CSV, Excel or Parquet)"),
                           help_text=_("Columns: tube_code, result, ct_orf1ab, ct_n, tested_at, lab_code (or 管号, "
                                       "结果, …); result is negative, positive or invalid (阴性/阳性/无效). Extra "
                                       "columns are kept."))


class PublicPointsForm(forms.Form):
    """The public page's filters; every field optional, a bad value is ignored rather than refused."""

    area = forms.TypedChoiceField(label=_("Street or community"), coerce=int, required=False, empty_value=None)
    lat = forms.FloatField(min_value=-90, max_value=90, required=False, widget=forms.HiddenInput)
    lon = forms.FloatField(min_value=-180, max_value=180, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("Everywhere")),
                                       *[(u.pk, f"{'· ' if u.level == Level.COMMUNITY else ''}{u.name}")
                                         for u in areas]]

    def filters(self) -> dict:
        """{"area": id or None, "latitude": …, "longitude": …}: the values that parsed, the rest dropped."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        lat, lon = data.get("lat"), data.get("lon")
        located = "lat" not in self.errors and "lon" not in self.errors and lat is not None and lon is not None
        return {"area": data.get("area") if "area" not in self.errors else None,
                "latitude": lat if located else None, "longitude": lon if located else None}
