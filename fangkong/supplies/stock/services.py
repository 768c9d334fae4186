"""Writes of the stock ledger: the catalogue and places, movements, and requests from points of use.

Every movement goes through `_post`, inside the caller's transaction: it locks the place's balance row of the item
(select_for_update, rows locked in (place, item) order so two multi-line writes never deadlock), refuses a
balance below zero, appends the ledger line and updates the balance. Two issues of the last units therefore
queue on the row lock; the second sees what the first left and is refused. A shortfall is never written as a
negative balance: units that are gone are recorded as a loss or by a stocktake adjustment.

actor=None is the system.
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import acting_user, ensure_may, ensure_unit_in_scope
from fangkong.audit.services import audit_record
from fangkong.supplies.models import Balance, Item, ItemCategory, ItemUnit, Movement, Place, SupplyRequest

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{1,39}$")
MAX_QUANTITY = Decimal("999999999")
CENT = Decimal("0.01")
# Kinds that add to the place, and kinds that take away; an adjustment goes either way.
INFLOWS = {Movement.Kind.RECEIPT, Movement.Kind.TRANSFER_IN}
OUTFLOWS = {Movement.Kind.ISSUE, Movement.Kind.CONSUMPTION, Movement.Kind.LOSS, Movement.Kind.TRANSFER_OUT}


def clean_quantity(value, *, field: str = "quantity", allow_zero: bool = False) -> Decimal:
    """A positive quantity with at most two decimals, or a ValidationError saying what is wrong."""
    try:
        quantity = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: _("Enter the quantity as a number.")}) from None
    if not quantity.is_finite():
        raise ValidationError({field: _("Enter the quantity as a number.")})
    if quantity < 0 or (quantity == 0 and not allow_zero):
        raise ValidationError({field: _("The quantity must be more than zero.")})
    if quantity != quantity.quantize(CENT):
        raise ValidationError({field: _("A quantity has at most two decimals.")})
    if quantity > MAX_QUANTITY:
        raise ValidationError({field: _("That quantity is too large.")})
    return quantity.quantize(CENT)


def _item(item) -> Item:
    if isinstance(item, Item):
        return item
    found = Item.objects.filter(pk=item, active=True).first() if str(item).isdigit() else None
    if found is None:
        raise ValidationError({"item": _("Unknown item.")})
    return found


def fmt(quantity: Decimal) -> str:
    """12.00 → "12", 2.50 → "2.5": how people write quantities."""
    text = f"{quantity:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- catalogue and places --------------------------------------------------------------------------------------


def may_add_items(actor) -> bool:
    """The catalogue is the city's (every place counts the same N95): `supplies.manage` held over the whole city,
    as the HQ and the city's supplies office hold it. A district's office opens places, not catalogue entries."""
    return bool(has_capability(actor, "supplies.manage") and getattr(actor, "scope_id", None)
                and actor.scope.parent_id is None)


def may_add_places(actor) -> bool:
    """`supplies.manage` over some node: places are opened under that node only (place_create checks which)."""
    return bool(has_capability(actor, "supplies.manage") and getattr(actor, "scope_id", None))


@transaction.atomic
def item_create(*, code: str, name: str, category: str, unit: str, actor, spec: str = "") -> Item:
    if actor is not None and not may_add_items(actor):
        raise PermissionDenied(_("Only the city's supplies office adds items to the catalogue."))
    code = (code or "").strip()
    if not _CODE.match(code):
        raise ValidationError({"code": _("A code is 2–40 letters, digits, - or _.")})
    if Item.objects.filter(code=code).exists():
        raise ValidationError({"code": _("An item with code %(code)s already exists.") % {"code": code}})
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Name the item.")})
    if category not in ItemCategory.values:
        raise ValidationError({"category": _("Choose a category.")})
    if unit not in ItemUnit.values:
        raise ValidationError({"unit": _("Choose a unit.")})
    item = Item.objects.create(code=code, name=name[:100], category=category, unit=unit,
                               spec=(spec or "").strip()[:100])
    audit_record(actor=actor, obj=item, action="create", unit_path=getattr(actor, "scope_path", None) or "",
                 changes={"code": (None, code)})
    return item


def _source_exists(kind: str, code: str) -> bool:
    """The checkpoint (by id: checkpoints have no code), isolation site or sampling point a place stands for."""
    if kind == Place.Kind.CHECKPOINT:
        from fangkong.arrivals.models import Checkpoint

        return code.isdigit() and Checkpoint.objects.filter(pk=int(code)).exists()
    if kind == Place.Kind.ISOLATION_SITE:
        from fangkong.isolation.models import Site

        return Site.objects.filter(code=code).exists()
    if kind == Place.Kind.SAMPLING_POINT:
        from fangkong.testing.models import SamplingPoint

        return SamplingPoint.objects.filter(code=code).exists()
    return True


@transaction.atomic
def place_create(*, code: str, name: str, kind: str, unit, actor, address: str = "", source_code: str = "") -> Place:
    ensure_may(actor, "supplies.manage", unit)
    code = (code or "").strip()
    if not _CODE.match(code):
        raise ValidationError({"code": _("A code is 2–40 letters, digits, - or _.")})
    if Place.objects.filter(code=code).exists():
        raise ValidationError({"code": _("A place with code %(code)s already exists.") % {"code": code}})
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Name the place.")})
    if kind not in Place.Kind.values:
        raise ValidationError({"kind": _("Choose what kind of place this is.")})
    source_code = (source_code or "").strip()
    if source_code and not _source_exists(kind, source_code):
        raise ValidationError({"source_code": _("No %(kind)s has the code %(code)s.") % {
            "kind": Place.Kind(kind).label.lower(), "code": source_code}})
    place = Place.objects.create(code=code, name=name[:100], kind=kind, unit=unit,
                                 address=(address or "").strip()[:200], source_code=source_code[:40])
    audit_record(actor=actor, obj=place, action="create", unit_path=unit.path,
                 changes={"code": (None, code), "kind": (None, kind)})
    return place


# --- the ledger ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    place: Place
    item: Item
    kind: str
    delta: Decimal
    counterpart: Place | None = None
    source: str = ""
    note: str = ""


def _post(entries: list[Entry], *, actor, request=None, at=None) -> list[Movement]:
    """Append `entries` to the ledger, all or none; call inside a transaction."""
    at = at or timezone.now()
    keys = sorted({(e.place.pk, e.item.pk) for e in entries})
    for place_id, item_id in keys:
        Balance.objects.get_or_create(place_id=place_id, item_id=item_id)
    wanted = Q()
    for place_id, item_id in keys:
        wanted |= Q(place_id=place_id, item_id=item_id)
    balances = {(b.place_id, b.item_id): b for b in
                Balance.objects.select_for_update().filter(wanted).order_by("place_id", "item_id")}
    short, movements = [], []
    for entry in entries:
        balance = balances[entry.place.pk, entry.item.pk]
        if balance.quantity + entry.delta < 0:
            short.append(_("%(place)s holds %(have)s %(unit)s of %(item)s; %(want)s asked for.") % {
                "place": entry.place.name, "have": fmt(balance.quantity), "unit": entry.item.get_unit_display(),
                "item": entry.item.name, "want": fmt(-entry.delta)})
        balance.quantity += entry.delta
        movements.append(Movement(place=entry.place, item=entry.item, kind=entry.kind, delta=entry.delta,
                                  balance_after=balance.quantity, counterpart=entry.counterpart,
                                  source=entry.source[:100], note=entry.note[:200], request=request, at=at,
                                  created_by=acting_user(actor)))
    if short:
        raise ValidationError({"quantity": [*short, _("Nothing was recorded: stock never goes below zero. Record "
                                                      "units that are gone as a loss or by a stocktake.")]})
    for movement in movements:
        movement.save()
        audit_record(actor=actor, obj=movement, action="create", unit_path=movement.place.unit.path,
                     changes={"kind": (None, movement.kind), "delta": (None, movement.delta)})
    for balance in balances.values():
        balance.updated_at = at
        balance.save(update_fields=["quantity", "updated_at"])
    return movements


@transaction.atomic
def movement_record(*, place: Place, item, kind: str, quantity, actor, counterpart: Place | None = None,
                    source: str = "", note: str = "", counted=None) -> list[Movement]:
    """One movement from the movement form. A transfer writes its pair (out here, in at `counterpart`); an
    adjustment takes the counted quantity (盘点) and writes the difference; a loss needs a note saying why."""
    ensure_may(actor, "supplies.move", place.unit)
    item = _item(item)
    note = " ".join((note or "").split())
    if kind not in Movement.Kind.values or kind == Movement.Kind.TRANSFER_IN:
        raise ValidationError({"kind": _("Choose what happened to the stock.")})
    if kind == Movement.Kind.ADJUSTMENT:
        target = clean_quantity(counted, field="counted", allow_zero=True)
        current = Balance.objects.filter(place=place, item=item).values_list("quantity", flat=True).first()
        delta = target - (current or Decimal(0))
        if delta == 0:
            raise ValidationError({"counted": _("The count matches the ledger; nothing to adjust.")})
        if not note:
            raise ValidationError({"note": _("Say why the count differs (a stocktake, damage found…).")})
        return _post([Entry(place, item, kind, delta, note=note)], actor=actor)
    quantity = clean_quantity(quantity)
    if kind == Movement.Kind.LOSS and not note:
        raise ValidationError({"note": _("Say what was lost and how.")})
    if kind == Movement.Kind.TRANSFER_OUT:
        if counterpart is None:
            raise ValidationError({"counterpart": _("Choose where the stock goes.")})
        if counterpart.pk == place.pk:
            raise ValidationError({"counterpart": _("A transfer goes to another place.")})
        ensure_unit_in_scope(actor, counterpart.unit, app_label="supplies", action="view")
        out, into = _post([Entry(place, item, Movement.Kind.TRANSFER_OUT, -quantity, counterpart=counterpart,
                                 note=note),
                           Entry(counterpart, item, Movement.Kind.TRANSFER_IN, quantity, counterpart=place,
                                 note=note)], actor=actor)
        Movement.objects.link_transfer(out, into)
        return [out, into]
    if counterpart is not None and counterpart.pk == place.pk:
        raise ValidationError({"counterpart": _("Stock is issued to another place.")})
    if kind == Movement.Kind.RECEIPT:
        return _post([Entry(place, item, kind, quantity, source=(source or "").strip(), note=note)], actor=actor)
    return _post([Entry(place, item, kind, -quantity, counterpart=counterpart, note=note)], actor=actor)


def receipt_post(*, place: Place, item: Item, quantity: Decimal, actor, source: str, note: str = "") -> Movement:
    """A receipt from another module's service (a donation of goods), inside its transaction."""
    return _post([Entry(place, item, Movement.Kind.RECEIPT, quantity, source=source, note=note)], actor=actor)[0]


