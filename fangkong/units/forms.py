"""Forms of the units pages: they collect raw input; the services check it."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.units.models import LoopSite, Organisation, StaffMember, UnitKind
from fangkong.units.resumption import Decision

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class OrganisationForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("entity", "Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=UnitKind.choices)
    unit = forms.TypedChoiceField(label=_("Jurisdiction node"), coerce=int)
    industry = forms.CharField(label=_("Industry"), max_length=60, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("Responsible contact (主体责任人)"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20, required=False)
    status = forms.ChoiceField(label=pgettext_lazy("units", "Status"), choices=Organisation.Status.choices,
                               initial=Organisation.Status.SUSPENDED)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, f"{'· ' * (u.depth or 0)}{u.name} ({u.code})") for u in units]


class OrganisationEditForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("entity", "Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=UnitKind.choices)
    industry = forms.CharField(label=_("Industry"), max_length=60, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("Responsible contact (主体责任人)"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20, required=False)


class ContactForm(forms.Form):
    username = forms.CharField(label=_("Username of the unit contact"), max_length=150)


class StaffForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    id_number = forms.CharField(label=_("Resident ID number"), max_length=18)
    role = forms.CharField(label=_("Role in the unit"), max_length=60, required=False)
    presence = forms.ChoiceField(label=_("Whereabouts"), choices=StaffMember.Presence.choices)
    in_dormitory = forms.BooleanField(label=_("Lives in the dormitory"), required=False)
    from_risk_area = forms.BooleanField(label=_("From a risk area"), required=False)


class StaffChangeForm(forms.Form):
    role = forms.CharField(label=_("Role in the unit"), max_length=60, required=False)
    presence = forms.ChoiceField(label=_("Whereabouts"), choices=StaffMember.Presence.choices)
    in_dormitory = forms.BooleanField(label=_("Lives in the dormitory"), required=False)
    from_risk_area = forms.BooleanField(label=_("From a risk area"), required=False)


class RosterImportForm(forms.Form):
    file = forms.FileField(label=_("Staff list (.xlsx or .csv)"),
                           help_text=_("Columns: 姓名, 身份证号, 手机, 岗位, 状态 (在岗/外出/居家/离职), "
                                       "住宿舍 (是/否), 来自风险地区 (是/否)."))


class PlanForm(forms.Form):
    text = forms.CharField(label=_("Prevention plan"), widget=forms.Textarea(attrs={"rows": 6}), required=False)
    attachment = forms.FileField(label=_("Attachment"), required=False)


class ShiftForm(forms.Form):
    name = forms.CharField(label=_("Shift"), max_length=60)
    starts_at = forms.TimeField(label=_("Starts at"), widget=TIME, required=False)
    arrive_from = forms.TimeField(label=_("Arrive from"), widget=TIME, required=False)
    arrive_until = forms.TimeField(label=_("Arrive until"), widget=TIME, required=False)
    headcount = forms.IntegerField(label=_("Headcount"), min_value=0, required=False)


YES_NO = [("yes", _("Yes, in place")), ("no", _("No"))]


class ApplicationForm(forms.Form):
    """One row per checklist item: in place or not, a note, a photo."""

    planned_reopen_on = forms.DateField(label=_("Planned reopening"), widget=DATE, required=False)
    note = forms.CharField(label=_("Note to the reviewer"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[f"item_{item.pk}"] = forms.ChoiceField(label=item.text, choices=YES_NO,
                                                               widget=forms.RadioSelect, required=False)
            self.fields[f"note_{item.pk}"] = forms.CharField(label=_("Note"), required=False, max_length=500)
            self.fields[f"photo_{item.pk}"] = forms.FileField(
                label=_("Photo"), required=False, widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))

    def rows(self):
        return [{"item": item, "met": self[f"item_{item.pk}"], "note": self[f"note_{item.pk}"],
                 "photo": self[f"photo_{item.pk}"]} for item in self.items]

    def answers(self):
        from fangkong.units.resumption import Answer

        data = self.cleaned_data
        met = {"yes": True, "no": False}
        return [Answer(item_id=item.pk, met=met.get(data.get(f"item_{item.pk}") or ""),
                       note=data.get(f"note_{item.pk}") or "", photo=data.get(f"photo_{item.pk}"))
                for item in self.items]


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label=pgettext_lazy("units", "Decision"), widget=forms.RadioSelect, choices=[
        (Decision.APPROVE, _("Approve the reopening")), (Decision.RETURN, _("Return for changes")),
        (Decision.REJECT, _("Reject"))])
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Required to return or reject; the unit sees it."))


class LoopForm(forms.Form):
    starts_on = forms.DateField(label=_("Start"), widget=DATE, required=False)
    planned_end_on = forms.DateField(label=_("Planned end"), widget=DATE, required=False)
    test_every_days = forms.IntegerField(label=_("Test every (days)"), min_value=1, max_value=14, initial=1)
    sites = forms.CharField(
        label=_("Sites"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
        help_text=_("One per line: kind and name, e.g. “plant 一号生产区”, “dormitory 职工宿舍”, “canteen 食堂”."))
    staff = forms.TypedMultipleChoiceField(label=_("People inside the loop"), coerce=int, required=False,
                                           widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].choices = [(s.pk, f"{s.person.name} {s.role}".strip()) for s in staff]

    def site_list(self) -> list[tuple[str, str]]:
        words = {"plant": LoopSite.Kind.PLANT, "厂区": LoopSite.Kind.PLANT, "生产区": LoopSite.Kind.PLANT,
                 "dormitory": LoopSite.Kind.DORMITORY, "宿舍": LoopSite.Kind.DORMITORY,
                 "canteen": LoopSite.Kind.CANTEEN, "食堂": LoopSite.Kind.CANTEEN, "other": LoopSite.Kind.OTHER,
                 "其他": LoopSite.Kind.OTHER}
        sites = []
        for line in (self.cleaned_data.get("sites") or "").splitlines():
            head, _sep, rest = line.strip().partition(" ")
            if not head:
                continue
            if head in words:
                sites.append((words[head], rest.strip() or head))
            else:
                sites.append(("?", line.strip()) if rest else (LoopSite.Kind.OTHER, head))
        return sites


class LoopExitForm(forms.Form):
    member = forms.TypedChoiceField(label=_("Person"), coerce=int)
    at = forms.DateTimeField(label=_("Time"), required=False,
                             widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                             input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [(m.pk, m.person.name) for m in members]


class LoopEntryForm(forms.Form):
    id_number = forms.CharField(label=_("Resident ID number"), max_length=18)
    at = forms.DateTimeField(label=_("Time"), required=False,
                             widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                             input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class ItemForm(forms.Form):
    text = forms.CharField(label=pgettext_lazy("units", "Item"), max_length=200, required=False)
    required = forms.BooleanField(label=_("Required for approval"), required=False, initial=True)
    active = forms.BooleanField(label=_("In use"), required=False, initial=True)
