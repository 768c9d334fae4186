"""message_queue and the send step: once per event, delays instead of drops, retries, unreachable → one task."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fangkong.notify import services
from fangkong.notify.backends import FAILED, REJECTED, SENT, SendResult, TransientError, locmem
from fangkong.notify.models import Message
from fangkong.tasks.models import Task

pytestmark = pytest.mark.django_db


class Scripted:
    """A backend answering from a list: a SendResult status, or an exception to raise."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls = []

    def send(self, *, message_id, phone, text, kind):
        self.calls.append(message_id)
        answer = self.answers.pop(0) if self.answers else SENT
        if isinstance(answer, Exception):
            raise answer
        return SendResult(answer)


def code(phone="13800001111", key="login:1", now=None, **extra):
    return services.message_record(kind="resident_code", phone=phone, context={"code": "123456", "minutes": 5},
                                   event_key=key, now=now, **extra)


def test_a_message_is_sent_through_the_worker_and_recorded(make_person, morning):
    # given a person with a phone
    person = make_person()
    # when a release notice is queued
    message = services.message_record(kind="release", phone=person.phone, context={"day": morning.date()},
                                      event_key="release:1", person=person, now=morning)
    # then the locmem backend got it and the row says sent, on the person's building
    assert [(m.phone, m.kind) for m in locmem.outbox] == [("13800001111", "release")]
    message.refresh_from_db()
    assert (message.status, message.attempts, message.unit_id) == ("sent", 1, person.household.unit_id)
    assert message.sent_at is not None


def test_the_same_event_again_returns_the_first_message_and_sends_nothing(make_person):
    first = services.message_queue(kind="resident_code", phone="138 0000 1111", context={"code": "1", "minutes": 5},
                                   event_key="login:7")
    again = services.message_queue(kind="resident_code", phone="13800001111", context={"code": "2", "minutes": 5},
                                   event_key="login:7")
    assert again.pk == first.pk and len(locmem.outbox) == 1
    assert Message.objects.count() == 1


