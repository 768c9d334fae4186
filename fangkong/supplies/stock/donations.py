"""Donations of money and goods (捐款捐物): recorded with a receipt number per year (捐〔2026〕0001), goods received
into a warehouse's ledger, money passed on by allocations with a purpose.

Where donated goods went is read off the ledger: the warehouse's outflows of that item are taken from its stock
first in, first out, so a donation counts as passed on once everything received before it, and then it, has gone.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import acting_user, ensure_unit_in_scope
from fangkong.audit.services import audit_record
from fangkong.supplies.models import Donation, DonationAllocation, DonationSequence, Movement, Place
from fangkong.supplies.stock.services import OUTFLOWS, clean_quantity, receipt_post

MAX_AMOUNT = Decimal("999999999999")


def _may_donate(actor, unit) -> None:
    if actor is None:
        return
    if not has_capability(actor, "supplies.donate"):
        raise PermissionDenied("supplies.donate")
    ensure_unit_in_scope(actor, unit, app_label="supplies", action="donate")


def clean_amount(value, field: str = "amount") -> Decimal:
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: _("Enter the amount in yuan, e.g. 51200 or 5000.50.")}) from None
    if not amount.is_finite() or amount <= 0:
        raise ValidationError({field: _("The amount must be more than zero.")})
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({field: _("An amount has at most two decimals (fen).")})
    if amount > MAX_AMOUNT:
        raise ValidationError({field: _("That amount is too large.")})
    return amount.quantize(Decimal("0.01"))


def format_number(year: int, sequence: int) -> str:
    return f"捐〔{year}〕{sequence:04d}"


def _next_number(year: int) -> tuple[str, int]:
    DonationSequence.objects.get_or_create(year=year)
    counter = DonationSequence.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return format_number(year, counter.last), counter.last


@transaction.atomic
def donation_record(*, donor_kind: str, donor_name: str, kind: str, received_on: datetime.date, actor, unit=None,
                    amount=None, item=None, quantity=None, warehouse: Place | None = None, donor_contact: str = "",
                    named_publicly: bool = False, purpose: str = "", note: str = "") -> Donation:
    """Money needs an amount and the receiving node; goods an item, a quantity and the warehouse they go into
    (a receipt in its ledger). A donor is required: a name, or "anonymous" chosen explicitly."""
    errors = {}
    donor_name = " ".join((donor_name or "").split())
    if donor_kind not in Donation.DonorKind.values:
        errors["donor_kind"] = _("Say who donated: a company, an individual, or anonymous.")
    elif donor_kind != Donation.DonorKind.ANONYMOUS and not donor_name:
        errors["donor_name"] = _("Enter the donor's name, or choose anonymous.")
    if donor_kind == Donation.DonorKind.ANONYMOUS:
        donor_name, named_publicly = "", False
    if donor_kind == Donation.DonorKind.COMPANY:
        named_publicly = True
    if kind not in Donation.Kind.values:
        errors["kind"] = _("Choose money or goods.")
    if received_on is None:
        errors["received_on"] = _("Enter the day it was received.")
    if kind == Donation.Kind.MONEY:
        try:
            amount = clean_amount(amount)
        except ValidationError as exc:
            errors.update(exc.error_dict)
        if unit is None:
            errors["unit"] = _("Choose the node that received it.")
        item = quantity = warehouse = None
    elif kind == Donation.Kind.GOODS:
        amount = None
        if item is None:
            errors["item"] = _("Unknown item.")
        try:
            quantity = clean_quantity(quantity)
        except ValidationError as exc:
            errors.update(exc.error_dict)
        if warehouse is None or not warehouse.is_warehouse:
            errors["warehouse"] = _("Choose the warehouse the goods went into.")
        else:
            unit = warehouse.unit
    if errors:
        raise ValidationError(errors)
    _may_donate(actor, unit)
    number, sequence = _next_number(received_on.year)
    movement = None
    if kind == Donation.Kind.GOODS:
        _may_donate(actor, warehouse.unit)
        donor = donor_name or _("Anonymous")
        movement = receipt_post(place=warehouse, item=item, quantity=quantity, actor=actor, source=donor[:100],
                                note=_("Donation %(number)s") % {"number": number})
    donation = Donation.objects.create(
        number=number, year=received_on.year, donor_kind=donor_kind, donor_name=donor_name[:100],
        donor_contact=(donor_contact or "").strip()[:100], named_publicly=bool(named_publicly), kind=kind,
        amount=amount, item=item, quantity=quantity, warehouse=warehouse, movement=movement, unit=unit,
        purpose=" ".join((purpose or "").split())[:200], received_on=received_on,
        note=" ".join((note or "").split())[:200], created_by=acting_user(actor))
    audit_record(actor=actor, obj=donation, action="create", unit_path=unit.path,
                 changes={"kind": (None, kind), "amount": (None, amount), "quantity": (None, quantity)})
    return donation


def allocated_of(donation: Donation) -> Decimal:
    return donation.allocations.aggregate(s=Sum("amount"))["s"] or Decimal(0)


@transaction.atomic
def allocation_record(*, donation: Donation, amount, purpose: str, recipient: str, allocated_on: datetime.date,
                      actor) -> DonationAllocation:
    """Money passed on; never more than is left of the donation."""
    _may_donate(actor, donation.unit)
    donation = Donation.objects.select_for_update().get(pk=donation.pk)
    if donation.kind != Donation.Kind.MONEY:
        raise ValidationError({"__all__": _("Donated goods are passed on by issues from the warehouse.")})
    errors = {}
    try:
        amount = clean_amount(amount)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    purpose = " ".join((purpose or "").split())
    recipient = " ".join((recipient or "").split())
    if not purpose:
        errors["purpose"] = _("Say what the money is for.")
    if not recipient:
        errors["recipient"] = _("Say who receives the money.")
    if allocated_on is None:
        errors["allocated_on"] = _("Enter the day.")
    if errors:
        raise ValidationError(errors)
    left = donation.amount - allocated_of(donation)
    if amount > left:
        raise ValidationError({"amount": _("Only %(left)s yuan of this donation is left.") % {"left": left}})
    allocation = DonationAllocation.objects.create(donation=donation, amount=amount, purpose=purpose[:200],
                                                   recipient=recipient[:100], allocated_on=allocated_on,
                                                   created_by=acting_user(actor))
    audit_record(actor=actor, obj=donation, action="allocate", unit_path=donation.unit.path,
                 changes={"allocated": (None, amount)}, note=purpose)
    return allocation


# --- where donated goods went ----------------------------------------------------------------------------------


def goods_passed_on(donations, *, until=None) -> dict[int, Decimal]:
    """{donation id: quantity passed on} for goods donations, first in first out over the warehouse's ledger of
    the item (up to `until`, a datetime)."""
    result = {}
    for donation in donations:
        if donation.kind != Donation.Kind.GOODS or donation.movement_id is None:
            continue
        ledger = Movement.objects.filter(place_id=donation.warehouse_id, item_id=donation.item_id)
        if until is not None:
            ledger = ledger.filter(at__lt=until)
        before = (ledger.filter(pk__lt=donation.movement_id, delta__gt=0)
                  .aggregate(s=Sum("delta"))["s"] or Decimal(0))
        out = -(ledger.filter(kind__in=OUTFLOWS).aggregate(s=Sum("delta"))["s"] or Decimal(0))
        out -= ledger.filter(kind=Movement.Kind.ADJUSTMENT, delta__lt=0).aggregate(s=Sum("delta"))["s"] or 0
        result[donation.pk] = max(Decimal(0), min(donation.quantity, out - before))
    return result


def goods_destinations(donation: Donation, *, limit: int = 200) -> list[Movement]:
    """The warehouse's issues and transfers of the donated item since it arrived: where it went."""
    if donation.kind != Donation.Kind.GOODS or donation.movement_id is None:
        return []
    return list(Movement.objects.filter(place_id=donation.warehouse_id, item_id=donation.item_id,
                                        pk__gt=donation.movement_id,
                                        kind__in=[Movement.Kind.ISSUE, Movement.Kind.TRANSFER_OUT])
                .select_related("counterpart").order_by("pk")[:limit])