# --- requests from points of use -------------------------------------------------------------------------------


def _lines(lines) -> list[tuple[Item, Decimal]]:
    """[(item, quantity)] from [(item or id, quantity)], each item once; errors keyed by line."""
    out, errors, seen = [], {}, set()
    for index, (item, quantity) in enumerate(lines):
        try:
            item = _item(item)
        except ValidationError:
            errors[f"item_{index}"] = _("Line %(n)d: unknown item.") % {"n": index + 1}
            continue
        if item.pk in seen:
            errors[f"item_{index}"] = _("Line %(n)d: %(item)s is already asked for.") % {"n": index + 1,
                                                                                        "item": item.name}
            continue
        seen.add(item.pk)
        try:
            out.append((item, clean_quantity(quantity)))
        except ValidationError:
            errors[f"quantity_{index}"] = _("Line %(n)d: the quantity must be a number more than zero.") % {
                "n": index + 1}
    if errors:
        raise ValidationError(errors)
    if not out:
        raise ValidationError({"__all__": _("Ask for at least one item.")})
    return out


@transaction.atomic
def request_submit(*, place: Place, lines, reason: str, actor) -> SupplyRequest:
    if actor is not None and not (has_capability(actor, "supplies.request") or has_capability(actor, "supplies.move")):
        raise PermissionDenied("supplies.request")
    ensure_unit_in_scope(actor, place.unit, app_label="supplies",
                         action="request" if actor is None or has_capability(actor, "supplies.request") else "move")
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Say what the items are for.")})
    if place.is_warehouse:
        raise ValidationError({"place": _("A warehouse is stocked by receipts and transfers, not by requests.")})
    cleaned = _lines(lines)
    supply_request = SupplyRequest.objects.create(place=place, reason=reason[:300], created_by=acting_user(actor))
    supply_request.lines.bulk_create([supply_request.lines.model(request=supply_request, item=item, requested=q)
                                      for item, q in cleaned])
    audit_record(actor=actor, obj=supply_request, action="create", unit_path=place.unit.path,
                 changes={"lines": (None, len(cleaned))})
    return supply_request


