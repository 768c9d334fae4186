"""The meeting's forms: edit an item inline, add a problem by hand. Owners are typed by username."""

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.models import User
from fangkong.command.models import ReviewItem

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OwnerField(forms.CharField):
    """A username → the active user (blank: no owner). The page offers its candidates in a datalist."""

    widget = forms.TextInput(attrs={"list": "review-owners", "autocomplete": "off"})

    def clean(self, value):
        username = (super().clean(value) or "").strip()
        if not username:
            return None
        owner = User.objects.filter(username=username, is_active=True).select_related("scope").first()
        if owner is None:
            raise forms.ValidationError(_("No active user is called %(name)s."), params={"name": username})
        return owner


class ItemForm(forms.Form):
    owner = OwnerField(label=_("Owner (username)"), required=False, max_length=150)
    fix = forms.CharField(label=_("Proposed fix"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    fix_due = forms.DateField(label=_("Fix by"), required=False, widget=DATE_INPUT)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=ReviewItem.Status.choices)
    outcome = forms.CharField(label=_("Outcome"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("Required when fixing or dropping: what was done, or why not."))

    @classmethod
    def for_item(cls, item: ReviewItem, data=None) -> "ItemForm":
        initial = {"owner": item.owner.username if item.owner else "", "fix": item.fix, "fix_due": item.fix_due,
                   "status": item.status, "outcome": item.outcome}
        return cls(data, initial=initial, auto_id=f"item{item.pk}-%s")

    def submitted_changes(self, data) -> dict:
        """Only the fields the request sent: an inline edit of one field leaves the others alone."""
        changes = {name: self.cleaned_data[name] for name in self.fields if name in data}
        if changes.get("status") == "":
            del changes["status"]
        return changes


class AddForm(forms.Form):
    title = forms.CharField(label=_("Problem"), max_length=300)
    kind = forms.ChoiceField(label=_("Kind"), choices=ReviewItem.Kind.choices, initial=ReviewItem.Kind.OTHER)
    owner = OwnerField(label=_("Owner (username)"), required=False, max_length=150)
    fix = forms.CharField(label=_("Proposed fix"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    fix_due = forms.DateField(label=_("Fix by"), required=False, widget=DATE_INPUT)
