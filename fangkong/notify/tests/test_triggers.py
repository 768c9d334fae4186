"""scan_events: the protocol's messages from other modules' events, once per event however often it scans."""
# ruff: noqa: F401, F811  (fixtures of the testing and isolation apps, imported to build their real events)

import datetime

import pytest
from django.utils import timezone

from fangkong.isolation import selectors as isolation_selectors
from fangkong.isolation import services as isolation_services
from fangkong.isolation.tests.conftest import driver, family_a, site_a, site_staff
from fangkong.notify import jobs, triggers
from fangkong.notify.backends import locmem
from fangkong.notify.models import Message, TriggerCursor
from fangkong.people.models import Person, StatusChange
from fangkong.people.services import person_status_change
from fangkong.protocols.jobs import send_protocol_reminders
from fangkong.protocols.services import measure_end, measure_start
from fangkong.testing.tests.conftest import lab, point_a, positive_tube_a, resident_b, residents_a, round_a

pytestmark = pytest.mark.django_db


def sent(kind):
    return [m for m in locmem.outbox if m.kind == kind]


def test_a_positive_pool_tells_each_member_at_once_and_a_second_scan_sends_nothing(positive_tube_a, residents_a,
                                                                                     grid_a):
    # given a positive 10-in-1 tube of district A
    # when the scan runs twice
    jobs.scan_events()
    jobs.scan_events()
    # then each of the ten members got one urgent message, with their own event key
    messages = Message.objects.filter(kind="positive_pool")
    assert messages.count() == 10 and {m.status for m in messages} == {"sent"} and all(m.urgent for m in messages)
    assert sorted(m.phone for m in sent("positive_pool")) == sorted(p.phone for p in residents_a[:10])
    assert "原地等候" in sent("positive_pool")[0].text
    assert TriggerCursor.objects.get(trigger="positive_pool").last_id > 0


def test_a_measure_start_tells_the_category_and_the_dates(make_person):
    person = make_person()
    today = timezone.localdate()
    measure = measure_start(person=person, category="close_contact", day_one=today, actor=None, source="tracing")
    jobs.scan_events()
    jobs.scan_events()
    [message] = sent("measure_start")
    assert message.phone == person.phone and "密切接触者" in message.text
    assert f"{measure.ends_on.month}月{measure.ends_on.day}日" in message.text
    assert Message.objects.get(kind="measure_start").event_key == f"measure_start:{measure.pk}"


def test_a_measure_ended_early_and_a_release_are_told_once_each(make_person):
    person = make_person()
    measure = measure_start(person=person, category="close_contact", day_one=timezone.localdate(), actor=None,
                            source="tracing")
    jobs.scan_events()
    measure_end(measure=measure, reason="recorded in error", actor=None)
    person_status_change(person=person, to_status="released", cause="measure ended", actor=None)
    jobs.scan_events()
    jobs.scan_events()
    assert len(sent("measure_end")) == 1 and len(sent("release")) == 1
    assert "解除管理" in sent("release")[0].text


def test_a_person_without_a_phone_gets_a_task_for_the_grid_worker_instead(make_person, grid_a):
    person = make_person(phone="")
    measure_start(person=person, category="close_contact", day_one=timezone.localdate(), actor=None,
                  source="tracing")
    jobs.scan_events()
    jobs.scan_events()
    message = Message.objects.get(kind="measure_start")
    assert message.status == "unreachable" and message.task.owner == grid_a


def test_a_transfer_trip_with_a_departure_time_tells_everyone_on_it(family_a, officer_a, site_a, driver):
    Person.objects.filter(pk__in=[p.pk for p in family_a]).update(phone="13700001111")
    Person.objects.filter(pk=family_a[3].pk).update(phone="13700002222")
    entries = isolation_selectors.placement_queue(user=officer_a)
    proposal = isolation_selectors.propose(user=officer_a, entries=entries)
    stays = isolation_services.placement_confirm(groups=proposal.groups, actor=officer_a)
    departs = timezone.now() + datetime.timedelta(hours=2)
    trip = isolation_services.trip_create(site=site_a, stays=stays, vehicle="青H12345", driver_name="钱师傅",
                                          driver=driver, actor=officer_a, departs_at=departs)
    jobs.scan_events()
    jobs.scan_events()
    messages = Message.objects.filter(kind="transfer_time")
    assert messages.count() == 4 and {m.event_key for m in messages} == {f"trip:{trip.pk}:{p.pk}" for p in family_a}
    # one household shares a phone: one text per person is still one message per event and person
    assert len(sent("transfer_time")) == 4
    local = timezone.localtime(departs)
    assert f"{local:%H:%M}" in sent("transfer_time")[0].text and "东城宾馆隔离点" in sent("transfer_time")[0].text


def test_tomorrows_test_day_is_reminded_not_before_the_evening(settings, make_person):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    person = make_person()
    # day one today: edition 9 tests a close contact on days 1, 2, 3, 5, 7, so tomorrow is a test day
    measure_start(person=person, category="close_contact", day_one=timezone.localdate(), actor=None,
                  source="tracing")
    assert send_protocol_reminders() >= 1
    jobs.scan_events()
    jobs.scan_events()
    message = Message.objects.get(kind="test_reminder")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    evening = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(19)))
    assert message.send_after >= evening and f"{tomorrow.month}月{tomorrow.day}日" in message.text