def _locked(supply_request: SupplyRequest, expected: str) -> SupplyRequest:
    locked = SupplyRequest.objects.select_for_update().select_related("place__unit").get(pk=supply_request.pk)
    if locked.status != expected:
        raise ValidationError({"__all__": _("This request is already %(status)s.") % {
            "status": locked.get_status_display().lower()}})
    return locked


@transaction.atomic
def request_decide(*, supply_request: SupplyRequest, approved: dict, actor, note: str = "") -> SupplyRequest:
    """Approve each line in full, in part or not at all ({line id: quantity}); all lines at zero is a rejection,
    which needs a note."""
    ensure_may(actor, "supplies.approve", supply_request.place.unit)
    supply_request = _locked(supply_request, SupplyRequest.Status.SUBMITTED)
    note = " ".join((note or "").split())
    lines = list(supply_request.lines.select_related("item").order_by("pk"))
    errors, values = {}, {}
    for line in lines:
        try:
            value = clean_quantity(approved.get(line.pk, line.requested), allow_zero=True)
        except ValidationError:
            errors[f"approved_{line.pk}"] = _("%(item)s: enter a number, zero or more.") % {"item": line.item.name}
            continue
        if value > line.requested:
            errors[f"approved_{line.pk}"] = _("%(item)s: no more than the %(n)s asked for.") % {
                "item": line.item.name, "n": fmt(line.requested)}
        values[line.pk] = value
    if errors:
        raise ValidationError(errors)
    rejected = all(v == 0 for v in values.values())
    if rejected and not note:
        raise ValidationError({"note": _("Say why the request is rejected.")})
    for line in lines:
        line.approved = values[line.pk]
        line.save(update_fields=["approved"])
    supply_request.status = SupplyRequest.Status.REJECTED if rejected else SupplyRequest.Status.APPROVED
    supply_request.decided_at, supply_request.decided_by = timezone.now(), acting_user(actor)
    supply_request.decision_note = note[:300]
    supply_request.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    audit_record(actor=actor, obj=supply_request, action="reject" if rejected else "approve",
                 unit_path=supply_request.place.unit.path,
                 changes={"approved": (None, {line.item.code: str(line.approved) for line in lines})}, note=note)
    return supply_request


