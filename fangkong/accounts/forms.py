from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.models import AccessLog
from fangkong.accounts.roles import Role
from fangkong.accounts.selectors import AccessLogFilters, UserFilters
from fangkong.territory.models import Unit


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Name"), max_length=50, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))


class TokenIssueForm(forms.Form):
    name = forms.CharField(label=_("Device"), max_length=100,
                           help_text=_("A name you will recognise, e.g. “Zhang's phone”."))


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{'· ' * obj.depth}{obj.name} ({obj.code})"


class UserCreateForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    display_name = forms.CharField(label=_("Name"), max_length=50, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    scope = UnitChoiceField(label=_("Jurisdiction node"), queryset=Unit.objects.none())
    password = forms.CharField(label=_("Initial password"), widget=forms.PasswordInput(render_value=False),
                               help_text=_("At least 10 characters; the user changes it on their profile page."))

    def __init__(self, *args, scope_queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].queryset = scope_queryset


class UserFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or username"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=[("", _("All roles")), *Role.choices], required=False)

    def filters(self) -> UserFilters | None:
        if not self.is_valid():
            return None
        return UserFilters(q=self.cleaned_data["q"].strip(), role=self.cleaned_data["role"])


class AccessLogFilterForm(forms.Form):
    actor = forms.CharField(label=_("Username"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("All")), *AccessLog.Kind.choices], required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def filters(self) -> AccessLogFilters | None:
        """None when a filter is malformed: the page then shows the error and no rows, never everything."""
        if not self.is_valid():
            return None
        data = self.cleaned_data
        return AccessLogFilters(actor=data["actor"].strip(), kind=data["kind"], date_from=data["date_from"],
                                date_to=data["date_to"])
