"""The demo city's supplies (物资保障) and living support (生活保障), made through the supplies services.

Stock: the first district's warehouse received its protective equipment, disinfectant, sampling tubes and food a
week ago and has issued to the points of use every other day since: the highway checkpoint, the isolation sites (if
the isolation scene ran) and the first sampling point, which consumed their stock day by day. The checkpoint's N95
masks cover fewer than three days (the low-stock warning) and it has asked the warehouse for more. A company donated
N95 masks into the warehouse today; a resident gave money, part of it already allocated.

Living support: three households of the district's first grid with a member under home isolation told their grid
worker what they need (daily necessities twice, medicine once, which is urgent and has its own task). The daily
necessities went into one unified purchase; its delivery round is out, one door confirmed.

Deterministic; a city that already has the warehouse is left as it is.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.territory.models import Level, Unit

WAREHOUSE_CODE = "FC-WH-01"
ITEMS = (  # code, name, category, unit, spec
    ("FK-N95", "N95口罩", "protective", "each", "KN95/N95 无呼吸阀"),
    ("FK-SURGICAL", "医用外科口罩", "protective", "each", "YY 0469"),
    ("FK-SUIT", "防护服", "protective", "set", "一次性医用防护服 GB 19082"),
    ("FK-84", "84消毒液", "disinfection", "bottle", "500 ml"),
    ("FK-TUBE", "核酸采样管", "testing", "piece", "10人份混采管"),
    ("FK-RICE", "大米", "living", "bag", "10 kg"),
    ("FK-OIL", "食用油", "living", "bottle", "5 L"),
)
# What a point of use consumes a day, by kind of place; the checkpoint's N95 is the item that runs short.
DAILY_USE = {
    "checkpoint": {"FK-N95": 40, "FK-SURGICAL": 60, "FK-SUIT": 12, "FK-84": 3},
    "isolation_site": {"FK-N95": 30, "FK-SUIT": 20, "FK-84": 6, "FK-RICE": 4, "FK-OIL": 1},
    "sampling_point": {"FK-TUBE": 300, "FK-SUIT": 15, "FK-SURGICAL": 50},
}
SHORT = ("checkpoint", "FK-N95")
SHORT_COVER_DAYS, COVER_DAYS = 2, 6  # what each point is left holding, in days of its use
WEEK = 7
ISSUE_DAYS = (7, 5, 3, 1)  # days ago the warehouse issued to the points (two days' use each time)


@dataclass
class Point:
    place: object
    kind: str
    daily: dict


def _first(parent: Unit | None, level: int) -> Unit | None:
    if parent is None:
        return None
    return Unit.objects.filter(parent=parent, level=level).order_by("pk").first()


def seed_supplies(*, city: Unit, district: Unit, seed: int = 2020) -> dict:
    """Idempotent: a city that already has the demo warehouse is left as it is. `seed` is unused (the scene has
    no random part) and kept for the scenes' common signature."""
    from fangkong.supplies.models import Place

    if Place.objects.filter(code=WAREHOUSE_CODE).exists():
        return {"created": False, "users": []}
    users = {u.username: u for u in User.objects.filter(username__in=["hq", "supplies", "checkpoint"])}
    if "supplies" not in users or "hq" not in users:
        return {"created": False, "users": []}
    with transaction.atomic():
        stock = _stock(district, users)
        living = _living(district, users["supplies"])
    return {"created": True, **stock, **living, "users": []}


# --- stock -------------------------------------------------------------------------------------------------------


def _items() -> dict:
    from fangkong.supplies.models import Item
    from fangkong.supplies.stock.services import item_create

    # The catalogue is city-wide and outlives a demo reset: reuse what is there.
    existing = Item.objects.in_bulk([code for code, *_ in ITEMS], field_name="code")
    return {code: existing.get(code) or item_create(code=code, name=name, category=category, unit=unit, spec=spec,
                                                    actor=None)
            for code, name, category, unit, spec in ITEMS}


