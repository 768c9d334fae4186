"""Reads of the care pages; a site outside the user's scope (or without the capability) is a 404."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from fangkong.accounts.scope import get_visible_or_404
from fangkong.isolation.models import CareRequest, HealthCheck, Period, Site, Stay


def site_get(*, user, site_id: int, action: str = "view") -> Site:
    return get_visible_or_404(Site.objects.select_related("unit", "doctor"), user=user, action=action, pk=site_id)


def current_period(now: datetime.datetime | None = None) -> str:
    """Before 14:00 it is the morning round, after it the evening one."""
    return Period.MORNING if timezone.localtime(now or timezone.now()).hour < 14 else Period.EVENING


def site_floors(*, site: Site) -> list[tuple[int, int]]:
    """(floor, people in the site on it), lowest floor first."""
    rows = (Stay.objects.filter(site=site, status=Stay.Status.ARRIVED).values("room__floor")
            .annotate(people=Count("pk")).order_by("room__floor"))
    return [(r["room__floor"], r["people"]) for r in rows]


@dataclass
class FloorRow:
    stay: Stay
    checks: dict[str, HealthCheck] = field(default_factory=dict)

    @property
    def morning(self):
        return self.checks.get(Period.MORNING)

    @property
    def evening(self):
        return self.checks.get(Period.EVENING)


def floor_rows(*, site: Site, floor: int, day: datetime.date) -> list[FloorRow]:
    """Every person in the site on that floor, room by room, with the day's readings."""
    stays = list(Stay.objects.filter(site=site, status=Stay.Status.ARRIVED, room__floor=floor)
                 .select_related("person", "room").order_by("room__number", "arrived_at", "pk"))
    rows = {s.pk: FloorRow(stay=s) for s in stays}
    for check in HealthCheck.objects.filter(stay__in=stays, day=day).select_related("alert_task"):
        rows[check.stay_id].checks[check.period] = check
    return list(rows.values())


def site_stays(*, site: Site) -> list[Stay]:
    """The people in the site now, for the request form's choice."""
    return list(Stay.objects.filter(site=site, status=Stay.Status.ARRIVED).select_related("person", "room")
                .order_by("room__floor", "room__number", "pk"))


def site_requests(*, site: Site, limit: int = 200) -> list[CareRequest]:
    """Open requests first (oldest first: they waited longest), then the answered ones, newest first."""
    base = CareRequest.objects.filter(stay__site=site).select_related("stay__person", "stay__room", "task",
                                                                       "answered_by")
    open_ = list(base.filter(answered_at__isnull=True).order_by("created_at", "pk")[:limit])
    answered = list(base.filter(answered_at__isnull=False).order_by("-answered_at", "-pk")[:limit])
    return open_ + answered


def request_get(*, user, site: Site, request_id: int, action: str = "view") -> CareRequest:
    return get_visible_or_404(CareRequest.objects.select_related("stay__site__unit", "stay__person", "task"),
                              user=user, action=action, pk=request_id, stay__site=site)


def open_request_count(*, site: Site) -> int:
    return CareRequest.objects.filter(Q(stay__site=site) & Q(answered_at__isnull=True)).count()