def test_events_older_than_the_lookback_are_not_sent_when_a_cursor_starts(make_person):
    person = make_person()
    old = person_status_change(person=person, to_status="released", cause="old", actor=None)
    StatusChange.objects.filter(pk=old.pk).update(at=timezone.now() - datetime.timedelta(days=3))
    jobs.scan_events()
    assert not Message.objects.filter(kind="release").exists()
    assert TriggerCursor.objects.get(trigger="release").last_id >= old.pk


def test_a_failing_trigger_does_not_stop_the_others(make_person):
    def broken(cursor, now):
        raise RuntimeError("source table missing")

    person = make_person()
    person_status_change(person=person, to_status="released", cause="done", actor=None)
    release = next(t for t in triggers.TRIGGERS if t.name == "release")
    results = triggers.run_all(triggers=[triggers.Trigger("broken", broken, "people.StatusChange", "at"), release])
    assert results["broken"] == {"error": "RuntimeError"} and results["release"]["messages"] == 1
    assert "source table missing" in TriggerCursor.objects.get(trigger="broken").last_error
    assert len(sent("release")) == 1


def test_the_check_in_reminder_goes_once_a_day_at_its_hour_to_those_who_have_not_checked_in(settings,
                                                                                              make_person):
    settings.NOTIFY_CHECKIN_REMINDER_AT = "18:00"
    person = make_person()
    person_status_change(person=person, to_status="home_isolation", cause="close contact", actor=None)
    make_person(phone="13800002222")  # normal status: nothing to check in
    today = timezone.localdate()
    before = timezone.make_aware(datetime.datetime.combine(today, datetime.time(17, 59)))
    after = timezone.make_aware(datetime.datetime.combine(today, datetime.time(18, 5)))
    jobs_at = [before, after, after + datetime.timedelta(minutes=1)]
    for now in jobs_at:
        triggers.run_all(now=now, triggers=[t for t in triggers.TRIGGERS if t.name == "checkin_reminder"])
    [message] = Message.objects.filter(kind="checkin_reminder")
    assert message.person == person and message.event_key == f"checkin_reminder:{person.pk}:{today.isoformat()}"


def test_a_missed_check_in_task_also_tells_the_person(make_person, grid_a):
    from fangkong.tasks.services import task_create

    person = make_person()
    task_create(kind="resident_checkin_missed", title="未打卡", unit=person.household.unit, person=person,
                dedupe_key=f"resident_checkin_missed:{person.pk}:2026-12-01")
    jobs.scan_events()
    jobs.scan_events()
    [message] = sent("checkin_missed")
    assert message.phone == person.phone and "2026年12月1日" in message.text


def test_a_burst_of_releases_larger_than_a_batch_is_told_in_one_scan(monkeypatch, make_person):
    # given seven people released at once and batches of three
    monkeypatch.setattr(triggers, "BATCH", 3)
    people = [make_person(phone=f"1380000{n:04d}") for n in range(7)]
    for person in people:
        person_status_change(person=person, to_status="released", cause="area unsealed", actor=None)
    # when the scan runs once
    jobs.scan_events()
    # then everyone was told, and a second scan tells no one again
    assert sorted(m.phone for m in sent("release")) == sorted(p.phone for p in people)
    jobs.scan_events()
    assert len(sent("release")) == 7 and Message.objects.filter(kind="release").count() == 7


def _single_tube(person, code, result, *, purpose="recheck", recorded_at=None):
    from fangkong.testing.models import Sample, Tube

    now = timezone.now()
    tube = Tube.objects.create(code=code, purpose=purpose, unit=person.unit, capacity=1, size=1, opened_at=now,
                               result=result, status="resulted", result_recorded_at=recorded_at or now)
    return Sample.objects.create(tube=tube, person=person, id_type="resident", id_number=person.id_number,
                                 name=person.name, unit=person.unit, sampled_at=now)


def test_a_single_tube_result_is_told_once_and_a_positive_one_only_asks_to_wait_for_the_call(make_person):
    negative, positive, pooled = (make_person(phone=f"1390000000{n}") for n in range(3))
    _single_tube(negative, "RC-1", "negative")
    _single_tube(positive, "RC-2", "positive")
    _single_tube(pooled, "RD-1", "negative", purpose="round")
    jobs.scan_events()
    jobs.scan_events()
    [told] = sent("result_negative")
    assert told.phone == negative.phone and "阴性" in told.text
    [wait] = sent("result_positive")
    assert wait.phone == positive.phone and "阳性" not in wait.text and "保持电话畅通" in wait.text
    assert Message.objects.get(kind="result_positive").urgent
    assert pooled.phone not in {m.phone for m in locmem.outbox if m.kind.startswith("result_")}


def test_results_recorded_in_one_moment_are_all_told_across_batches(make_person, monkeypatch):
    monkeypatch.setattr(triggers, "BATCH", 2)
    moment = timezone.now()
    people = [make_person(phone=f"1391000000{n}") for n in range(5)]
    for number, person in enumerate(people):
        _single_tube(person, f"RC-{number}", "negative", recorded_at=moment)
    jobs.scan_events()
    assert sorted(m.phone for m in sent("result_negative")) == sorted(p.phone for p in people)
