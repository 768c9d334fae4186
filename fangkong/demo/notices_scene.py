"""The demo city's public notices and compound gates, made through the notices services.

The HQ published a city-wide notice on testing (in force), and a notice sealing the first district's first
community, later superseded by one that keeps only one gate of it open; the first district withdrew a notice on
market hours it had published by mistake. The community's officer recorded its gates: the north gate open, the
others closed (只留一个进出口), with coordinates for the command map.

Deterministic; a city that already has the notices is left as it is.
"""

from datetime import timedelta
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.territory.models import Level, Unit

CITY_TITLE = "关于开展全员核酸检测的通告"
SEAL_TITLE = "关于对{name}实施封控管理的通告"
SUCCESSOR_TITLE = "关于调整{name}管控措施的通告"
MARKET_TITLE = "关于调整农贸市场营业时间的通告"


def seed_notices(*, city: Unit, district: Unit, seed: int = 2020) -> dict:
    """Idempotent. `seed` is unused (no random part) and kept for the scenes' common signature."""
    from fangkong.notices import services
    from fangkong.notices.models import Notice

    hq = User.objects.filter(username="hq").first()
    officer = User.objects.filter(username="officer").first()
    street = Unit.objects.filter(parent=district, level=Level.STREET).order_by("pk").first()
    community = Unit.objects.filter(parent=street, level=Level.COMMUNITY).order_by("pk").first() if street else None
    if hq is None or community is None:
        return {"created": False, "users": []}
    if Notice.objects.filter(unit=city, title=CITY_TITLE).exists():
        return {"created": False, "users": []}
    now = timezone.now()
    testing = services.notice_publish(
        actor=hq, targets=[city], effective_at=now - timedelta(days=1), title=CITY_TITLE,
        body="为尽快阻断疫情传播，市疫情防控指挥部决定在全市开展全员核酸检测。\n\n"
             "一、检测对象：全市范围内所有人员，做到应检尽检、不漏一人。\n\n"
             "二、检测时间：自通告发布之日起，每日8:00至20:00。\n\n"
             "三、请市民就近到社区采样点检测，全程佩戴口罩，保持1米以上间距。")
    sealed = services.notice_publish(
        actor=hq, targets=[community], effective_at=now - timedelta(days=3),
        title=SEAL_TITLE.format(name=community.name),
        body=f"{community.name}发现新冠肺炎确诊病例，经研判，即日起对{community.name}实施封控管理。\n\n"
             "封控期间，人员足不出户、上门服务，生活物资统一配送到户。")
    successor = services.notice_publish(
        actor=hq, targets=[community], effective_at=now - timedelta(hours=6),
        title=SUCCESSOR_TITLE.format(name=community.name), supersedes=sealed,
        body=f"经连续3轮核酸检测未发现新增感染者，{community.name}调整为管控区。\n\n"
             "小区只留北门一个进出口，居民凭出入证、测温、扫码进出，每户每天可安排1人外出采购。")
    withdrawn = None
    if officer is not None:
        market = services.notice_publish(
            actor=officer, targets=[district], effective_at=now - timedelta(days=2), title=MARKET_TITLE,
            body="区内农贸市场营业时间调整为每日6:00至14:00。")
        withdrawn = services.notice_withdraw(notice=market, reason="与市指挥部最新要求不一致，予以撤回",
                                             actor=officer).number
        _gates(community, officer)
    return {"created": True, "in_force": [testing.number, successor.number], "superseded": sealed.number,
            "withdrawn": withdrawn, "users": []}


def _gates(community: Unit, officer: User) -> None:
    from fangkong.notices import services

    since = timezone.now() - timedelta(hours=6)
    lat, lng = Decimal("36.617000"), Decimal("101.778000")
    for n, (name, is_open) in enumerate((("北门", True), ("南门", False), ("东侧门", False))):
        services.gate_save(actor=officer, unit=community, name=name, is_open=is_open, since=since,
                           lat=lat + Decimal("0.001") * n, lng=lng + Decimal("0.0012") * n,
                           note="唯一进出口，24小时值守" if is_open else "已封闭")


def wipe_notices(*, units) -> None:
    """Everything notices holds under these units, before the city goes."""
    from fangkong.notices.models import Gate, Notice, NoticeTarget

    Gate.objects.filter(unit_id__in=units).delete()
    notices = Notice.objects.filter(Q(unit_id__in=units) | Q(target_rows__unit_id__in=units)).values("id")
    ids = list(notices)
    Notice.objects.filter(superseded_by_id__in=[row["id"] for row in ids]).update(superseded_by=None)
    NoticeTarget.objects.filter(notice_id__in=[row["id"] for row in ids]).delete()
    Notice.objects.filter(pk__in=[row["id"] for row in ids]).delete()
