"""The demo city's units (单位), made through the units services: DOMAIN.md's eighth flow in miniature.

In the first district's first community, a refinery (炼油厂) is in closed loop since three days ago with its
plant, dormitory and canteen and about thirty staff of the archive (its staff list was loaded from its own file);
yesterday one worker left the loop and is under the protocol's measures. A school of the same street has applied
to reopen (开学) and waits for the street's review; a smelter (冶炼厂) was approved to resume work two days ago and
has its staggered shifts (错峰). The refinery's safety officer signs in as `refinery` (role unit contact).

Deterministic for a seed; a district that already has the refinery is left as it is.
"""

import datetime
import random

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.territory.models import Level, Unit

REFINERY = "东城石化炼油厂"
SCHOOL = "东城区第一中学"
SMELTER = "东城有色冶炼厂"
CONTACT_USERNAME = "refinery"
CONTACT_PASSWORD = "demo-unit-2020"
STAFF = 30
ROLES = ("操作工", "操作工", "操作工", "班长", "化验员", "设备维护", "安全员", "调度")


def _first(parent: Unit | None, level: int) -> Unit | None:
    if parent is None:
        return None
    return Unit.objects.filter(parent=parent, level=level).order_by("pk").first()


def _contact(community: Unit) -> tuple[User, bool]:
    user = User.objects.filter(username=CONTACT_USERNAME).first()
    if user is not None:
        return user, False
    return User.objects.create(username=CONTACT_USERNAME, password=make_password(CONTACT_PASSWORD),
                               role=Role.UNIT_CONTACT, scope=community, display_name="炼油厂安全员"), True


def _demo_user(user: User):
    from fangkong.demo.city import DemoUser

    return DemoUser(CONTACT_USERNAME, Role.UNIT_CONTACT, CONTACT_PASSWORD, user.scope, user.display_name)


def _roster_file(persons, rng: random.Random) -> bytes:
    lines = ["姓名,身份证号,手机,岗位,状态,住宿舍,来自风险地区"]
    for n, person in enumerate(persons):
        presence = "外出" if n % 10 == 9 else "在岗"
        lines.append(f"{person.name},{person.id_number},,{rng.choice(ROLES)},{presence},"
                     f"{'是' if n % 3 else '否'},否")
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def seed_units(*, city: Unit, district: Unit, seed: int = 2020) -> dict:
    from fangkong.units import loops, resumption, roster, selectors, services
    from fangkong.units.defaults import seed_default_checklists
    from fangkong.units.models import Organisation

    seed_default_checklists()
    street = _first(district, Level.STREET)
    community = _first(street, Level.COMMUNITY)
    if community is None:
        return {"created": False, "users": []}
    existing = Organisation.objects.filter(unit=community, name=REFINERY).first()
    if existing is not None:
        user = User.objects.filter(username=CONTACT_USERNAME).first()
        return {"created": False, "users": [_demo_user(user)] if user else []}
    from fangkong.people.models import Person

    rng = random.Random(seed)
    persons = list(Person.objects.filter(unit__path__startswith=community.path, status="normal",
                                         id_type="resident", merged_into__isnull=True,
                                         birth_date__year__range=(1965, 2002)).order_by("pk")[:STAFF * 4])
    rng.shuffle(persons)
    persons = persons[:STAFF]
    today = timezone.localdate()
    with transaction.atomic():
        user, _made = _contact(community)
        refinery = services.organisation_create(
            unit=community, name=REFINERY, kind="enterprise", industry="石油化工", address=f"{community.name}炼化路1号",
            contact_name="马安全", contact_phone="13909990001", status=Organisation.Status.OPEN, actor=None)
        services.contact_link(organisation=refinery, user=user, actor=None)
        report = roster.roster_import(organisation=refinery, data=_roster_file(persons, rng), filename="员工名单.csv",
                                      actor=None)
        services.plan_upload(organisation=refinery, actor=None, text=(
            "一、成立疫情防控领导小组，厂长任组长。\n二、实行闭环管理：生产区、职工宿舍、食堂三点一线。\n"
            "三、每日两次测温，每两天全员核酸检测。\n四、发现发热等症状立即隔离观察并报告街道。"))
        staff = [s for s in selectors.staff_list(organisation=refinery) if s.presence == "on_site"]
        loop = loops.loop_start(organisation=refinery, starts_on=today - datetime.timedelta(days=3),
                                planned_end_on=today + datetime.timedelta(days=11),
                                sites=[("plant", "常减压生产区"), ("dormitory", "职工宿舍"), ("canteen", "职工食堂")],
                                staff_ids=[s.pk for s in staff], test_every_days=2, actor=None)
        # Yesterday's check was never reported: the unit's page and the list show it overdue.
        loops.loop_tasks_dispatch(loop=loop, day=today - datetime.timedelta(days=1))
        leaver = loop.members.order_by("pk").first()
        exit_event = loops.loop_exit_record(loop=loop, member=leaver, actor=None, note="家中有事，未经报备离厂",
                                            at=timezone.now() - datetime.timedelta(days=1))

        school = services.organisation_create(unit=community, name=SCHOOL, kind="school", contact_name="周校长",
                                              contact_phone="13909990002", address=f"{community.name}学府路8号",
                                              actor=None)
        items = selectors.checklist_items(kind="school")
        resumption.application_submit(
            organisation=school, planned_reopen_on=today + datetime.timedelta(days=3), actor=None,
            note="拟分年级错峰返校，初三先行。",
            answers=[resumption.Answer(item_id=i.pk, met=True) for i in items[:-1]]
            + [resumption.Answer(item_id=items[-1].pk, met=False, note="食堂分餐隔板正在安装")])

        smelter = services.organisation_create(unit=street, name=SMELTER, kind="enterprise", industry="有色金属冶炼",
                                               contact_name="胡厂长", contact_phone="13909990003", actor=None)
        answers = [resumption.Answer(item_id=i.pk, met=True) for i in selectors.checklist_items(kind="enterprise")]
        approved = resumption.application_submit(organisation=smelter, planned_reopen_on=today, answers=answers,
                                                 actor=None)
        resumption.application_review(application=approved, decision="approve", actor=None)
        shifts = (("熔炼车间早班", 7, (6, 30, 6, 50), 60), ("电解车间早班", 8, (7, 30, 7, 50), 45),
                  ("行政后勤", 9, (8, 20, 8, 50), 20))
        for name, start, window, headcount in shifts:
            services.shift_add(organisation=smelter, name=name, starts_at=datetime.time(start),
                               arrive_from=datetime.time(window[0], window[1]),
                               arrive_until=datetime.time(window[2], window[3]), headcount=headcount, actor=None)
    return {"created": True, "refinery": refinery.pk, "staff": report.created, "in_loop": loop.members.count(),
            "exit_measure": exit_event.measure_id, "school": school.pk, "smelter": smelter.pk,
            "users": [_demo_user(user)]}


def wipe_units(*, units) -> None:
    """Everything units holds under these units, before the city goes (its rows point at persons, users and
    measures that _wipe_city deletes raw). Checklists are city-wide and stay."""
    from fangkong.units.models import Organisation

    Organisation.objects.filter(unit_id__in=units).delete()