def test_the_send_step_run_twice_calls_the_backend_once(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    message = code()
    backend = Scripted()
    outcomes = [services.message_send(message_id=message.pk, backend=backend) for _ in range(2)]
    assert outcomes == ["sent", "skipped"] and backend.calls == [message.pk]


def test_a_one_time_code_is_blanked_once_sent():
    message = code()
    message.refresh_from_db()
    assert message.status == "sent" and message.text == ""
    assert "123456" in locmem.outbox[0].text


def test_no_phone_is_recorded_as_unreachable_with_one_task_for_the_grid_worker(make_person, grid_a, morning):
    # given a person with no phone on file
    person = make_person(phone="")
    # when a message is queued for them, twice
    results = [services.message_record(kind="measure_start", phone=person.phone, person=person, now=morning,
                                       context={"category": "密切接触者", "start": morning.date(),
                                                "end": morning.date() + datetime.timedelta(days=7)},
                                       event_key="measure_start:1") for _ in range(2)]
    # then nothing is sent, the row records it, and the grid worker has one task to call or visit
    assert results == [None, None] and not locmem.outbox
    message = Message.objects.get()
    assert message.status == "unreachable" and message.last_error == "No phone on file."
    task = Task.objects.get(kind="notify_unreachable")
    assert (task.owner, task.person, message.task) == (grid_a, person, task)
    assert "2026年12月8日" in task.detail


def test_an_unknown_kind_or_missing_context_writes_nothing():
    with pytest.raises(ValidationError):
        services.message_queue(kind="nope", phone="13800001111", context={}, event_key="x")
    with pytest.raises(ValidationError):
        services.message_queue(kind="resident_code", phone="13800001111", context={"code": "1"}, event_key="x")
    assert not Message.objects.exists() and not locmem.outbox


def test_quiet_hours_delay_a_reminder_to_seven_and_the_sweep_sends_it_then(settings, make_person):
    settings.NOTIFY_QUIET_HOURS = "22:00-07:00"
    person = make_person()
    late = timezone.make_aware(datetime.datetime(2026, 12, 1, 23, 15))
    message = services.message_record(kind="test_reminder", phone=person.phone, person=person, now=late,
                                      context={"day": datetime.date(2026, 12, 2)}, event_key="test_reminder:1")
    message.refresh_from_db()
    seven = timezone.make_aware(datetime.datetime(2026, 12, 2, 7, 0))
    assert (message.status, message.send_after) == ("queued", seven) and not locmem.outbox
    # nothing goes before seven, the message goes at seven
    assert services.send_due(now=seven - datetime.timedelta(minutes=1)) == {"recovered": 0}
    services.send_due(now=seven)
    message.refresh_from_db()
    assert message.status == "sent" and len(locmem.outbox) == 1


def test_quiet_hours_do_not_hold_an_urgent_message(settings):
    settings.NOTIFY_QUIET_HOURS = "22:00-07:00"
    late = timezone.make_aware(datetime.datetime(2026, 12, 1, 23, 15))
    message = code(now=late)
    assert Message.objects.get(pk=message.pk).status == "sent"


def test_the_sixth_message_to_a_number_within_an_hour_is_delayed_not_dropped(settings, morning):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.NOTIFY_RATE_PER_HOUR = 5
    messages = []
    for n in range(6):
        at = morning + datetime.timedelta(minutes=n)
        messages.append(services.message_record(kind="checkin_reminder", phone="13800001111",
                                                context={"day": at.date()}, event_key=f"checkin:{n}", now=at))
        services.send_due(now=at)
    statuses = [Message.objects.get(pk=m.pk).status for m in messages]
    assert statuses == ["sent"] * 5 + ["queued"]
    sixth = Message.objects.get(pk=messages[5].pk)
    assert sixth.send_after == morning + datetime.timedelta(hours=1)
    services.send_due(now=morning + datetime.timedelta(hours=1))
    assert Message.objects.get(pk=sixth.pk).status == "sent" and len(locmem.outbox) == 6


def test_a_transient_failure_is_retried_with_backoff_then_sent(settings, morning):
    settings.NOTIFY_RETRY_BASE_SECONDS = 30
    backend = Scripted(TransientError("connection refused"), FAILED, SENT)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    message = services.message_record(kind="checkin_reminder", phone="13800001111", context={"day": "今天"},
                                      event_key="c:1", now=morning)
    assert services.message_send(message_id=message.pk, now=morning, backend=backend) == "queued"
    message.refresh_from_db()
    assert (message.attempts, message.send_after) == (1, morning + datetime.timedelta(seconds=30))
    assert "connection refused" in message.last_error
    # not before the backoff
    assert services.message_send(message_id=message.pk, now=morning, backend=backend) == "not_due"
    second = morning + datetime.timedelta(seconds=30)
    assert services.message_send(message_id=message.pk, now=second, backend=backend) == "queued"
    message.refresh_from_db()
    assert message.send_after == second + datetime.timedelta(seconds=60)
    third = second + datetime.timedelta(seconds=60)
    assert services.message_send(message_id=message.pk, now=third, backend=backend) == "sent"
    message.refresh_from_db()
    assert (message.status, message.attempts, len(backend.calls)) == ("sent", 3, 3)


def test_retries_exhausted_fail_the_message_and_open_one_task(settings, make_person, grid_a, morning):
    settings.NOTIFY_MAX_ATTEMPTS = 3
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    person = make_person()
    message = services.message_record(kind="release", phone=person.phone, person=person,
                                      context={"day": morning.date()}, event_key="release:9", now=morning)
    backend = Scripted(*[TransientError("503")] * 3)
    at = morning
    for _ in range(3):
        services.message_send(message_id=message.pk, now=at, backend=backend)
        at += datetime.timedelta(hours=2)
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 3)
    assert Task.objects.filter(kind="notify_unreachable", person=person, owner=grid_a).count() == 1
    # a late extra queue entry changes nothing
    assert services.message_send(message_id=message.pk, now=at, backend=backend) == "skipped"
    assert Task.objects.filter(kind="notify_unreachable").count() == 1


def test_a_number_the_gateway_rejects_is_unreachable_at_once_with_an_urgent_task(settings, make_person, grid_a,
                                                                                 morning):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    person = make_person()
    message = services.message_record(kind="positive_pool", phone=person.phone, person=person,
                                      context={"day": morning.date()}, event_key="recall:1:1", now=morning)
    assert services.message_send(message_id=message.pk, now=morning, backend=Scripted(REJECTED)) == "unreachable"
    task = Task.objects.get(kind="notify_unreachable")
    assert task.priority == Task.Priority.URGENT and task.due_at == morning + datetime.timedelta(hours=1)
    assert "混管" in task.detail


def test_a_rejected_one_time_code_opens_no_task(settings, make_person, grid_a):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    person = make_person()
    message = code(person=person)
    services.message_send(message_id=message.pk, backend=Scripted(REJECTED))
    assert Message.objects.get(pk=message.pk).status == "unreachable"
    assert not Task.objects.filter(kind="notify_unreachable").exists()


def test_a_message_left_sending_by_a_dead_worker_is_queued_again_after_the_stale_time(settings, morning):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.NOTIFY_SENDING_STALE_SECONDS = 300
    message = code(now=morning)
    Message.objects.filter(pk=message.pk).update(status="sending", attempts=1, claimed_at=morning)
    assert services.message_recover_stale(now=morning + datetime.timedelta(seconds=299)) == 0
    counts = services.send_due(now=morning + datetime.timedelta(seconds=301))
    assert counts["recovered"] == 1 and counts["sent"] == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 2)