@transaction.atomic
def request_issue(*, supply_request: SupplyRequest, warehouse: Place, actor, issued: dict | None = None,
                  note: str = "") -> SupplyRequest:
    """Issue the approved lines (or less, {line id: quantity}) from `warehouse`: one issue line each in its
    ledger. Refused, with nothing written, if the warehouse lacks any of them."""
    ensure_may(actor, "supplies.move", warehouse.unit)
    if not warehouse.is_warehouse:
        raise ValidationError({"warehouse": _("Stock is issued from a warehouse.")})
    ensure_unit_in_scope(actor, supply_request.place.unit, app_label="supplies", action="move")
    supply_request = _locked(supply_request, SupplyRequest.Status.APPROVED)
    if warehouse.pk == supply_request.place_id:
        raise ValidationError({"warehouse": _("A transfer goes to another place.")})
    issued = issued or {}
    lines = [line for line in supply_request.lines.select_related("item").order_by("pk") if line.approved]
    errors, entries = {}, []
    for line in lines:
        try:
            value = clean_quantity(issued.get(line.pk, line.approved), allow_zero=True)
        except ValidationError:
            errors[f"issued_{line.pk}"] = _("%(item)s: enter a number, zero or more.") % {"item": line.item.name}
            continue
        if value > line.approved:
            errors[f"issued_{line.pk}"] = _("%(item)s: no more than the %(n)s approved.") % {
                "item": line.item.name, "n": fmt(line.approved)}
        line.issued = value
        if value:
            entries.append(Entry(warehouse, line.item, Movement.Kind.ISSUE, -value, counterpart=supply_request.place,
                                 note=note or _("Request #%(n)d") % {"n": supply_request.pk}))
    if errors:
        raise ValidationError(errors)
    if not entries:
        raise ValidationError({"__all__": _("Nothing to issue.")})
    _post(entries, actor=actor, request=supply_request)
    for line in lines:
        line.save(update_fields=["issued"])
    supply_request.status = SupplyRequest.Status.ISSUED
    supply_request.warehouse, supply_request.issued_at = warehouse, timezone.now()
    supply_request.issued_by = acting_user(actor)
    supply_request.save(update_fields=["status", "warehouse", "issued_at", "issued_by"])
    audit_record(actor=actor, obj=supply_request, action="issue", unit_path=supply_request.place.unit.path,
                 changes={"warehouse": (None, warehouse.code)})
    return supply_request