def _points(district: Unit, hq) -> list[Point]:
    from fangkong.arrivals.models import Checkpoint
    from fangkong.core.paths import subtree_q
    from fangkong.demo.outbreak import CHECKPOINT_NAME
    from fangkong.isolation.models import Site
    from fangkong.supplies.stock.services import place_create
    from fangkong.testing.models import SamplingPoint

    points = []
    checkpoint = Checkpoint.objects.filter(name=CHECKPOINT_NAME).select_related("unit").first()
    if checkpoint is not None:
        points.append(Point(place_create(code="FC-KK-01", name=checkpoint.name, kind="checkpoint",
                                         unit=checkpoint.unit, source_code=str(checkpoint.pk),
                                         address=checkpoint.location, actor=hq), "checkpoint", {}))
    for site in Site.objects.filter(subtree_q("unit__path", district.path)).select_related("unit").order_by("code"):
        points.append(Point(place_create(code=f"FC-SITE-{site.code}", name=site.name, kind="isolation_site",
                                         unit=site.unit, source_code=site.code, address=site.address, actor=hq),
                            "isolation_site", {}))
    sampling = (SamplingPoint.objects.filter(subtree_q("unit__path", district.path)).select_related("unit")
                .order_by("code").first())
    if sampling is not None:
        points.append(Point(place_create(code=f"FC-SP-{sampling.code}", name=sampling.name, kind="sampling_point",
                                         unit=sampling.unit, source_code=sampling.code, address=sampling.address,
                                         actor=hq), "sampling_point", {}))
    for point in points:
        point.daily = DAILY_USE[point.kind]
    return points


def _backdate(movements, at) -> None:
    from fangkong.supplies.models import Movement, ledger_rewrite

    # The ledger's services stamp a movement "now"; days of cover read the last week's use, so the demo's week is
    # written in order, day by day, and each day's lines are moved back to that day.
    with ledger_rewrite():
        Movement.objects.filter(pk__in=[m.pk for m in movements]).update(at=at)


def _stock(district: Unit, users: dict) -> dict:
    from fangkong.supplies.stock.services import movement_record, place_create, request_submit

    hq, office = users["hq"], users["supplies"]
    items = _items()
    warehouse = place_create(code=WAREHOUSE_CODE, name=f"{district.name}防疫物资储备库", kind="warehouse",
                             unit=district, address=f"{district.name}物流园区3号库", actor=hq)
    points = _points(district, hq)
    today = timezone.localdate()
    tz = timezone.get_current_timezone()

    def day_at(days_ago: int, hour: int) -> datetime:
        return datetime.combine(today - timedelta(days=days_ago), time(hour), tzinfo=tz)

    def issued_on(point: Point, code: str, days_ago: int) -> int:
        daily = point.daily[code]
        cover = SHORT_COVER_DAYS if (point.kind, code) == SHORT else COVER_DAYS
        # Two days' use each time (one more than the week uses); the first issue also brings what the point is to
        # hold at the end of the week beyond that one day.
        return 2 * daily + ((cover - 1) * daily if days_ago == WEEK else 0)

    totals = {code: 0 for code in items}
    for point in points:
        for code in point.daily:
            totals[code] += sum(issued_on(point, code, days_ago) for days_ago in ISSUE_DAYS)
    # The warehouse's receipt a week ago: what it issued since, and as much again in reserve.
    for code, item in items.items():
        quantity = max(totals[code] * 2, 100)
        _backdate(movement_record(place=warehouse, item=item, kind="receipt", quantity=quantity, actor=office,
                                  source="省应急物资储备调拨", note="首批储备物资入库"), day_at(WEEK + 1, 10))
    for days_ago in range(WEEK, 0, -1):
        for point in points:
            for code, daily in point.daily.items():
                if days_ago in ISSUE_DAYS:
                    quantity = issued_on(point, code, days_ago)
                    out = movement_record(place=warehouse, item=items[code], kind="issue", quantity=quantity,
                                          counterpart=point.place, actor=office, note="按日配发")
                    into = movement_record(place=point.place, item=items[code], kind="receipt", quantity=quantity,
                                           source=warehouse.name, actor=office, note="按日配发")
                    _backdate(out + into, day_at(days_ago, 8))
                _backdate(movement_record(place=point.place, item=items[code], kind="consumption", quantity=daily,
                                          actor=office, note="当日使用"), day_at(days_ago, 20))
    checkpoint = next((p.place for p in points if p.kind == "checkpoint"), None)
    request = None
    if checkpoint is not None:
        request = request_submit(place=checkpoint, lines=[(items["FK-N95"], 400), (items["FK-SUIT"], 60)],
                                 reason="N95口罩仅够2天使用，申请补充一周用量",
                                 actor=users.get("checkpoint") or office)
    donations = _donations(district, warehouse, items, office)
    return {"places": 1 + len(points), "request": request.pk if request else None, "donations": donations}


def _donations(district: Unit, warehouse, items: dict, office) -> int:
    from fangkong.supplies.stock.donations import allocation_record, donation_record

    today = timezone.localdate()
    donation_record(donor_kind="company", donor_name="汾川宏达医疗器械有限公司", donor_contact="0357-2156688",
                    kind="goods", item=items["FK-N95"], quantity=Decimal(2000), warehouse=warehouse,
                    received_on=today, purpose="支援一线卡口和隔离点", actor=office)
    money = donation_record(donor_kind="individual", donor_name="李建华", donor_contact="13935711208",
                            named_publicly=True, kind="money", amount=Decimal(5000), unit=district,
                            received_on=today - timedelta(days=2), purpose="用于困难居家隔离家庭生活保障",
                            actor=office)
    allocation_record(donation=money, amount=Decimal(3000), purpose="居家隔离困难家庭米面油采购",
                      recipient=f"{district.name}物资保障组", allocated_on=today - timedelta(days=1), actor=office)
    return 2


