"""The demo city's isolation sites, made through the isolation services: two hotels in the first district, their
rooms from a floor plan pattern, the demo's `isolation` account as their site doctor. The family from 西平县 that
came through the checkpoint has been placed, driven over and received; the tracing cluster's close contacts are
still in the placement queue for `officer` to place (`/isolation/queue/`).

Deterministic; a city that already has sites is left as it is.
"""

from django.db import transaction

from fangkong.accounts.models import User
from fangkong.core.paths import subtree_q
from fangkong.territory.models import Unit

SITES = (
    ("FC-GL-01", "汾城宾馆隔离点", "汾城区迎宾路1号", "汾城宾馆有限公司", 2, (2, 7), 20, 3),
    ("FC-GL-02", "职教中心学生公寓隔离点", "汾城区学院路18号", "区教育局", 3, (1, 5), 24, 0),
)


@transaction.atomic
def seed_isolation(*, district: Unit) -> dict:
    from fangkong.isolation import selectors, services
    from fangkong.isolation.models import Site

    if Site.objects.filter(subtree_q("unit__path", district.path)).exists():
        return {"created": False}
    doctor = User.objects.filter(username="isolation").first()
    sites = []
    for code, name, address, operator, reserve, floors, per_floor, family_floor in SITES:
        site = services.site_create(code=code, name=name, unit=district, address=address, operator=operator,
                                    manager_name="刘建军", manager_phone="13935712345", reserve=reserve,
                                    doctor=doctor, actor=None)
        rooms = [{"number": number, "floor": floor, "kind": "family" if floor == family_floor else "single",
                  "beds": 3 if floor == family_floor else 1}
                 for floor, number in services.room_numbers(floors=floors, per_floor=per_floor, skip_digits="4")]
        services.rooms_create(site=site, rooms=rooms, actor=None)
        sites.append(site)
    hq = User.objects.filter(username="hq").first()
    queue = selectors.placement_queue(user=hq) if hq else []
    # The checkpoint's family goes in; the tracing contacts wait for the officer.
    arrivals = [e for e in queue if e.category == "arrival"]
    placed = 0
    if arrivals:
        proposal = selectors.propose(user=hq, entries=arrivals)
        stays = services.placement_confirm(groups=proposal.groups, actor=None)
        if stays:
            trip = services.trip_create(site=stays[0].site, stays=[s for s in stays if s.site_id == stays[0].site_id],
                                        vehicle="晋L·D0711", driver_name="钱师傅", driver_phone="13935700711",
                                        escort_name="孙护士", actor=None)
            for stay in trip.stays.all():
                services.pickup_record(stay=stay, found=True, actor=None)
                services.handover_record(stay=stay, received_by="刘建军", actor=None)
                placed += 1
    return {"created": True, "sites": len(sites), "placed": placed}


def wipe_isolation(*, units) -> None:
    from fangkong.isolation.models import CareRequest, HealthCheck, Room, Site, Stay, Trip

    sites = Site.objects.filter(unit_id__in=units)
    HealthCheck.objects.filter(stay__site__in=sites).delete()
    CareRequest.objects.filter(stay__site__in=sites).delete()
    Stay.objects.filter(site__in=sites).delete()
    Stay.objects.filter(unit_id__in=units).delete()
    Trip.objects.filter(site__in=sites).delete()
    Room.objects.filter(site__in=sites).delete()
    sites.delete()