@transaction.atomic
def request_receive(*, supply_request: SupplyRequest, actor, received: dict | None = None,
                    note: str = "") -> SupplyRequest:
    """The point confirms what arrived ({line id: quantity}, the issued quantity by default): a receipt line each
    in its ledger. Less than issued needs a note (the shortfall is the warehouse's to explain)."""
    if actor is not None and not (has_capability(actor, "supplies.request") or has_capability(actor, "supplies.move")):
        raise PermissionDenied("supplies.request")
    ensure_unit_in_scope(actor, supply_request.place.unit, app_label="supplies",
                         action="request" if actor is None or has_capability(actor, "supplies.request") else "move")
    supply_request = _locked(supply_request, SupplyRequest.Status.ISSUED)
    received = received or {}
    note = " ".join((note or "").split())
    lines = [line for line in supply_request.lines.select_related("item").order_by("pk") if line.issued]
    errors, entries, short = {}, [], False
    for line in lines:
        try:
            value = clean_quantity(received.get(line.pk, line.issued), allow_zero=True)
        except ValidationError:
            errors[f"received_{line.pk}"] = _("%(item)s: enter a number, zero or more.") % {"item": line.item.name}
            continue
        if value > line.issued:
            errors[f"received_{line.pk}"] = _("%(item)s: no more than the %(n)s issued.") % {
                "item": line.item.name, "n": fmt(line.issued)}
        short = short or value < line.issued
        line.received = value
        if value:
            entries.append(Entry(supply_request.place, line.item, Movement.Kind.RECEIPT, value,
                                 counterpart=supply_request.warehouse, source=supply_request.warehouse.name,
                                 note=_("Request #%(n)d") % {"n": supply_request.pk}))
    if errors:
        raise ValidationError(errors)
    if short and not note:
        raise ValidationError({"note": _("Less arrived than was issued: say what is missing.")})
    if entries:
        _post(entries, actor=actor, request=supply_request)
    for line in lines:
        line.save(update_fields=["received"])
    supply_request.status = SupplyRequest.Status.RECEIVED
    supply_request.received_at, supply_request.received_by = timezone.now(), acting_user(actor)
    supply_request.receipt_note = note[:300]
    supply_request.save(update_fields=["status", "received_at", "received_by", "receipt_note"])
    audit_record(actor=actor, obj=supply_request, action="receive", unit_path=supply_request.place.unit.path,
                 note=note)
    return supply_request
