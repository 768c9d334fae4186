"""The demo city's first day of "keep imports out" (外防输入), made through the modules' own services.

Seed 004 (Zhumadian, January 2021) in miniature: 西平县 of 驻马店 is a high-risk area, one street of our own is
marked medium "when in doubt", a highway exit checkpoint has today's duty shifts, and three cars have come
through it. The family of three from 西平县 is handed to grid1's grid: grid1's inbox holds their first
contacts, transfers and test days, and their pages show the rule set that governs them.
"""

from datetime import datetime, time, timedelta

from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.arrivals.jobs import hand_over_arrival
from fangkong.arrivals.models import Arrival, Checkpoint
from fangkong.arrivals.services import checkpoint_create, passage_record
from fangkong.demo.ids import resident_id
from fangkong.risk.models import RiskArea
from fangkong.risk.services import risk_area_declare
from fangkong.territory.models import Level, Unit
from fangkong.workforce.selectors import post_for
from fangkong.workforce.services import shift_create

CHECKPOINT_NAME = "G5京昆高速汾川东站口"
ORIGIN = "河南省驻马店市西平县柏城街道"


def _car(plate: str, people: list[tuple[str, str]], destination: Unit, *, left_on, origin: str = ORIGIN,
         temperature: str = "36.5", health_code: str = "green", tested: bool = True) -> dict:
    return {"plate": plate, "occupants": [
        {"name": name, "id_number": id_number, "phone": "", "temperature": temperature, "health_code": health_code,
         "negative_test_within_48h": tested, "origin_text": origin, "left_origin_on": left_on.isoformat(),
         "destination": destination.pk, "destination_address": f"{destination.name}"}
        for name, id_number in people]}


def seed_outbreak(*, city: Unit, grid1: Unit) -> dict:
    """Idempotent: a city that already has the checkpoint is left as it is."""
    if Checkpoint.objects.filter(name=CHECKPOINT_NAME).exists():
        return {"checkpoint": CHECKPOINT_NAME, "created": False}
    hq = User.objects.get(username="hq")
    officer = User.objects.get(username="officer")
    staff = User.objects.get(username="checkpoint")
    district = officer.scope
    today = timezone.localdate()

    risk_area_declare(level="high", actor=hq, code="411721", name="河南省驻马店市西平县",
                      reason="驻马店市疫情防控指挥部公告：西平县列为高风险地区", source="demo")
    risk_area_declare(level="medium", actor=hq, code="130100", name="河北省石家庄市",
                      reason="石家庄市疫情：适当扩大风险地区认定范围", source="demo")
    near = Unit.objects.filter(parent=district, level=Level.STREET).order_by("-pk").first()
    if near is not None and not RiskArea.objects.filter(unit=near).exists():
        risk_area_declare(level="low", actor=officer, unit=near, reason="与西平县有人员往来，宁可扩大范围")

    checkpoint = checkpoint_create(name=CHECKPOINT_NAME, kind="highway_exit", unit=district,
                                   location="京昆高速汾川东出口收费站外广场", actor=officer)
    post = post_for(subject_type="arrivals.checkpoint", subject_id=checkpoint.pk)
    tz = timezone.get_current_timezone()
    for start, end, leader, members in ((time(0), time(8), "王建国", "李强、赵敏（志愿者）"),
                                        (time(8), time(16), staff, "刘洋、陈静（志愿者）"),
                                        (time(16), time(0), "孙立", "周平、吴磊（志愿者）")):
        starts = datetime.combine(today, start, tzinfo=tz)
        ends = datetime.combine(today + timedelta(days=1) if end == time(0) else today, end, tzinfo=tz)
        shift_create(post=post, starts_at=starts, ends_at=ends, actor=officer,
                     leader=leader if isinstance(leader, User) else None,
                     leader_name="" if isinstance(leader, User) else leader,
                     leader_phone="" if isinstance(leader, User) else "13903570001", members_text=members)

    yesterday = today - timedelta(days=1)
    family = [("张卫东", resident_id("411721", datetime(1979, 3, 12).date(), 31)),
              ("李秀梅", resident_id("411721", datetime(1981, 7, 2).date(), 42)),
              ("张子涵", resident_id("411721", datetime(2012, 10, 20).date(), 53))]
    cars = [
        _car("豫Q8K625", family, grid1, left_on=yesterday),
        _car("晋L3A901", [("赵海峰", resident_id("130102", datetime(1988, 5, 6).date(), 17))], grid1,
             left_on=today, origin="河北省石家庄市长安区"),
        _car("晋L52688", [("郭晓东", resident_id("141002", datetime(1975, 1, 9).date(), 25))], grid1, left_on=today,
             origin="山西省太原市小店区"),
    ]
    for n, car in enumerate(cars):
        passage_record(checkpoint=checkpoint, plate=car["plate"], occupants=car["occupants"],
                       client_key=f"demo-outbreak-{n}", actor=staff)
    # The worker hands arrivals over; the demo does it now so the city is complete before anything runs.
    for arrival_id in Arrival.objects.filter(destination=grid1).values_list("pk", flat=True):
        hand_over_arrival.call(arrival_id)
    return {"checkpoint": CHECKPOINT_NAME, "created": True}


def wipe_outbreak(*, units) -> None:
    """Everything seed_outbreak made under these units (and its outside risk areas), before the city goes.

    Few rows: the ORM's delete follows the cascades; the people themselves go with the city.
    """
    from fangkong.arrivals.models import Arrival, Passage, ReportLink, SelfReport
    from fangkong.protocols.models import Measure, Reminder
    from fangkong.workforce.models import Post

    Reminder.objects.filter(measure__person__unit_id__in=units).delete()
    Measure.objects.filter(person__unit_id__in=units).delete()
    Arrival.objects.filter(destination_id__in=units).delete()
    Passage.objects.filter(checkpoint__unit_id__in=units).delete()
    SelfReport.objects.filter(destination_id__in=units).delete()
    ReportLink.objects.filter(unit_id__in=units).delete()
    Checkpoint.objects.filter(unit_id__in=units).delete()
    Post.objects.filter(unit_id__in=units).delete()
    RiskArea.objects.filter(unit_id__in=units).delete()
    RiskArea.objects.filter(unit__isnull=True, source="demo").delete()
