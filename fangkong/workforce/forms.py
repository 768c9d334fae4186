from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.forms import DATETIME_LOCAL
from fangkong.workforce.models import PostKind


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
    name = forms.CharField(label=_("Name"), max_length=100)
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
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = staff
        self.fields["members"].queryset = staff


class HandoverForm(forms.Form):
    note = forms.CharField(label=_("Handover note"), widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("What the incoming team must know and do."))
    open_issues = forms.CharField(label=_("Open issues"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    supplies = forms.CharField(label=_("Supplies handed over"), required=False,
                               widget=forms.Textarea(attrs={"rows": 2}))
    awaiting_transfer = forms.CharField(label=_("Persons awaiting transfer"), required=False,
                                        widget=forms.Textarea(attrs={"rows": 2}))
