"""Closed loops: a person leaving is put under the protocol's measures, with tasks; the unit contact gets the daily
health check and test days."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fangkong.protocols.models import Measure
from fangkong.tasks.models import Task
from fangkong.units import loops
from fangkong.units.kinds import LOOP_HEALTH_CHECK, LOOP_TEST
from fangkong.units.models import ClosedLoop, LoopEvent
from fangkong.units.tests.conftest import make_id

pytestmark = pytest.mark.django_db

SITES = [("plant", "常减压装置区"), ("dormitory", "职工宿舍"), ("canteen", "食堂")]


@pytest.fixture
def loop(refinery, contact, staff):
    today = timezone.localdate()
    return loops.loop_start(organisation=refinery, starts_on=today, planned_end_on=today + datetime.timedelta(days=14),
                            sites=SITES, staff_ids=[s.pk for s in staff], test_every_days=2, actor=contact)


def test_starting_a_loop_opens_todays_checks_for_the_unit_contact(loop, contact):
    tasks = Task.objects.filter(subject_type="units.organisation", subject_id=loop.organisation_id)
    assert sorted(tasks.values_list("kind", flat=True)) == sorted([LOOP_HEALTH_CHECK.code, LOOP_TEST.code])
    assert {t.owner for t in tasks} == {contact}
    assert loop.sites.count() == 3 and loop.members.count() == 3


def test_dispatch_is_idempotent_and_follows_the_test_schedule(loop):
    tomorrow = loop.starts_on + datetime.timedelta(days=1)
    assert loops.loop_tasks_dispatch(loop=loop, day=tomorrow) == 1  # a health check, no test on day 2
    assert loops.loop_tasks_dispatch(loop=loop, day=tomorrow) == 1
    assert Task.objects.filter(kind=LOOP_HEALTH_CHECK.code).count() == 2
    assert Task.objects.filter(kind=LOOP_TEST.code).count() == 1


def test_a_person_leaving_the_loop_is_put_under_the_protocols_measures(loop, contact, staff):
    # given
    member = loop.members.get(person=staff[0].person)
    # when
    event = loops.loop_exit_record(loop=loop, member=member, note="私自回家", actor=contact)
    # then
    measure = Measure.objects.get(person=staff[0].person)
    assert event.measure == measure and measure.status == Measure.Status.ACTIVE
    assert measure.source == "units.loop_exit" and measure.source_ref == f"loop_event:{event.pk}"
    assert measure.category == loops.loop_break_category()
    assert Task.objects.filter(person=staff[0].person).exists()
    member.refresh_from_db()
    staff[0].refresh_from_db()
    assert member.left_at is not None and staff[0].presence == "at_home"
    staff[0].person.refresh_from_db()
    assert staff[0].person.status != "normal"


def test_leaving_twice_is_refused(loop, contact, staff):
    member = loop.members.get(person=staff[0].person)
    loops.loop_exit_record(loop=loop, member=member, actor=contact)
    with pytest.raises(ValidationError):
        loops.loop_exit_record(loop=loop, member=member, actor=contact)
    assert LoopEvent.objects.count() == 1


def test_someone_coming_in_from_outside_is_put_under_measures(loop, contact, city):
    from fangkong.people.services import person_create

    visitor = person_create(name="外来司机", id_number=make_id(77), unit=city.a.building, actor=None)
    event = loops.loop_entry_record(loop=loop, id_number=make_id(77), actor=contact)
    assert event.kind == "entry" and event.measure.person == visitor
    assert loop.members.filter(person=visitor, left_at__isnull=True).exists()


def test_a_bad_loop_writes_nothing(refinery, contact, staff):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        loops.loop_start(organisation=refinery, starts_on=today, planned_end_on=today - datetime.timedelta(days=1),
                         sites=[], staff_ids=[], actor=contact)
    assert {"planned_end_on", "sites", "staff"} <= set(exc.value.message_dict)
    assert not ClosedLoop.objects.exists() and not Task.objects.exists()


def test_ending_the_loop_cancels_its_open_checks(loop, contact):
    loops.loop_end(loop=loop, actor=contact)
    loop.refresh_from_db()
    assert loop.status == ClosedLoop.Status.ENDED
    assert not Task.objects.filter(kind=LOOP_HEALTH_CHECK.code, status="open").exists()


def test_the_exit_page_records_it(loop, contact, staff, client):
    client.force_login(contact)
    member = loop.members.get(person=staff[1].person)
    response = client.post(f"/units/loops/{loop.pk}/exit/", {"member": member.pk, "note": "就医"})
    assert response.status_code == 302
    page = client.get(f"/units/loops/{loop.pk}/").content.decode()
    assert 'data-kind="exit"' in page and staff[1].person.name in page
