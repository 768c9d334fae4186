"""The demo city's fever clinics and disinfection, made through the units services (issue 12).

In the first district's first community the district hospital's fever clinic (东城区人民医院发热门诊) has reported
fever patients from the archive for two weeks, two to five a day; today eleven have come, an unexplained rise the
clinic page and the overview flag. The older patients' tests are negative and their home visits done; today's are
open. The clinic's triage nurse signs in as `fever_clinic` (role fever clinic).

Disinfection: the tracing demo's cases get their terminal disinfection orders from the job; a cold store's positive
environment sample has a manual order; the community's farmers' market (东城农贸市场) is disinfected three times a
day, today's tasks open.

Deterministic for a seed; a district that already has the clinic is left as it is.
"""

import datetime
import random

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.territory.models import Level, Unit

HOSPITAL = "东城区人民医院"
MARKET = "东城农贸市场"
CLINIC_USERNAME = "fever_clinic"
CLINIC_PASSWORD = "demo-clinic-2020"
DAYS = 14
TODAY_RISE = 11
SYMPTOMS = ("发热", "发热、咳嗽", "发热、咽痛", "发热、乏力", "发热、肌肉酸痛")
DISPOSITIONS = ("sent_home", "sent_home", "observation", "admitted", "referred")


def _first(parent: Unit | None, level: int) -> Unit | None:
    if parent is None:
        return None
    return Unit.objects.filter(parent=parent, level=level).order_by("pk").first()


def _clinic_user(community: Unit) -> User:
    user = User.objects.filter(username=CLINIC_USERNAME).first()
    if user is None:
        user = User.objects.create(username=CLINIC_USERNAME, password=make_password(CLINIC_PASSWORD),
                                   role=Role.CLINIC, scope=community, display_name="发热门诊预检分诊护士")
    return user


def _demo_user(user: User):
    from fangkong.demo.city import DemoUser

    return DemoUser(CLINIC_USERNAME, Role.CLINIC, CLINIC_PASSWORD, user.scope, user.display_name)


def _close(task, outcome: str) -> None:
    from fangkong.tasks.services import task_complete

    if task is not None and task.is_open:
        task_complete(task=task, outcome=outcome, actor=None)


def seed_clinics(*, city: Unit, district: Unit, seed: int = 2020) -> dict:
    from fangkong.people.models import Person
    from fangkong.units import services as unit_services
    from fangkong.units.clinics import services
    from fangkong.units.disinfection import services as disinfection
    from fangkong.units.models import Organisation

    street = _first(district, Level.STREET)
    community = _first(street, Level.COMMUNITY)
    if community is None:
        return {"created": False, "users": []}
    if Organisation.objects.filter(unit=community, name=HOSPITAL).exists():
        user = User.objects.filter(username=CLINIC_USERNAME).first()
        return {"created": False, "users": [_demo_user(user)] if user else []}
    rng = random.Random(seed)
    counts = [rng.randint(2, 5) for _day in range(DAYS - 1)] + [TODAY_RISE]
    persons = list(Person.objects.filter(unit__path__startswith=district.path, status="normal", id_type="resident",
                                         merged_into__isnull=True).order_by("pk")[:sum(counts) * 3])
    rng.shuffle(persons)
    persons = persons[:sum(counts)]
    today = timezone.localdate()
    now = timezone.now()
    reports = 0
    with transaction.atomic():
        user = _clinic_user(community)
        hospital = unit_services.organisation_create(
            unit=community, name=HOSPITAL, kind="hospital", industry="医疗卫生", address=f"{community.name}人民路18号",
            contact_name="林主任", contact_phone="13909990101", status=Organisation.Status.OPEN, actor=None)
        clinic = services.clinic_register(organisation=hospital, kind="fever_clinic", actor=None)
        services.clinic_staff_link(clinic=clinic, user=user, actor=None)
        people = iter(persons)
        for back, n in zip(range(DAYS - 1, -1, -1), counts, strict=True):
            day = today - datetime.timedelta(days=back)
            for i in range(n):
                person = next(people, None)
                if person is None:
                    break
                seen_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(8 + (i * 7) % 12,
                                                                                           rng.randint(0, 59))))
                if seen_at > now:
                    # Today before 20:00: spread today's patients between midnight and now.
                    midnight = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
                    seen_at = midnight + (now - midnight) * (i + 1) / (n + 1)
                report = services.fever_report_create(
                    clinic=clinic, name=person.name, id_number=person.id_number, seen_at=seen_at,
                    temperature=f"{rng.choice((37.5, 37.8, 38.0, 38.2, 38.5, 38.9, 39.2)):.1f}",
                    symptoms=rng.choice(SYMPTOMS), history="近14天无中高风险地区旅居史", sampled=True,
                    disposition=rng.choice(DISPOSITIONS), actor=None)
                reports += 1
                if back > 0:
                    _close(report.test_task, "result_negative")
                    _close(report.followup_task, "visited_well")

        disinfection.order_create(unit=community, place_name="东城冷链食品仓库3号冷库",
                                  address=f"{community.name}物流园3号",
                                  reason="环境样本（冷库门把手）核酸阳性，昨日采样", source="environment", actor=None)
        market = unit_services.organisation_create(
            unit=community, name=MARKET, kind="market", address=f"{community.name}菜市街1号", contact_name="何经理",
            contact_phone="13909990102", status=Organisation.Status.OPEN, actor=None)
        disinfection.schedule_create(unit=community, organisation=market, place_name="", times_per_day=3,
                                     starts_on=today - datetime.timedelta(days=7), actor=None)
    orders = disinfection.orders_for_new_cases()
    routine = disinfection.routine_tasks_dispatch(day=today)
    return {"created": True, "clinic": clinic.pk, "reports": reports, "case_orders": orders,
            "routine_tasks": routine, "users": [_demo_user(user)]}


def wipe_clinics(*, units) -> None:
    """Everything of clinics and disinfection under these units; call before wipe_units (reports protect their
    clinic, records their stock movement)."""
    from django.db.models import Q

    from fangkong.units.models import (
        Clinic,
        DisinfectionCursor,
        DisinfectionOrder,
        DisinfectionRecord,
        DisinfectionSchedule,
        FeverReport,
    )

    DisinfectionRecord.objects.filter(unit_id__in=units).delete()
    DisinfectionOrder.objects.filter(unit_id__in=units).delete()
    DisinfectionSchedule.objects.filter(Q(unit_id__in=units) | Q(organisation__unit_id__in=units)).delete()
    FeverReport.objects.filter(clinic__organisation__unit_id__in=units).delete()
    Clinic.objects.filter(organisation__unit_id__in=units).delete()
    DisinfectionCursor.objects.all().delete()
