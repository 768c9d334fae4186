"""Forms of the disinfection pages and of a disinfection task's completion."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.core.forms import DATETIME_FORMATS, DATETIME_LOCAL
from fangkong.tasks.forms import CompleteForm
from fangkong.units.models import DisinfectionOrder

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OrderForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("Jurisdiction node"), coerce=int)
    place_name = forms.CharField(label=pgettext_lazy("units", "Place"), max_length=100)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    source = forms.ChoiceField(label=pgettext_lazy("units", "Source"), choices=[
        (v, label) for v, label in DisinfectionOrder.Source.choices
        if v in (DisinfectionOrder.Source.ENVIRONMENT, DisinfectionOrder.Source.MANUAL)])
    reason = forms.CharField(label=_("Reason (sample, date, result)"), max_length=300)
    deadline = forms.DateTimeField(label=_("Deadline (empty: the protocol's default)"), required=False,
                                   widget=DATETIME_LOCAL, input_formats=DATETIME_FORMATS)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.units = {u.pk: u for u in units}
        self.fields["unit"].choices = [(u.pk, f"{'· ' * (u.depth or 0)}{u.name} ({u.code})") for u in units]


class ScheduleForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("Jurisdiction node"), coerce=int, required=False, empty_value=None)
    organisation = forms.TypedChoiceField(label=_("Unit (market, station…)"), coerce=int, required=False,
                                          empty_value=None)
    place_name = forms.CharField(label=pgettext_lazy("units", "Place"), max_length=100, required=False)
    times_per_day = forms.IntegerField(label=_("Times per day"), min_value=1, max_value=12, initial=2)
    starts_on = forms.DateField(label=pgettext_lazy("units", "From"), widget=DATE)
    ends_on = forms.DateField(label=pgettext_lazy("units", "Until"), widget=DATE, required=False)

    def __init__(self, *args, units=(), organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.units = {u.pk: u for u in units}
        self.organisations = {o.pk: o for o in organisations}
        self.fields["unit"].choices = [("", "—")] + [(u.pk, f"{'· ' * (u.depth or 0)}{u.name} ({u.code})")
                                                      for u in units]
        self.fields["organisation"].choices = [("", "—")] + [(o.pk, o.name) for o in organisations]


class DisinfectionDoneForm(CompleteForm):
    """Closing a disinfection task: the outcome, the product and quantity used, and the stock place to issue it
    from (the nearest stock places on or above the task's node)."""

    item_id = forms.TypedChoiceField(label=_("Product from the catalogue"), coerce=int, required=False,
                                     empty_value=None)
    product = forms.CharField(label=_("Or the product's name"), max_length=100, required=False)
    quantity = forms.CharField(label=_("Quantity used"), max_length=14, required=False,
                               widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    place_id = forms.TypedChoiceField(label=_("Issue from the stock place"), coerce=int, required=False,
                                      empty_value=None)

    def __init__(self, *args, task, kind, **kwargs):
        from fangkong.units.disinfection.services import disinfection_items, stock_places_for

        super().__init__(*args, task=task, kind=kind, **kwargs)
        self.fields["item_id"].choices = [("", "—")] + [(i.pk, f"{i.name} ({i.get_unit_display()})")
                                                         for i in disinfection_items()[:200]]
        self.fields["place_id"].choices = [("", _("Not from a stock place"))] + [
            (p.pk, p.name) for p in stock_places_for(task.unit)[:50]]
        self.order_fields(["outcome", "item_id", "product", "quantity", "place_id", "note"])

    EXTRA = ("item_id", "product", "quantity", "place_id")

    def extra_fields(self):
        """The fields beyond outcome and note, for the tasks page to show."""
        return [self[name] for name in self.EXTRA]

    def completion_data(self) -> dict:
        return {k: self.cleaned_data.get(k) for k in self.EXTRA}
