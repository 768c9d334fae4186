from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from fangkong.people.models import Person
from fangkong.tasks.models import Task

STATUS_FILTERS = [("", _lazy("Any status")), ("active", _lazy("Open or accepted"))] + list(Task.Status.choices)


def household_members(task: Task) -> list[Person]:
    if task.household_id is None:
        return []
    return list(Person.objects.filter(household_id=task.household_id, merged_into__isnull=True).order_by("pk"))


class CompleteForm(forms.Form):
    """Outcome and note; kinds with more to record subclass it and extend `completion_data()`."""

    outcome = forms.ChoiceField(label=_lazy("Outcome"), widget=forms.RadioSelect)
    note = forms.CharField(label=_lazy("Note"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, task: Task, kind, **kwargs):
        super().__init__(*args, **kwargs)
        self.task, self.kind = task, kind
        self.fields["outcome"].choices = kind.outcome_choices

    def completion_data(self) -> dict:
        return {}

    def completion(self) -> dict:
        return {"outcome": self.cleaned_data["outcome"], "note": self.cleaned_data.get("note", ""),
                "data": self.completion_data()}


class HouseholdVisitForm(CompleteForm):
    """入户走访: a tick per household member present, the outcome and a free note."""

    def __init__(self, *args, task: Task, kind, **kwargs):
        super().__init__(*args, task=task, kind=kind, **kwargs)
        self.members = household_members(task)
        for person in self.members:
            self.fields[f"present_{person.pk}"] = forms.BooleanField(label=person.name, required=False)
        # Outcome after the ticks: the worker ticks who is there, then says how the visit went.
        self.order_fields([f"present_{p.pk}" for p in self.members] + ["outcome", "note"])

    def member_fields(self):
        return [self[f"present_{p.pk}"] for p in self.members]

    def completion_data(self) -> dict:
        return {"members": [{"person_id": p.pk, "present": bool(self.cleaned_data.get(f"present_{p.pk}"))}
                            for p in self.members]}


def clean_household_visit_data(task: Task, outcome: str, data: dict) -> dict:
    """Who was present, one entry per current member; checked against the outcome chosen."""
    raw = data.get("members")
    if raw is None:
        raw = []
    if not isinstance(raw, list) or not all(
        isinstance(m, dict) and isinstance(m.get("person_id"), int) and isinstance(m.get("present"), bool)
        for m in raw
    ):
        raise ValidationError({"data": _('"members" must be a list of {"person_id": <id>, "present": true/false}.')})
    members = household_members(task)
    known = {p.pk: p for p in members}
    unknown = sorted({m["person_id"] for m in raw} - set(known))
    if unknown:
        raise ValidationError({"data": _("Not a member of this household: %(ids)s.") % {
            "ids": ", ".join(str(i) for i in unknown)}})
    present = {m["person_id"]: m["present"] for m in raw}
    visited = outcome in ("visited_all_present", "visited_some_absent")
    if visited:
        missing = [p.name for p in members if p.pk not in present]
        if missing:
            raise ValidationError({"data": _("Mark every member present or absent; missing: %(names)s.") % {
                "names": ", ".join(missing)}})
        absent = [known[pid].name for pid, here in present.items() if not here]
        if outcome == "visited_all_present" and absent:
            raise ValidationError({"outcome": _("The outcome says everyone was present, but %(names)s is marked "
                                                "absent.") % {"names": ", ".join(absent)}})
        if outcome == "visited_some_absent" and members and not absent:
            raise ValidationError({"outcome": _("The outcome says some members were absent, but everyone is "
                                                "marked present.")})
    cleaned = dict(data)
    cleaned["members"] = [{"person_id": p.pk, "present": present[p.pk]} for p in members if p.pk in present]
    return cleaned


class NoteForm(forms.Form):
    note = forms.CharField(label=_lazy("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ReassignForm(forms.Form):
    username = forms.CharField(label=_lazy("New owner (user name)"), max_length=150)
    note = forms.CharField(label=_lazy("Note"), required=False, max_length=300)


class BacklogFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_lazy("Kind"), required=False)
    status = forms.ChoiceField(label=_lazy("Status"), required=False, choices=STATUS_FILTERS)
    overdue = forms.BooleanField(label=_lazy("Overdue only"), required=False)
    escalated = forms.BooleanField(label=_lazy("Escalated only"), required=False)
    unit = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        from fangkong.tasks.kinds import kind_choices

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _lazy("Any kind")), *kind_choices()]


_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TimelinessForm(forms.Form):
    since = forms.DateField(label=_lazy("From"), required=False, widget=_DATE, input_formats=["%Y-%m-%d"])
    until = forms.DateField(label=_lazy("To"), required=False, widget=_DATE, input_formats=["%Y-%m-%d"])
    kind = forms.ChoiceField(label=_lazy("Kind"), required=False)
    unit = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        from fangkong.tasks.kinds import kind_choices

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _lazy("Any kind")), *kind_choices()]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("since") and cleaned.get("until") and cleaned["since"] > cleaned["until"]:
            raise ValidationError({"until": _("The end date is before the start date.")})
        return cleaned


class DispatchForm(forms.Form):
    """Household visits for the households ticked in one building."""

    households = forms.MultipleChoiceField(label=_lazy("Households"), widget=forms.CheckboxSelectMultiple,
                                           error_messages={"required": _lazy("Choose at least one household.")})
    due_at = forms.DateTimeField(label=_lazy("Due"), required=False,
                                 widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                            format="%Y-%m-%dT%H:%M"),
                                 input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    detail = forms.CharField(label=_lazy("Instructions"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))
    urgent = forms.BooleanField(label=_lazy("Urgent"), required=False)

    def __init__(self, *args, households, **kwargs):
        super().__init__(*args, **kwargs)
        self.household_objects = {str(h.pk): h for h in households}
        self.fields["households"].choices = [(str(h.pk), h.number) for h in households]

    def chosen_households(self):
        return [self.household_objects[pk] for pk in self.cleaned_data["households"]]
