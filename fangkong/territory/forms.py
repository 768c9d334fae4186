from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.models import User
from fangkong.core.paths import subtree_q
from fangkong.people.models import Household
from fangkong.territory.models import Level, Responsibility, Unit


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Name or code"), max_length=100, required=False)


class ResponsibilityForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Responsibility.Role.choices)
    name = forms.CharField(label=_("Name"), max_length=50, required=False,
                           help_text=_("Leave empty to use the linked account's name."))
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    user = forms.CharField(label=_("Linked account (user name)"), max_length=150, required=False,
                           help_text=_("Tasks for this node go to this account."))
    household = forms.ModelChoiceField(label=_("Household"), queryset=Household.objects.none(),
                                       required=False)

    def __init__(self, *args, unit: Unit, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit = unit
        self.actor = actor
        if unit.level == Level.BUILDING:
            self.fields["household"].queryset = Household.objects.visible_to(actor).filter(unit=unit)
        else:
            del self.fields["household"]

    def clean_user(self):
        username = self.cleaned_data["user"].strip()
        if not username:
            return None
        # Accounts working inside the actor's jurisdiction, or above this node.
        reach = Q(scope_id__in=self.unit.ancestor_ids)
        if self.actor.scope_path:
            reach |= subtree_q("scope__path", self.actor.scope_path)
        user = User.objects.filter(reach, username=username, is_active=True).select_related("scope").first()
        if user is None:
            raise forms.ValidationError(_("No active account with this user name in your jurisdiction."))
        return user

    def clean(self):
        data = super().clean()
        if not data.get("name") and not data.get("user"):
            self.add_error("name", _("Enter the name of the person responsible."))
        return data


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"),
                           help_text=_("Columns: code, parent_code, level, name, and optionally geometry (GeoJSON)."))
    under = forms.CharField(label=_("Rows without a parent code go under (code)"), max_length=32, required=False,
                            help_text=_("Empty: your own jurisdiction node."))

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor

    def clean_under(self):
        code = self.cleaned_data["under"].strip()
        if not code:
            return Unit.objects.visible_to(self.actor, "change").filter(pk=self.actor.scope_id).first()
        unit = Unit.objects.visible_to(self.actor, "change").filter(code=code).first()
        if unit is None:
            raise forms.ValidationError(_("No node with this code in your jurisdiction."))
        return unit


class CoverageForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Responsibility.Role.choices, required=False)
    level = forms.TypedChoiceField(label=_("Level"), choices=Level.choices[1:], coerce=int, required=False)

    def values(self) -> tuple[str, int]:
        data = self.cleaned_data if self.is_valid() else {}
        return data.get("role") or Responsibility.Role.GRID_WORKER, data.get("level") or Level.GRID


class HotlineForm(forms.Form):
    hotline = forms.CharField(label=_("hotline"), max_length=30, required=False)
