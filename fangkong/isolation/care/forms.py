from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.isolation.models import CareRequest, Period, Symptom


class FloorChecksForm(forms.Form):
    """One period's readings for a whole floor: a temperature, symptoms and a note per person in the site.

    A row left blank is not measured yet and is skipped; the service checks the values and the people.
    """

    period = forms.ChoiceField(label=_("Round"), choices=Period.choices, widget=forms.RadioSelect)

    def __init__(self, data=None, *, rows, period: str, **kwargs):
        initial = {"period": period}
        for row in rows:
            check = row.checks.get(period)
            if check is not None:
                pk = row.stay.pk
                initial.update({f"temperature_{pk}": check.temperature, f"symptoms_{pk}": check.symptoms,
                                f"note_{pk}": check.note})
        super().__init__(data, initial=initial, **kwargs)
        self.floor_rows = rows
        for row in rows:
            pk = row.stay.pk
            self.fields[f"temperature_{pk}"] = forms.DecimalField(
                label=_("Temperature (°C)"), required=False, max_digits=3, decimal_places=1,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "size": 5,
                                              "class": "temperature", "data-stay": pk}))
            self.fields[f"symptoms_{pk}"] = forms.MultipleChoiceField(
                label=_("Symptoms"), required=False, choices=Symptom.choices, widget=forms.CheckboxSelectMultiple)
            self.fields[f"note_{pk}"] = forms.CharField(label=_("Note"), required=False, max_length=200)

    def bound_rows(self):
        """(row, temperature, symptoms, note) bound fields, room by room, for the template."""
        for row in self.floor_rows:
            pk = row.stay.pk
            yield row, self[f"temperature_{pk}"], self[f"symptoms_{pk}"], self[f"note_{pk}"]

    def readings(self) -> list[dict]:
        data, readings = self.cleaned_data, []
        for row in self.floor_rows:
            pk = row.stay.pk
            temperature, symptoms = data.get(f"temperature_{pk}"), data.get(f"symptoms_{pk}") or []
            note = data.get(f"note_{pk}") or ""
            if temperature is None and not symptoms and not note:
                continue
            readings.append({"stay": row.stay, "temperature": temperature, "symptoms": symptoms, "note": note})
        return readings


class RequestAddForm(forms.Form):
    stay = forms.TypedChoiceField(label=_("Who asked"), coerce=int)
    kind = forms.ChoiceField(label=_("About"), choices=[("", "—"), *CareRequest.Kind.choices])
    text = forms.CharField(label=_("What they asked for"), max_length=500,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, stays, **kwargs):
        super().__init__(*args, prefix="add", **kwargs)
        self.stays = {s.pk: s for s in stays}
        self.fields["stay"].choices = [("", "—")] + [
            (s.pk, f"{s.room.number} · {s.person.name}") for s in stays]

    def chosen_stay(self):
        return self.stays[self.cleaned_data["stay"]]


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer given"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
