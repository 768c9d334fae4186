"""Forms of the stock pages. Quantities arrive as text: the services say what is wrong with them."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.supplies.models import Donation, ItemCategory, ItemUnit, Movement, Place

REQUEST_LINES = 6
UNKNOWN_ITEM = {"invalid_choice": _("Unknown item."), "required": _("Choose an item.")}
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _item_choices(items):
    return [("", "—")] + [(i.pk, f"{i.name} ({i.get_unit_display()})") for i in items]


def _place_choices(places):
    return [("", "—")] + [(p.pk, f"{p.name} · {p.get_kind_display()}") for p in places]


class ItemForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=40)
    name = forms.CharField(label=pgettext_lazy("thing", "Name"), max_length=100)
    category = forms.ChoiceField(label=pgettext_lazy("supply item", "Category"), choices=ItemCategory.choices)
    unit = forms.ChoiceField(label=_("Unit"), choices=ItemUnit.choices)
    spec = forms.CharField(label=_("Specification"), max_length=100, required=False)


class PlaceForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=40)
    name = forms.CharField(label=pgettext_lazy("thing", "Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=Place.Kind.choices)
    unit = forms.TypedChoiceField(label=_("Jurisdiction node"), coerce=int)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    source_code = forms.CharField(label=_("Stands for (checkpoint, site or sampling point code)"), max_length=40,
                                  required=False)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, u.name) for u in units]


class MovementForm(forms.Form):
    kind = forms.ChoiceField(label=_("What happened"), choices=[
        (k, label) for k, label in Movement.Kind.choices if k != Movement.Kind.TRANSFER_IN])
    item = forms.TypedChoiceField(label=_("Item"), coerce=int, error_messages=UNKNOWN_ITEM)
    quantity = forms.CharField(label=_("Quantity"), required=False, max_length=20,
                               widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    counted = forms.CharField(label=_("Counted at the stocktake"), required=False, max_length=20,
                              help_text=_("For a stocktake adjustment: what is on the shelf."),
                              widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    counterpart = forms.TypedChoiceField(label=_("To (transfer, issue)"), coerce=int, required=False,
                                         empty_value=None)
    source = forms.CharField(label=_("From (supplier) for a receipt"), max_length=100, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, items, places, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = {i.pk: i for i in items}
        self.places = {p.pk: p for p in places}
        self.fields["item"].choices = _item_choices(items)
        self.fields["counterpart"].choices = _place_choices(places)

    def chosen_item(self):
        return self.items[self.cleaned_data["item"]]

    def chosen_counterpart(self):
        pk = self.cleaned_data.get("counterpart")
        return self.places.get(pk) if pk else None


class RequestForm(forms.Form):
    reason = forms.CharField(label=_("What for"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, items, places, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = {i.pk: i for i in items}
        self.places = {p.pk: p for p in places}
        self.fields = {"place": forms.TypedChoiceField(label=_("Point of use"), coerce=int,
                                                       choices=_place_choices(places)), **self.fields}
        for n in range(REQUEST_LINES):
            self.fields[f"item_{n}"] = forms.TypedChoiceField(
                label=_("Item"), coerce=int, required=False, empty_value=None, choices=_item_choices(items),
                error_messages=UNKNOWN_ITEM)
            self.fields[f"quantity_{n}"] = forms.CharField(label=_("Quantity"), required=False, max_length=20,
                                                           widget=forms.TextInput(attrs={"inputmode": "decimal"}))

    def line_fields(self):
        for n in range(REQUEST_LINES):
            yield self[f"item_{n}"], self[f"quantity_{n}"]

    def chosen_place(self):
        return self.places[self.cleaned_data["place"]]

    def lines(self) -> list:
        """[(item, quantity text)] of the filled lines; a quantity without an item is kept for the service."""
        out = []
        for n in range(REQUEST_LINES):
            item, quantity = self.cleaned_data.get(f"item_{n}"), (self.cleaned_data.get(f"quantity_{n}") or "")
            if item is None and not quantity.strip():
                continue
            out.append((self.items.get(item, item if item is not None else ""), quantity))
        return out


class LineQuantitiesForm(forms.Form):
    """One quantity per request line (approve, issue, receive), prefilled, and a note."""

    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, lines, prefix_name: str, initial_of, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines, self.prefix_name = lines, prefix_name
        for line in lines:
            value = initial_of(line)
            self.fields[f"{prefix_name}_{line.pk}"] = forms.CharField(
                label=line.item.name, required=False, max_length=20, initial="" if value is None else value,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 8}))

    def bound_lines(self):
        for line in self.lines:
            yield line, self[f"{self.prefix_name}_{line.pk}"]

    def quantities(self) -> dict:
        return {line.pk: self.cleaned_data.get(f"{self.prefix_name}_{line.pk}") or "0" for line in self.lines}


class IssueForm(LineQuantitiesForm):
    def __init__(self, *args, warehouses, **kwargs):
        super().__init__(*args, **kwargs)
        self.warehouses = {w.pk: w for w in warehouses}
        self.fields = {"warehouse": forms.TypedChoiceField(label=_("Issue from"), coerce=int,
                                                           choices=_place_choices(warehouses)), **self.fields}

    def chosen_warehouse(self):
        return self.warehouses[self.cleaned_data["warehouse"]]


class DonationForm(forms.Form):
    donor_kind = forms.ChoiceField(label=_("Donor"), choices=[("", "—"), *Donation.DonorKind.choices],
                                   error_messages={"required": _("Say who donated: a company, an individual, or "
                                                                 "anonymous.")})
    donor_name = forms.CharField(label=_("Donor's name"), max_length=100, required=False)
    donor_contact = forms.CharField(label=_("Donor's contact (not published)"), max_length=100, required=False)
    named_publicly = forms.BooleanField(label=_("The individual agreed to be named in the disclosure"),
                                        required=False)
    kind = forms.ChoiceField(label=_("Money or goods"), choices=Donation.Kind.choices)
    amount = forms.CharField(label=_("Amount (yuan)"), max_length=20, required=False,
                             widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    unit = forms.TypedChoiceField(label=_("Received by (node), for money"), coerce=int, required=False,
                                  empty_value=None)
    item = forms.TypedChoiceField(label=_("Item"), coerce=int, required=False, empty_value=None,
                                  error_messages=UNKNOWN_ITEM)
    quantity = forms.CharField(label=_("Quantity"), max_length=20, required=False,
                               widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    warehouse = forms.TypedChoiceField(label=_("Into warehouse, for goods"), coerce=int, required=False,
                                       empty_value=None)
    purpose = forms.CharField(label=_("Donor's wish (what it is for)"), max_length=200, required=False)
    received_on = forms.DateField(label=_("Received on"), widget=DATE)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, units, items, warehouses, **kwargs):
        kwargs.setdefault("initial", {"received_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.units = {u.pk: u for u in units}
        self.items = {i.pk: i for i in items}
        self.warehouses = {w.pk: w for w in warehouses}
        self.fields["unit"].choices = [("", "—")] + [(u.pk, u.name) for u in units]
        self.fields["item"].choices = _item_choices(items)
        self.fields["warehouse"].choices = _place_choices(warehouses)

    def chosen(self, name: str):
        pk = self.cleaned_data.get(name)
        return getattr(self, {"unit": "units", "item": "items", "warehouse": "warehouses"}[name]).get(pk)


class AllocationForm(forms.Form):
    amount = forms.CharField(label=_("Amount (yuan)"), max_length=20,
                             widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    purpose = forms.CharField(label=_("Purpose"), max_length=200)
    recipient = forms.CharField(label=_("Paid to"), max_length=100)
    allocated_on = forms.DateField(label=_("On"), widget=DATE, initial=timezone.localdate)


class DisclosureForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DATE)
    end = forms.DateField(label=_("To"), widget=DATE)
    format = forms.ChoiceField(label=_("Format"), choices=[("pdf", "PDF"), ("xlsx", "Excel")], initial="pdf")

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("The period ends before it starts."))
        return data