# --- living support ------------------------------------------------------------------------------------------------


def _households_in_home_isolation(grid: Unit, count: int) -> list:
    from fangkong.people.models import Household, ManagementStatus, Person

    buildings = Unit.objects.filter(parent=grid, level=Level.BUILDING).values("pk")
    ids = (Person.objects.filter(unit_id__in=buildings, household__isnull=False, merged_into__isnull=True,
                                 status=ManagementStatus.HOME_ISOLATION)
           .order_by("household_id").values_list("household_id", flat=True).distinct()[:count])
    return list(Household.objects.filter(pk__in=list(ids)).select_related("unit").order_by("pk"))


def _living(district: Unit, office) -> dict:
    from fangkong.supplies.living import services
    from fangkong.territory.models import Responsibility
    from fangkong.territory.selectors import responsible_for

    grid = _first(_first(_first(district, Level.STREET), Level.COMMUNITY), Level.GRID)
    households = _households_in_home_isolation(grid, 3) if grid is not None else []
    if len(households) < 3:
        return {"needs": 0, "living": "fewer than three households of the first grid are in home isolation"}
    worker = responsible_for(unit=grid, role=Responsibility.Role.GRID_WORKER)
    recorder = worker.user if worker is not None and worker.user is not None else office
    daily = [
        services.need_record(household=households[0], kind="daily", actor=recorder,
                             items=[("大米", 10, "kg"), ("食用油", 5, "L"), ("鸡蛋", 30, "个")]),
        services.need_record(household=households[1], kind="daily", actor=recorder,
                             items=[("面粉", 5, "kg"), ("青菜", 3, "kg"), ("卫生纸", 1, "提")],
                             note="家中有老人，请送到门口后电话告知"),
    ]
    urgent = services.need_record(household=households[2], kind="medicine", actor=recorder,
                                  items=[("硝苯地平控释片", 2, "盒")], note="药只够今天",
                                  prescription_note="高血压长期用药，30mg 每日一次")
    batch = services.batch_create(unit=grid, cut_off=timezone.now(), actor=office)
    delivery = services.round_create_for_batch(batch=batch, members=[office], actor=office)
    first_stop = delivery.stops.order_by("position", "pk").first()
    services.stop_confirm(stop=first_stop, note="已无接触放置门口，电话告知", actor=office)
    return {"needs": len(daily) + 1, "urgent_need": urgent.pk, "batch": batch.pk, "round": delivery.pk}


# --- reset -----------------------------------------------------------------------------------------------------------


def wipe_supplies(*, units) -> None:
    """Everything supplies holds under these units, before the city goes. Needs point at tasks and households, and
    household links at households, which _wipe_city deletes raw; the ledger's rows protect each other, so they go
    in order. The item catalogue is city-wide and stays."""
    from django.db.models import Q

    from fangkong.supplies.models import (
        Balance,
        DeliveryRound,
        DeliveryStop,
        Donation,
        DonationAllocation,
        DonationSequence,
        HouseholdLink,
        Movement,
        Need,
        Place,
        PurchaseBatch,
        SupplyRequest,
        ledger_rewrite,
    )

    Need.objects.filter(unit_id__in=units).delete()
    DeliveryStop.objects.filter(household__unit_id__in=units).delete()
    DeliveryRound.objects.filter(unit_id__in=units).delete()
    PurchaseBatch.objects.filter(unit_id__in=units).delete()
    HouseholdLink.objects.filter(household__unit_id__in=units).delete()

    places = Place.objects.filter(unit_id__in=units).values("pk")
    donations = Donation.objects.filter(Q(unit_id__in=units) | Q(warehouse_id__in=places))
    DonationAllocation.objects.filter(donation__in=donations).delete()
    donations.delete()
    movements = Movement.objects.filter(Q(place_id__in=places) | Q(counterpart_id__in=places))
    with ledger_rewrite():  # the demo city's ledger goes with it; a real ledger is never rewritten
        movements.update(pair=None)  # a transfer's two lines protect each other
        movements.delete()
    Balance.objects.filter(place_id__in=places).delete()
    SupplyRequest.objects.filter(Q(place_id__in=places) | Q(warehouse_id__in=places)).delete()
    Place.objects.filter(unit_id__in=units).delete()
    if not Donation.objects.exists():  # the demo's receipt numbers go with it; a real city's never restart
        DonationSequence.objects.all().delete()
