"""The demo city's residents' side (居民端): a household of the first grid under home isolation has been checking in
since yesterday, the head of the household also for a child or an elderly member (a proxy report), and a neighbour
reported 38.4 °C with a cough this morning: the grid worker's inbox has the urgent alert.

A demo visitor signs in at /residents/ with the ID number this scene returns ("resident"); the code goes to the
notify backend (the console backend prints it in the worker's log) and, with FANGKONG_DEBUG and FANGKONG_DEMO set,
is also shown on the code page.

Deterministic; a city whose chosen resident already has check-ins is left as it is.
"""

import datetime

from django.utils import timezone

from fangkong.territory.models import Level, Unit

_MOBILE_PREFIXES = tuple(f"1{d}" for d in "3456789")


def _first(parent: Unit | None, level: int) -> Unit | None:
    if parent is None:
        return None
    return Unit.objects.filter(parent=parent, level=level).order_by("pk").first()


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _candidates(grid: Unit):
    from fangkong.people.models import IdType, Person
    from fangkong.residents.eligibility import CHECKIN_STATUSES

    buildings = Unit.objects.filter(parent=grid, level=Level.BUILDING).values("pk")
    return [p for p in (Person.objects.filter(unit_id__in=buildings, status__in=CHECKIN_STATUSES,
                                              id_type=IdType.RESIDENT, merged_into__isnull=True,
                                              anonymised_at__isnull=True)
                        .select_related("unit", "household").order_by("household_id", "pk")[:400])
            if len(p.phone) == 11 and p.phone.startswith(_MOBILE_PREFIXES)]


def _dependent_put_home(people) -> list:
    """No household of the grid has a child, an elderly or a phoneless member under control: the first one with
    such a member at home puts them under home isolation with the rest (through people's service)."""
    from fangkong.people.models import ManagementStatus, Person
    from fangkong.people.services import person_status_change
    from fangkong.residents.eligibility import needs_proxy

    for head in people:
        if head.household_id is None:
            continue
        members = Person.objects.filter(household_id=head.household_id, status=ManagementStatus.NORMAL,
                                        merged_into__isnull=True, anonymised_at__isnull=True).exclude(pk=head.pk)
        member = next((m for m in members.order_by("birth_date", "pk") if needs_proxy(m)), None)
        if member is not None:
            person_status_change(person=member, to_status=ManagementStatus.HOME_ISOLATION, actor=None,
                                 cause="同户人员居家隔离")
            member.refresh_from_db()
            member.household_head = head
            return [member]
    return []


def seed_residents(*, city: Unit, district: Unit, seed: int = 2020) -> dict:
    """Idempotent. `seed` is unused (the scene has no random part) and kept for the scenes' common signature."""
    from fangkong.residents import services
    from fangkong.residents.eligibility import dependents_of
    from fangkong.residents.models import CheckIn

    grid = _first(_first(_first(district, Level.STREET), Level.COMMUNITY), Level.GRID)
    people = _candidates(grid) if grid is not None else []
    if len(people) < 2:
        return {"created": False, "users": [], "reason": "fewer than two people of the first grid under home "
                                                         "isolation or monitoring have a mobile phone"}
    with_dependents = [(p, dependents_of(p)) for p in people[:60]]
    resident, dependents = next(((p, d) for p, d in with_dependents if d), (people[0], []))
    info = {"resident": {"name": resident.name, "id_number": resident.id_number, "person_id": resident.pk}}
    if CheckIn.objects.filter(person=resident).exists():
        return {"created": False, "users": [], **info}
    if not dependents:
        dependents = _dependent_put_home(people[:60])
        if dependents:
            resident = dependents[0].household_head
            info["resident"] = {"name": resident.name, "id_number": resident.id_number, "person_id": resident.pk}
    # The alert is a neighbour's: the demo resident's own page stays calm.
    neighbour = next((p for p in people if p.household_id != resident.household_id or p.household_id is None),
                     resident)

    now = timezone.now()
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    submitted = [
        services.checkin_submit(reporter=resident, person=resident, temperature="36.5", symptoms=["none"],
                                at=_at(yesterday, 8, 10)),
        services.checkin_submit(reporter=resident, person=resident, temperature="36.7", symptoms=["none"],
                                at=_at(yesterday, 16, 40)),
    ]
    if now > _at(today, 7, 30):
        submitted.append(services.checkin_submit(reporter=resident, person=resident, temperature="36.4",
                                                 symptoms=["none"], at=_at(today, 7, 30)))
    proxy = None
    if dependents:
        proxy = services.checkin_submit(reporter=resident, person=dependents[0], temperature="36.6",
                                        symptoms=["none"], note="家长代报", at=_at(yesterday, 8, 15))
        submitted.append(proxy)
    alert_at = min(now - datetime.timedelta(minutes=20), _at(today, 9, 5)) if now > _at(today, 0, 30) else now
    alert = services.checkin_submit(reporter=neighbour, person=neighbour, temperature="38.4", symptoms=["cough"],
                                    note="夜里开始咳嗽", at=alert_at)
    submitted.append(alert)
    return {"created": True, "users": [], **info, "checkins": len(submitted),
            "proxy": proxy.pk if proxy is not None else None, "alert_task": alert.alert_task_id}


def wipe_residents(*, units) -> None:
    """Everything residents holds about people under these units, before the city goes."""
    from fangkong.residents.models import CheckIn, CodeChallenge, ResidentSession

    CheckIn.objects.filter(person__unit_id__in=units).delete()
    ResidentSession.objects.filter(person__unit_id__in=units).delete()
    CodeChallenge.objects.filter(person__unit_id__in=units).delete()
    # Challenges of unknown ID numbers belong to no one: they go with the demo.
    CodeChallenge.objects.filter(person__isnull=True).delete()
