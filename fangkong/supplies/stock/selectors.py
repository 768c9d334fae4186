"""Scoped reads of the stock ledger: places and their balances with days of cover, a place's ledger, requests, and
the warning before stock runs out.

Days of cover = what the place holds ÷ its average daily use over the last 7 days, where use is what it issued
and consumed (a warehouse issues, a point of use consumes). No use in 7 days: no figure, and no warning.
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from fangkong.accounts.scope import get_visible_or_404
from fangkong.core.paths import is_within, subtree_q
from fangkong.supplies.models import Balance, Item, Movement, Place, SupplyRequest

USE_DAYS = 7
USE_KINDS = (Movement.Kind.ISSUE, Movement.Kind.CONSUMPTION)
DEFAULT_LOW_COVER_DAYS = 3


def low_cover_days() -> int:
    """Warn when stock covers fewer days than this (the protocol's extra "supplies_low_cover_days")."""
    from fangkong.protocols.selectors import active_rules_or_defaults

    return int(active_rules_or_defaults().extra.get("supplies_low_cover_days", DEFAULT_LOW_COVER_DAYS))


def places_for(*, user, action: str = "view") -> QuerySet:
    return Place.objects.visible_to(user, action).filter(active=True).select_related("unit").order_by(
        "unit__path", "kind", "name")


def place_get(*, user, place_id: int, action: str = "view") -> Place:
    return get_visible_or_404(Place.objects.select_related("unit"), user=user, action=action, pk=place_id)


def items_active() -> QuerySet:
    """The catalogue is city-wide: every place counts the same items."""
    return Item.objects.filter(active=True).order_by("category", "name")


@dataclass
class StockRow:
    place: Place
    item: Item
    quantity: Decimal
    used_7d: Decimal
    low_cover_days: int

    @property
    def daily_use(self) -> Decimal:
        return self.used_7d / USE_DAYS

    @property
    def days_of_cover(self) -> Decimal | None:
        if self.used_7d <= 0:
            return None
        return (self.quantity / self.daily_use).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def runs_out_on(self) -> datetime.date | None:
        cover = self.days_of_cover
        if cover is None:
            return None
        return timezone.localdate() + datetime.timedelta(days=int(cover))

    @property
    def is_low(self) -> bool:
        cover = self.days_of_cover
        return cover is not None and cover < self.low_cover_days


def _use_since(places, since) -> dict[tuple[int, int], Decimal]:
    rows = (Movement.objects.filter(place__in=places, kind__in=USE_KINDS, at__gte=since)
            .values("place_id", "item_id").annotate(used=Sum("delta")).order_by())
    return {(r["place_id"], r["item_id"]): -r["used"] for r in rows}


def stock_rows(*, user, place: Place | None = None, places=None, now=None, only_low: bool = False) -> list[StockRow]:
    """Every balance of the places the user sees (or of one place, or of `places` already read through the
    user's scope), with its days of cover; items a place used this week but holds no more of are included (at
    zero: they ran out)."""
    now = now or timezone.now()
    if places is None:
        places = places_for(user=user) if place is None else Place.objects.filter(pk=place.pk)
        places = list(places.select_related("unit"))
    by_id = {p.pk: p for p in places}
    use = _use_since(places, now - datetime.timedelta(days=USE_DAYS))
    balances = {(b.place_id, b.item_id): b.quantity for b in Balance.objects.filter(place__in=places)}
    keys = set(balances) | set(use)
    items = Item.objects.in_bulk({item_id for _place, item_id in keys})
    threshold = low_cover_days()
    rows = [StockRow(place=by_id[p], item=items[i], quantity=balances.get((p, i), Decimal(0)),
                     used_7d=use.get((p, i), Decimal(0)), low_cover_days=threshold)
            for p, i in keys if balances.get((p, i), 0) > 0 or use.get((p, i), 0) > 0]
    if only_low:
        rows = [r for r in rows if r.is_low]
        return sorted(rows, key=lambda r: (r.days_of_cover, r.place.name, r.item.name))
    return sorted(rows, key=lambda r: (r.place.unit.path, r.place.name, r.item.category, r.item.name))


def place_ledger(*, place: Place, item_id: int | None = None) -> QuerySet:
    """The place's ledger, newest first (keyset pages by id: core.pagination)."""
    qs = Movement.objects.filter(place=place).select_related("item", "counterpart", "created_by")
    if item_id:
        qs = qs.filter(item_id=item_id)
    return qs


def requests_for(*, user, status: str = "") -> QuerySet:
    qs = SupplyRequest.objects.visible_to(user, "view").select_related("place__unit", "warehouse").annotate(
        line_count=Count("lines"))
    if status == "open":
        qs = qs.filter(status__in=[SupplyRequest.Status.SUBMITTED, SupplyRequest.Status.APPROVED,
                                   SupplyRequest.Status.ISSUED])
    elif status in SupplyRequest.Status.values:
        qs = qs.filter(status=status)
    return qs


def request_get(*, user, supply_request_id: int, action: str = "view") -> SupplyRequest:
    return get_visible_or_404(SupplyRequest.objects.select_related("place__unit", "warehouse", "created_by",
                                                                   "decided_by", "issued_by", "received_by"),
                              user=user, action=action, pk=supply_request_id)


def request_lines(supply_request: SupplyRequest) -> list:
    return list(supply_request.lines.select_related("item").order_by("pk"))


def warehouse_stock(*, warehouses, items) -> dict[tuple[int, int], Decimal]:
    """{(warehouse id, item id): quantity} for the issue form."""
    return {(b.place_id, b.item_id): b.quantity for b in
            Balance.objects.filter(place__in=warehouses, item__in=items)}


def open_request_counts(*, user) -> dict[str, int]:
    rows = (SupplyRequest.objects.visible_to(user, "view").values("status").annotate(n=Count("pk")).order_by())
    return {r["status"]: r["n"] for r in rows}


def overview_alerts(*, user, root):
    """The warning before stock runs out: how many place-items cover fewer days than the threshold, and the
    requests waiting for approval, for whoever may see them under `root`."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from fangkong.accounts.roles import has_capability
    from fangkong.core.alerts import Alert

    if not has_capability(user, "supplies.view"):
        return []
    root_path = getattr(root, "path", None) or user.scope_path
    low = [r for r in stock_rows(user=user, only_low=True) if is_within(r.place.unit.path, root_path)]
    alerts = []
    if low:
        first = low[0]
        text = _("%(n)d stocks cover fewer than %(days)d days; first: %(item)s at %(place)s, %(cover)s days.") % {
            "n": len(low), "days": low_cover_days(), "item": first.item.name, "place": first.place.name,
            "cover": first.days_of_cover}
        alerts.append(Alert("supplies.low_stock", text, reverse("supplies:stock_low"), len(low)))
    if has_capability(user, "supplies.approve"):
        waiting = (SupplyRequest.objects.visible_to(user, "approve").filter(status=SupplyRequest.Status.SUBMITTED)
                   .filter(subtree_q("place__unit__path", root_path)).count())
        if waiting:
            alerts.append(Alert("supplies.requests_waiting", _("%(n)d supply requests wait for approval.") % {
                "n": waiting}, reverse("supplies:request_list") + "?status=submitted", waiting))
    return alerts
