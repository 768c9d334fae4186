"""Forms of the isolation pages: they collect raw input; the services check it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.forms import DATETIME_FORMATS, DATETIME_LOCAL
from fangkong.isolation.models import Category, Room


class SiteForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=100)
    unit = forms.TypedChoiceField(label=_("Jurisdiction node"), coerce=int)
    address = forms.CharField(label=_("Address"), max_length=200)
    operator = forms.CharField(label=_("Operator"), max_length=100, required=False)
    manager_name = forms.CharField(label=_("Person in charge"), max_length=50, required=False)
    manager_phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    reserve = forms.IntegerField(label=_("Rooms kept in reserve"), min_value=0, max_value=10_000, initial=0)
    category = forms.ChoiceField(label=_("Reserved for"), required=False,
                                 choices=[("", _("Any category"))] + list(Category.choices))
    doctor = forms.TypedChoiceField(label=_("Site doctor"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, units=(), doctors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, f"{'· ' * u.depth}{u.name} ({u.code})") for u in units]
        self.fields["doctor"].choices = [("", "—")] + [(u.pk, u.get_full_name() or u.username) for u in doctors]


class RoomPatternForm(forms.Form):
    first_floor = forms.IntegerField(label=_("From floor"), min_value=-5, max_value=200, initial=2)
    last_floor = forms.IntegerField(label=_("To floor"), min_value=-5, max_value=200, initial=6)
    per_floor = forms.IntegerField(label=_("Rooms a floor"), min_value=1, max_value=200, initial=20)
    kind = forms.ChoiceField(label=_("Type"), choices=Room.Kind.choices)
    beds = forms.IntegerField(label=_("Beds"), min_value=1, max_value=8, initial=1)
    skip_digits = forms.CharField(label=_("Leave out numbers with the digits"), max_length=5, required=False,
                                  help_text=_("For example 4 (no room 204, 214 …)."))
    category = forms.ChoiceField(label=_("Reserved for"), required=False,
                                 choices=[("", _("As the site"))] + list(Category.choices))


class RoomsUploadForm(forms.Form):
    file = forms.FileField(label=_("Rooms (CSV or Excel)"),
                           help_text=_("Columns: number,floor,kind,beds,category (or 房号,楼层,类型,床位,类别); kind "
                                       "single/family or 单人间/家庭间."))


class QueueForm(forms.Form):
    """The officer's confirmation: for each proposed group, the room (edited or as proposed)."""

    def __init__(self, *args, groups=(), rooms=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("— not now —"))] + [(r.pk, f"{r.site.name} {r.number} ({r.beds})") for r in rooms]
        for index, (entries, room) in enumerate(groups):
            self.fields[f"room_{index}"] = forms.TypedChoiceField(
                label=", ".join(e.name for e in entries), coerce=int, required=False, empty_value=None,
                choices=choices, initial=room.pk)
            self.fields[f"tasks_{index}"] = forms.CharField(widget=forms.HiddenInput,
                                                            initial=",".join(str(e.task_id) for e in entries))


class TripForm(forms.Form):
    vehicle = forms.CharField(label=_("Vehicle plate"), max_length=20)
    driver_name = forms.CharField(label=_("Driver"), max_length=50)
    driver_phone = forms.CharField(label=_("Driver's phone"), max_length=20, required=False)
    escort_name = forms.CharField(label=_("Escort"), max_length=50, required=False)
    driver = forms.TypedChoiceField(label=_("Driver's account (sees the trip on a phone)"), coerce=int,
                                    required=False, empty_value=None)
    departs_at = forms.DateTimeField(label=_("Departs at"), required=False, widget=DATETIME_LOCAL,
                                     input_formats=DATETIME_FORMATS)
    stays = forms.TypedMultipleChoiceField(label=_("People to pick up"), coerce=int,
                                           widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, stays=(), drivers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stays"].choices = [(s.pk, f"{s.person.name} · {s.room.number}") for s in stays]
        self.fields["stays"].initial = [s.pk for s in stays]
        self.fields["driver"].choices = [("", "—")] + [(u.pk, u.get_full_name() or u.username) for u in drivers]


class PickupForm(forms.Form):
    found = forms.ChoiceField(choices=[("yes", "yes"), ("no", "no")])
    note = forms.CharField(max_length=300, required=False)


class HandoverForm(forms.Form):
    received_by = forms.CharField(label=_("Received by (name of the site staff member)"), max_length=50)
