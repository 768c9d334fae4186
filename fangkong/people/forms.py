from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from fangkong.people.identity import normalize_phone, validate_document
from fangkong.people.models import IdType, ManagementStatus, Sex, Tag


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Name, pinyin, initials, or last digits of ID or phone"), required=False,
                        max_length=50)
    status = forms.ChoiceField(label=_("Management status"), required=False,
                               choices=[("", _("Any status")), *ManagementStatus.choices])
    tag = forms.ChoiceField(label=_("Tag"), required=False, choices=[("", _("Any tag")), *Tag.choices])
    node = forms.TypedChoiceField(label=_("Area"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, nodes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].choices = [("", _("Whole jurisdiction"))] + [
            (n.pk, f"{'· ' * max(n.depth, 0)}{n.name}") for n in nodes
        ]


class PersonForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    id_type = forms.ChoiceField(label=_("ID type"), choices=IdType.choices, initial=IdType.RESIDENT)
    id_number = forms.CharField(label=_("ID number"), max_length=40)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False,
                            help_text=_("11-digit mobile, or landline with area code (010-62345678)."))
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.UNKNOWN, required=False,
                            help_text=_("Read from a resident ID; needed for other documents only."))
    birth_date = forms.DateField(label=_("Birth date"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}),
                                 help_text=_("Read from a resident ID; needed for other documents only."))
    tags = forms.MultipleChoiceField(label=_("Tags"), choices=Tag.choices, required=False,
                                     widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        if person is not None:
            # Editing never shows the full number (that is a logged reveal): empty keeps what is on file.
            from fangkong.core.masking import mask_id_number, mask_phone

            for field, masked in (("id_number", mask_id_number(person.id_number)), ("phone", mask_phone(person.phone))):
                self.fields[field].required = False
                self.fields[field].widget.attrs["placeholder"] = masked
                self.fields[field].help_text = _("Leave empty to keep the number on file.")

    def clean(self):
        data = super().clean()
        if self.person is not None and not data.get("id_number"):
            if data.get("id_type") not in (None, self.person.id_type):
                self.add_error("id_number", _("Enter the number of the new document."))
            return data
        if "id_number" in data and "id_type" in data:
            try:
                identity = validate_document(data["id_type"], data["id_number"])
            except ValidationError as exc:
                self.add_error("id_number", exc)
            else:
                data["id_number"] = identity.number
        return data

    def clean_phone(self):
        return normalize_phone(self.cleaned_data.get("phone", ""))


class NewPersonForm(PersonForm):
    """A new person: in the household they were added from, or at a building and door (created if new)."""

    building_code = forms.CharField(label=_("Building code"), max_length=32, required=False)
    door = forms.CharField(label=_("Door"), max_length=50, required=False)

    def __init__(self, *args, household=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.household = household
        if household is not None:
            del self.fields["building_code"]
            del self.fields["door"]

    def clean(self):
        data = super().clean()
        if self.household is None:
            if not data.get("building_code"):
                self.add_error("building_code", _("Enter the code of the person's building."))
            if not data.get("door"):
                self.add_error("door", _("Enter the door number of the person's household."))
        return data


class StatusForm(forms.Form):
    to_status = forms.ChoiceField(label=_("New management status"), choices=ManagementStatus.choices)
    cause = forms.CharField(label=_("Cause"), max_length=200)
    at = forms.DateTimeField(label=_("Since"), required=False,
                             widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                             help_text=_("Leave empty for now."))


class RevealForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, min_length=2,
                             help_text=_("Recorded in the access log with your name and the time."))


class MergeForm(forms.Form):
    survivor = forms.IntegerField(widget=forms.HiddenInput)
    duplicate = forms.IntegerField(widget=forms.HiddenInput)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"),
                           help_text=_("Columns: name,id_type,id_number,phone,building_code,door,address,tags "
                                       "(or 姓名,证件类型,证件号码,电话,楼栋编码,门牌,地址,标签)."))
