"""Scoped reads of passes and their scans."""

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from fangkong.accounts.scope import get_visible_or_404
from fangkong.arrivals.models import Checkpoint
from fangkong.core.paths import subtree_q
from fangkong.passes.models import EscortPass, FreightPass, Scan


@dataclass
class PassFilters:
    status: str = ""
    route: str = ""  # free text matched against origin and destination
    checkpoint_id: int | None = None
    day: datetime.date | None = None  # passes valid on that day
    plate: str = ""


def _day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return start, start + datetime.timedelta(days=1)


def freight_pass_list(*, user, filters: PassFilters | None = None) -> QuerySet:
    filters = filters or PassFilters()
    rows = FreightPass.objects.visible_to(user).select_related("unit")
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.route:
        rows = rows.filter(Q(origin__icontains=filters.route) | Q(destination__icontains=filters.route))
    if filters.plate:
        rows = rows.filter(plate__icontains=filters.plate.strip().upper())
    if filters.checkpoint_id:
        rows = rows.filter(stops__checkpoint_id=filters.checkpoint_id)
    if filters.day:
        start, end = _day_bounds(filters.day)
        rows = rows.filter(valid_from__lt=end, valid_to__gte=start)
    return rows


def freight_pass_get(*, user, freight_pass_id: int, action: str = "view") -> FreightPass:
    return get_visible_or_404(FreightPass.objects.select_related("unit", "origin_unit", "destination_unit",
                                                                 "requested_by", "reviewed_by", "revoked_by"),
                              user=user, action=action, pk=freight_pass_id)


def route_stops(*, freight_pass: FreightPass) -> list:
    return list(freight_pass.stops.select_related("checkpoint", "checkpoint__unit").order_by("position"))


def route_checkpoints(*, user) -> list[Checkpoint]:
    """The checkpoints a route may name: the active ones within the requester's scope. Read-only; the transport
    group holds no arrivals capability, so this reads by path rather than through Checkpoint.visible_to."""
    if not getattr(user, "scope_path", None):
        return []
    return list(Checkpoint.objects.filter(subtree_q("unit__path", user.scope_path), active=True)
                .select_related("unit").order_by("unit__path", "name")[:500])


def scan_checkpoints(*, user) -> list[Checkpoint]:
    """Where the user may scan: active checkpoints of their scope."""
    return list(Checkpoint.objects.visible_to(user).filter(active=True).select_related("unit").order_by("name")[:200])


@dataclass
class ScanFilters:
    day: datetime.date | None = None
    checkpoint_id: int | None = None
    disposition: str = ""
    kind: str = ""
    freight_pass_id: int | None = None


def scan_list(*, user, filters: ScanFilters | None = None) -> QuerySet:
    filters = filters or ScanFilters()
    rows = Scan.objects.visible_to(user).select_related("checkpoint", "unit", "freight_pass", "escort_pass", "by")
    if filters.day:
        start, end = _day_bounds(filters.day)
        rows = rows.filter(at__gte=start, at__lt=end)
    if filters.checkpoint_id:
        rows = rows.filter(checkpoint_id=filters.checkpoint_id)
    if filters.disposition:
        rows = rows.filter(disposition=filters.disposition)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.freight_pass_id:
        rows = rows.filter(freight_pass_id=filters.freight_pass_id)
    return rows


def escort_pass_list(*, user, status: str = "") -> QuerySet:
    rows = EscortPass.objects.visible_to(user).select_related("unit", "patient")
    if status:
        rows = rows.filter(status=status)
    return rows


def escort_pass_get(*, user, escort_pass_id: int, action: str = "view") -> EscortPass:
    return get_visible_or_404(EscortPass.objects.select_related("unit", "patient", "issued_by", "revoked_by"),
                              user=user, action=action, pk=escort_pass_id)


def patient_by_id_number(*, user, id_number: str):
    """The patient a hospital names by ID number, among the people the user may see."""
    from fangkong.people.models import Person

    number = "".join((id_number or "").split()).upper()
    if not number:
        return None
    return Person.objects.visible_to(user).filter(id_number=number).first()
