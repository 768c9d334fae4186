"""Daily check-ins: validation, one per half-day, proxies for dependents, fever alerts to the right owner."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fangkong.audit.models import AuditEntry
from fangkong.residents import services
from fangkong.residents.eligibility import dependents_of
from fangkong.residents.models import CheckIn
from fangkong.tasks.models import Task

pytestmark = pytest.mark.django_db


def _morning(day=None) -> datetime.datetime:
    day = day or timezone.localdate()
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(8, 30)))


def test_a_normal_check_in_is_recorded_and_raises_nothing(family):
    checkin = services.checkin_submit(reporter=family.head, person=family.head, temperature="36.6",
                                      symptoms=["none"], at=_morning())

    assert (checkin.slot, checkin.temperature, checkin.symptoms, checkin.reported_by) == ("am", Decimal("36.6"),
                                                                                          [], None)
    assert not Task.objects.filter(kind="resident_checkin_alert").exists()


def test_a_fever_becomes_an_urgent_alert_for_the_grid_worker_of_the_household(family, grid_worker_a):
    # when
    checkin = services.checkin_submit(reporter=family.head, person=family.head, temperature="38.2",
                                      symptoms=["none"], at=_morning())

    # then
    task = Task.objects.get(kind="resident_checkin_alert")
    assert checkin.alert_task == task
    assert task.owner == grid_worker_a and task.person == family.head
    assert task.priority == Task.Priority.URGENT
    assert task.due_at - task.created_at <= datetime.timedelta(hours=2, seconds=5)
    assert "38.2" in task.detail


def test_the_fever_threshold_comes_from_the_protocol(family):
    assert services.fever_threshold(family.head) == Decimal("37.3")
    services.checkin_submit(reporter=family.head, person=family.head, temperature="37.2", symptoms=["none"],
                            at=_morning())
    assert not Task.objects.filter(kind="resident_checkin_alert").exists()
    services.checkin_submit(reporter=family.head, person=family.head, temperature="37.3", symptoms=["none"],
                            at=_morning() + datetime.timedelta(hours=5))
    assert Task.objects.filter(kind="resident_checkin_alert").count() == 1


def test_any_symptom_without_fever_is_an_alert(family):
    services.checkin_submit(reporter=family.head, person=family.head, temperature="36.8", symptoms=["cough"],
                            at=_morning())

    assert Task.objects.get(kind="resident_checkin_alert").person == family.head


def test_a_second_check_in_in_the_same_half_day_updates_the_first_and_alerts_once(family):
    at = _morning()
    services.checkin_submit(reporter=family.head, person=family.head, temperature="38.5", symptoms=["fever"], at=at)
    services.checkin_submit(reporter=family.head, person=family.head, temperature="38.9", symptoms=["fever"],
                            at=at + datetime.timedelta(hours=1))

    checkin = CheckIn.objects.get()
    assert checkin.temperature == Decimal("38.9") and checkin.revisions == 1
    assert Task.objects.filter(kind="resident_checkin_alert").count() == 1
    services.checkin_submit(reporter=family.head, person=family.head, temperature="36.5", symptoms=["none"],
                            at=at + datetime.timedelta(hours=5))
    assert CheckIn.objects.count() == 2


@pytest.mark.parametrize(("temperature", "symptoms", "field"), [
    ("33.9", ["none"], "temperature"),
    ("43.1", ["none"], "temperature"),
    ("hot", ["none"], "temperature"),
    ("NaN", ["none"], "temperature"),
    ("36.5", [], "symptoms"),
    ("36.5", ["none", "cough"], "symptoms"),
    ("36.5", ["plague"], "symptoms"),
])
def test_bad_input_is_refused_with_its_field_and_nothing_is_written(family, temperature, symptoms, field):
    with pytest.raises(ValidationError) as exc:
        services.checkin_submit(reporter=family.head, person=family.head, temperature=temperature,
                                symptoms=symptoms, at=_morning())

    assert field in exc.value.message_dict
    assert CheckIn.objects.count() == 0 and Task.objects.filter(kind__startswith="resident").count() == 0


def test_dependents_are_the_children_elderly_and_phoneless_of_the_household_under_control(family):
    assert {p.pk for p in dependents_of(family.head)} == {family.child.pk, family.grandmother.pk}


def test_a_proxy_check_in_is_marked_with_who_reported_it(family, grid_worker_a):
    checkin = services.checkin_submit(reporter=family.head, person=family.child, temperature="38.0",
                                      symptoms=["cough"], at=_morning())

    assert checkin.person == family.child and checkin.reported_by == family.head and checkin.is_proxy
    task = Task.objects.get(kind="resident_checkin_alert")
    assert task.person == family.child and family.head.name in task.detail
    assert family.head.name in AuditEntry.objects.get(action="create", object_id=checkin.pk,
                                                      content_type__model="checkin").note


def test_nobody_checks_in_for_an_adult_with_a_phone_or_another_household(family, neighbour_b):
    for person in (family.spouse, family.released_child, neighbour_b):
        with pytest.raises(PermissionDenied):
            services.checkin_submit(reporter=family.head, person=person, temperature="36.5", symptoms=["none"])
    assert CheckIn.objects.count() == 0


def test_a_person_not_under_home_control_does_not_check_in(family):
    with pytest.raises(PermissionDenied):
        services.checkin_submit(reporter=family.released_child, person=family.released_child, temperature="36.5",
                                symptoms=["none"])


def test_the_alert_of_a_person_in_an_isolation_site_goes_to_the_site_doctor(family, city, grid_worker_a):
    from conftest import make_user
    from fangkong.accounts.roles import Role
    from fangkong.isolation import services as isolation
    from fangkong.isolation.models import Room, Stay

    doctor = make_user("site_doctor", Role.ISOLATION, city.a.district)
    site = isolation.site_create(code="GL-R1", name="东城宾馆隔离点", unit=city.a.district, address="迎宾路1号",
                                 actor=None, doctor=doctor)
    isolation.rooms_create(site=site, rooms=[{"number": "201", "floor": 2, "kind": "single", "beds": 1}],
                           actor=None)
    now = timezone.now()
    Stay.objects.create(person=family.head, unit=family.head.unit, category="close_contact",
                        room=Room.objects.get(site=site), site=site, status=Stay.Status.ARRIVED, queued_at=now,
                        placed_at=now, arrived_at=now)

    services.checkin_submit(reporter=family.head, person=family.head, temperature="39.0", symptoms=["none"],
                            at=_morning())

    assert Task.objects.get(kind="resident_checkin_alert").owner == doctor


def test_erasure_keeps_the_readings_and_drops_the_notes(family):
    services.checkin_submit(reporter=family.head, person=family.head, temperature="36.5", symptoms=["none"],
                            note="住址在3楼", at=_morning())

    from django.utils import timezone

    from fangkong.people.retention import Erasure

    erasure = Erasure(person_ids=[family.head.pk], id_numbers=[], phones=[], names=[], household_ids=[],
                      now=timezone.now())
    assert services.checkins_anonymise(erasure=erasure)["residents.CheckIn"] == 1
    assert CheckIn.objects.get().note == "" and CheckIn.objects.get().temperature == Decimal("36.5")
