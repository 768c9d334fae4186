from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.core.forms import DATETIME_LOCAL
from fangkong.workforce.models import PostKind, WorkingGroup


def _node_choices(nodes):
    return [(n.pk, f"{'· ' * max(n.depth, 0)}{n.name}") for n in nodes]


class PostFilterForm(forms.Form):
    node = forms.TypedChoiceField(label=_("Area"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any kind")), *PostKind.choices])

    def __init__(self, *args, nodes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = [("", _("Whole jurisdiction")), *_node_choices(nodes)]


class PostForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=PostKind.choices, initial=PostKind.GATE)
    name = forms.CharField(label=pgettext_lazy("entity", "Name"), max_length=100)
    unit = forms.TypedChoiceField(label=_("Where"), coerce=int)

    def __init__(self, *args, nodes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = _node_choices(nodes)


class ShiftForm(forms.Form):
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DATETIME_LOCAL)
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DATETIME_LOCAL)
    leader = forms.ModelChoiceField(label=_("Leader"), queryset=None, required=False,
                                    empty_label=_("— no account, enter the name below —"))
    leader_name = forms.CharField(label=_("Leader's name (without an account)"), max_length=50, required=False)
    leader_phone = forms.CharField(label=_("Leader's phone (without an account)"), max_length=30, required=False)
    members = forms.ModelMultipleChoiceField(label=_("Members"), queryset=None, required=False,
                                             widget=forms.SelectMultiple(attrs={"size": 6}))
    members_text = forms.CharField(
        label=_("Volunteers without an account"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}), help_text=_("Names only, one per line."))
    volunteers = forms.ModelMultipleChoiceField(label=_("Volunteers"), queryset=None, required=False,
                                                widget=forms.SelectMultiple(attrs={"size": 6}),
                                                help_text=_("Approved volunteers of this area."))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, staff, volunteers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = staff
        self.fields["members"].queryset = staff
        if volunteers is None:
            del self.fields["volunteers"]
        else:
            self.fields["volunteers"].queryset = volunteers


class HandoverForm(forms.Form):
    note = forms.CharField(label=_("Handover note"), widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("What the incoming team must know and do."))
    open_issues = forms.CharField(label=_("Open issues"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    supplies = forms.CharField(label=_("Supplies handed over"), required=False,
                               widget=forms.Textarea(attrs={"rows": 2}))
    awaiting_transfer = forms.CharField(label=_("Persons awaiting transfer"), required=False,
                                        widget=forms.Textarea(attrs={"rows": 2}))


class VolunteerForm(forms.Form):
    """The public registration form (no login)."""

    name = forms.CharField(label=_("Name"), max_length=50)
    id_number = forms.CharField(label=pgettext_lazy("workforce", "ID number"), max_length=32)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"}))
    unit = forms.TypedChoiceField(label=_("Your community"), coerce=int, required=False, empty_value=None)
    unit_code = forms.CharField(label=_("Or the community's code"), max_length=20, required=False,
                                help_text=_("On the notice of your community, e.g. 630801001001."))
    skills = forms.CharField(label=_("Skills"), max_length=200, required=False,
                             help_text=_("e.g. driving, medical, first aid, dialect, IT"))
    availability = forms.CharField(label=_("When you can serve"), max_length=200, required=False,
                                   help_text=_("e.g. weekday evenings, weekends, any time"))
    healthy = forms.BooleanField(label=_("I declare that I have no fever or cough, and have not been in a risk area or "
                                         "in contact with a case in the last 14 days."), required=False)
    health_note = forms.CharField(label=_("Anything else about your health"), max_length=200, required=False)
    # A field people never see (hidden by the stylesheet); bots fill every field.
    website = forms.CharField(required=False, label=_("Leave this empty"),
                              widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}))
    consent = forms.BooleanField(label=_("I agree that the community and the command use these data to organise the "
                                         "volunteer service."), required=False)

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", _("— choose —")), *[(c.pk, c.label) for c in communities]]


class VetForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=[("approve", pgettext_lazy("workforce", "Approve")),
                                                               ("reject", pgettext_lazy("workforce", "Reject"))])
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class VolunteerImportForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("Community (for rows without a code)"), coerce=int)
    text = forms.CharField(label=_("Paste the list"), required=False, widget=forms.Textarea(attrs={"rows": 6}),
                           help_text=_("One volunteer per line: name, ID number, phone, community code, skills, "
                                       "availability (or a header 姓名,身份证号,手机,社区编码,技能,可服务时间)."))
    file = forms.FileField(label=_("Or a CSV or Excel file"), required=False)

    def __init__(self, *args, nodes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = _node_choices(nodes)

    def clean(self):
        data = super().clean()
        if not data.get("text", "").strip() and not data.get("file"):
            raise forms.ValidationError(_("Paste the list or choose a file."))
        return data


class CheckInForm(forms.Form):
    equipment = forms.MultipleChoiceField(label=_("Protective equipment worn"), required=False,
                                          widget=forms.CheckboxSelectMultiple)
    tested_at = forms.DateTimeField(label=_("Last negative test taken at"), required=False, widget=DATETIME_LOCAL)

    def __init__(self, *args, rules=None, **kwargs):
        super().__init__(*args, **kwargs)
        items = list(rules.equipment) if rules is not None else []
        self.fields["equipment"].choices = [(i, i) for i in items]
        if not items:
            del self.fields["equipment"]
        if rules is None or rules.test_within_hours is None:
            del self.fields["tested_at"]


class ShiftRulesForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("For"), coerce=int)
    max_shift_hours = forms.IntegerField(label=_("Maximum hours per shift"), min_value=1, max_value=24, initial=12)
    max_week_hours = forms.IntegerField(label=_("Maximum hours in 7 days"), min_value=1, max_value=168, initial=60)
    min_rest_hours = forms.IntegerField(label=_("Minimum rest between shifts (hours)"), min_value=0, max_value=48,
                                        initial=8)
    equipment = forms.CharField(label=_("Required protective equipment"), required=False,
                                help_text=_("Separated by commas, e.g. N95, 防护服, 面屏, 手套"))
    test_within_hours = forms.IntegerField(label=_("Negative test within (hours)"), required=False, min_value=1,
                                           max_value=336, help_text=_("Empty: no test required."))

    def __init__(self, *args, nodes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = _node_choices(nodes)

    def clean_equipment(self):
        raw = self.cleaned_data["equipment"].replace("，", ",").replace("、", ",")
        return [item.strip() for item in raw.split(",") if item.strip()]


class RosterForm(forms.Form):
    starts_on = forms.DateField(label=_("First day"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}))


class PublishForm(forms.Form):
    override_reason = forms.CharField(label=_("Reason for publishing despite violations"), max_length=300,
                                      required=False)


class GroupForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=WorkingGroup.Kind.choices)
    name = forms.CharField(label=pgettext_lazy("entity", "Name"), max_length=100)
    secretary = forms.ModelChoiceField(label=_("Secretary"), queryset=None, required=False,
                                       empty_label=_("— no account, enter the name below —"))
    secretary_name = forms.CharField(label=_("Secretary's name (without an account)"), max_length=50, required=False)
    members = forms.ModelMultipleChoiceField(label=_("Members"), queryset=None, required=False,
                                             widget=forms.SelectMultiple(attrs={"size": 6}))
    members_text = forms.CharField(label=_("Members without an account"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 3}), help_text=_("Names only, one per line."))

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["secretary"].queryset = staff
        self.fields["members"].queryset = staff
