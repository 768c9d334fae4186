"""The demo city's passes, made through the passes services: flow 8's truck in miniature.

The city's transport group (`transport`) has issued a freight pass to a tanker of the refinery's supplies through
the first district's highway checkpoint; the checkpoint (`checkpoint`) scanned it this morning and let it through
point-to-point. A second pass expired yesterday and was refused when the driver tried it again; a third, for a
truck of vegetables, awaits review; a fourth was revoked after the truck stopped on the way. The first street's
hospital (`clinic`) has issued one escort pass (陪护"一人一证") to the relative of a patient of the street.

Deterministic; a city that already has the passes is left as it is.
"""

from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.territory.models import Level, Unit

TRANSPORT_USERNAME, TRANSPORT_PASSWORD = "transport", "demo-transport-2020"
CLINIC_USERNAME, CLINIC_PASSWORD = "clinic", "demo-clinic-2020"
FIRST_COMPANY = "汾川石化物流有限公司"
ESCORT_ID = "630102198505050022"


def _user(username: str, password: str, role: str, scope: Unit, display_name: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create(username=username, password=make_password(password), role=role, scope=scope,
                                   display_name=display_name)
    return user


def _demo_users(transport: User, clinic: User | None) -> list:
    from fangkong.demo.city import DemoUser

    users = [DemoUser(TRANSPORT_USERNAME, Role.TRANSPORT, TRANSPORT_PASSWORD, transport.scope, transport.display_name)]
    if clinic is not None:
        users.append(DemoUser(CLINIC_USERNAME, Role.CLINIC, CLINIC_PASSWORD, clinic.scope, clinic.display_name))
    return users


def seed_passes(*, city: Unit, district: Unit, seed: int = 2020) -> dict:
    """Idempotent. `seed` is unused (no random part) and kept for the scenes' common signature."""
    from fangkong.arrivals.models import Checkpoint
    from fangkong.demo.outbreak import CHECKPOINT_NAME
    from fangkong.passes.models import FreightPass

    checkpoint = (Checkpoint.objects.filter(name=CHECKPOINT_NAME).select_related("unit").first()
                  or Checkpoint.objects.filter(unit__path__startswith=district.path).select_related("unit").first())
    if checkpoint is None:
        return {"created": False, "users": []}
    with transaction.atomic():
        transport = _user(TRANSPORT_USERNAME, TRANSPORT_PASSWORD, Role.TRANSPORT, city, "市指挥部交通运输组")
        street = Unit.objects.filter(parent=district, level=Level.STREET).order_by("pk").first()
        clinic = (_user(CLINIC_USERNAME, CLINIC_PASSWORD, Role.CLINIC, street, f"{street.name}社区卫生服务中心")
                  if street is not None else None)
    users = _demo_users(transport, clinic)
    if FreightPass.objects.filter(company=FIRST_COMPANY, unit=city).exists():
        return {"created": False, "users": users}
    scanner = User.objects.filter(username="checkpoint").first()
    freight = _freight(checkpoint, transport, scanner)
    escort = _escort(clinic, street) if clinic is not None else None
    return {"created": True, **freight, "escort": escort, "users": users}


def _freight(checkpoint, transport, scanner) -> dict:
    from fangkong.passes import services

    now = timezone.now()
    common = dict(actor=transport, checkpoints=[checkpoint], driver_phone="13909710001")

    def request(**fields):
        return services.freight_pass_request(**common, **fields)

    tanker = request(company=FIRST_COMPANY, plate="青A52817", driver_name="马建国",
                     driver_id_number="630102198001010019", origin="汾川石化炼油厂",
                     destination="西宁市城北区中石油油库", cargo="fuel", cargo_note="成品油 30 吨",
                     valid_from=now - timedelta(hours=6), valid_to=now + timedelta(days=5))
    services.freight_pass_review(freight_pass=tanker, approve=True, actor=transport)
    old = request(company=FIRST_COMPANY, plate="青AD31260", driver_name="韩志强",
                  driver_id_number="630102198001010019", origin="汾川石化炼油厂", destination="东城区人民医院",
                  cargo="medical", cargo_note="医用酒精 200 箱",
                  valid_from=now - timedelta(days=4), valid_to=now - timedelta(days=1))
    services.freight_pass_review(freight_pass=old, approve=True, actor=transport)
    request(company="绿源蔬菜配送中心", plate="青B27713", driver_name="祁永福", driver_id_number="630102198001010019",
            origin="湟中区蔬菜基地", destination="东城区东关社区", cargo="daily", cargo_note="蔬菜 5 吨",
            valid_from=now + timedelta(hours=2), valid_to=now + timedelta(days=3))
    stopped = request(company="顺达货运", plate="青A9K276", driver_name="李德胜", driver_id_number="630102198001010019",
                      origin="曹家堡物流园", destination="汾川石化炼油厂", cargo="production",
                      valid_from=now - timedelta(days=1), valid_to=now + timedelta(days=2))
    services.freight_pass_review(freight_pass=stopped, approve=True, actor=transport)
    services.freight_pass_revoke(freight_pass=stopped, reason="途中擅自停车卸货，违反点对点要求", actor=transport)
    scans = 0
    if scanner is not None:
        for freight_pass in (tanker, old, stopped):
            services.freight_pass_scan(code=services.freight_code(freight_pass), checkpoint=checkpoint,
                                       actor=scanner, at=now - timedelta(hours=2))
            scans += 1
    return {"issued": tanker.number, "expired": old.number, "scans": scans}


def _escort(clinic, street) -> str | None:
    from fangkong.passes import services
    from fangkong.people.models import Person

    patient = (Person.objects.filter(unit__path__startswith=street.path).exclude(id_number=ESCORT_ID)
               .order_by("pk").first())
    if patient is None:
        return None
    now = timezone.now()
    escort_pass = services.escort_pass_issue(
        actor=clinic, patient=patient, ward="呼吸内科二病区", escort_name="张秀兰", escort_id_number=ESCORT_ID,
        escort_phone="13897200017", tested_at=now - timedelta(hours=10), valid_from=now - timedelta(hours=1),
        valid_to=now + timedelta(days=7))
    return escort_pass.number


def wipe_passes(*, units) -> None:
    """Everything passes holds under these units, before the city goes (route stops and scans point at its
    checkpoints, escort passes at its people)."""
    from fangkong.passes.models import EscortPass, FreightPass, RouteStop, Scan

    Scan.objects.filter(Q(unit_id__in=units) | Q(checkpoint__unit_id__in=units)).delete()
    RouteStop.objects.filter(checkpoint__unit_id__in=units).delete()
    FreightPass.objects.filter(Q(unit_id__in=units) | Q(origin_unit_id__in=units)
                               | Q(destination_unit_id__in=units)).delete()
    EscortPass.objects.filter(Q(unit_id__in=units) | Q(patient__unit_id__in=units)).delete()
