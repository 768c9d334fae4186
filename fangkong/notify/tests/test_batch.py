"""The batch send step and the drains: many messages per step, each still sent once, paced, in order."""

import datetime
import threading
from collections import Counter

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from fangkong.notify import jobs, sending, services
from fangkong.notify.backends import SENT, SendResult, http, locmem
from fangkong.notify.gateway_fake import FakeGateway
from fangkong.notify.models import Message
from fangkong.tasks.models import Task

pytestmark = pytest.mark.django_db
SECRET = "batch-gateway-secret"
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def release(phone, key, at, **extra):
    return services.message_record(kind="release", phone=phone, context={"day": at.date()}, event_key=key, now=at,
                                   **extra)


@pytest.fixture
def queue_only(settings):
    """Messages are recorded and wait: the test runs the send step itself."""
    settings.TASKS = DUMMY


@pytest.fixture
def gateway(settings, queue_only):
    from fangkong.notify.backends import reset_backends

    with FakeGateway(secret=SECRET) as fake:
        settings.NOTIFY_BACKEND = "fangkong.notify.backends.http.Backend"
        settings.NOTIFY_SMS_URL = fake.url
        settings.NOTIFY_SMS_SECRET = SECRET
        settings.NOTIFY_SMS_TIMEOUT = 2
        reset_backends()
        yield fake
    reset_backends()


def test_six_messages_to_one_number_in_one_batch_send_five_and_delay_the_sixth(queue_only, morning):
    # given six reminders to one number, all due, and a batch that takes them all
    messages = [services.message_record(kind="checkin_reminder", phone="13800001111", context={"day": "今天"},
                                        event_key=f"checkin:{n}", now=morning) for n in range(6)]
    # when one step runs
    outcomes = sending.batch_send(now=morning)
    # then five went and the sixth waits for the hour window, not dropped
    assert Counter(outcomes.values()) == {"sent": 5, "delayed": 1}
    assert len(locmem.outbox) == 5
    sixth = Message.objects.get(pk=messages[5].pk)
    assert (sixth.status, sixth.attempts, sixth.send_after) == ("queued", 0, morning + datetime.timedelta(hours=1))
    # and it goes when the window has room
    assert sending.batch_send(now=morning + datetime.timedelta(hours=1)) == {sixth.pk: "sent"}


def test_urgent_messages_are_claimed_before_older_ordinary_ones(queue_only, morning):
    ordinary = [release(f"1380000{n:04d}", f"release:{n}", morning) for n in range(3)]
    later = morning + datetime.timedelta(minutes=5)
    urgent = services.message_record(kind="positive_pool", phone="13900000000", context={"day": later.date()},
                                     event_key="recall:1:1", now=later)
    outcomes = sending.batch_send(now=later, limit=2)
    assert list(outcomes) == [urgent.pk, ordinary[0].pk]
    assert [m.id for m in locmem.outbox] == [urgent.pk, ordinary[0].pk]


def test_one_batch_sends_many_messages_with_a_handful_of_queries(queue_only, morning, django_assert_max_num_queries):
    for n in range(60):
        release(f"1380000{n:04d}", f"release:{n}", morning)
    with django_assert_max_num_queries(12):
        outcomes = sending.batch_send(now=morning, limit=60)
    assert Counter(outcomes.values()) == {"sent": 60}
    assert Message.objects.filter(status="sent", attempts=1, sent_at=morning).count() == 60


def test_a_batch_with_every_kind_of_answer_records_each_as_one_message_would(gateway, make_person, grid_a, morning):
    # given four messages through the fake gateway: a good number, a refused one, one that answers 503, a code
    person = make_person(phone="13800009999")
    gateway.reject("13800009999")
    gateway.script("13700000000", [503])
    good = release("13600000000", "release:1", morning)
    refused = release(person.phone, "release:2", morning, person=person)
    flaky = release("13700000000", "release:3", morning)
    code = services.message_record(kind="resident_code", phone="13500000000", event_key="code:1", now=morning,
                                   context={"code": "654321", "minutes": 5})
    # when one step sends them together
    outcomes = sending.batch_send(now=morning)
    # then each has its own outcome
    assert outcomes == {code.pk: "delivered", good.pk: "delivered", refused.pk: "unreachable", flaky.pk: "queued"}
    rows = {m.pk: m for m in Message.objects.all()}
    assert rows[good.pk].delivered_at == morning and rows[good.pk].text
    assert rows[code.pk].status == "delivered" and rows[code.pk].text == ""
    assert rows[refused.pk].task == Task.objects.get(kind="notify_unreachable", person=person, owner=grid_a)
    assert (rows[flaky.pk].status, rows[flaky.pk].send_after) == ("queued", morning + datetime.timedelta(seconds=30))
    assert "503" in rows[flaky.pk].last_error
    assert gateway.bad_signatures == 0 and len(gateway.delivered) == 2


class Crash(BaseException):
    """The worker dies: not an error the send step handles."""


def test_a_crash_between_a_batch_send_and_its_status_write_sends_each_message_once(settings, gateway, morning):
    # given a batch of five, and a worker that dies once the gateway accepted them
    settings.NOTIFY_SENDING_STALE_SECONDS = 300
    messages = [release(f"1380000{n:04d}", f"release:{n}", morning) for n in range(5)]
    real = http.Backend()

    class DiesAfterSending:
        def send(self, **kwargs):
            real.send(**kwargs)
            raise Crash

    with pytest.raises(Crash), sending.sender_pool() as pool:
        sending.batch_send(now=morning, backend=DiesAfterSending(), pool=pool)
    # (the first crash stops the pool: the messages not posted yet stay claimed too)
    posted = gateway.requests
    assert set(Message.objects.values_list("status", flat=True)) == {"sending"} and 1 <= posted <= 5
    # when the sweep finds the batch stale and sends it again, with the same ids
    counts = services.send_due(now=morning + datetime.timedelta(minutes=6))
    # then the gateway answered from its dedupe: one text each, and every row is done
    assert counts["recovered"] == 5 and counts["delivered"] == 5
    assert gateway.requests == posted + 5 and sorted(d[0] for d in gateway.delivered) == sorted(m.pk for m in messages)
    assert set(Message.objects.values_list("status", "attempts")) == {("delivered", 2)}


def test_a_backend_that_takes_batches_gets_one_call_per_batch(queue_only, morning):
    class Batches:
        calls = []

        def send_many(self, items):
            self.calls.append([item.message_id for item in items])
            return [SendResult(SENT) for _ in items]

    for n in range(5):
        release(f"1380000{n:04d}", f"release:{n}", morning)
    backend = Batches()
    assert sending.drain(now=morning, backend=backend) == {"sent": 5}
    assert len(backend.calls) == 1 and len(backend.calls[0]) == 5


def test_many_messages_queued_put_one_drain_on_the_database_queue(settings, morning,
                                                                  django_capture_on_commit_callbacks):
    # given the database task queue
    settings.TASKS = DATABASE_QUEUE
    # when three messages are queued, and a fourth for tomorrow evening
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            release(f"1380000{n:04d}", f"release:{n}", morning)
        evening = morning + datetime.timedelta(days=1, hours=9)
        services.message_record(kind="test_reminder", phone="13900000000", context={"day": evening.date()},
                                event_key="test_reminder:1", not_before=evening, now=morning)
    # then one drain waits for all of them, none per message
    drains = DBTaskResult.objects.filter(task_path=jobs.send_batch.module_path, status="READY")
    assert drains.count() == 1 and not DBTaskResult.objects.exclude(task_path=jobs.send_batch.module_path).exists()
    # when the drain runs, it sends what is due and leaves one drain for the evening
    with django_capture_on_commit_callbacks(execute=True):
        drains.update(status="SUCCESSFUL")
        counts = sending.drain(now=morning)
    assert counts == {"sent": 3} and len(locmem.outbox) == 3
    [later] = DBTaskResult.objects.filter(task_path=jobs.send_batch.module_path, status="READY")
    assert later.run_after == evening


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks (SKIP LOCKED) are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_drains_never_send_a_message_twice(settings, morning):
    # given 400 due messages and two drains running at once in two threads, batches of 25
    settings.TASKS = DUMMY
    settings.NOTIFY_BATCH = 25
    settings.NOTIFY_CONCURRENCY = 4
    ids = {release(f"138{n:08d}", f"release:{n}", morning).pk for n in range(400)}
    sent = Counter()
    lock = threading.Lock()
    start = threading.Barrier(2)

    class Counting:
        def send(self, *, message_id, phone, text, kind):
            with lock:
                sent[message_id] += 1
            return SendResult(SENT)

    errors = []

    def run():
        try:
            start.wait()
            sending.drain(now=morning, backend=Counting())
        except Exception as exc:  # pragma: no cover - the assertion below names it
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then every message was sent exactly once
    assert not errors
    assert set(sent) == ids and set(sent.values()) == {1}
    assert Message.objects.filter(status="sent", attempts=1).count() == 400


def test_a_drain_past_its_time_hands_over_to_a_fresh_one(settings, queue_only, morning):
    # given five due messages, batches of two, and a drain with no time left after its first batch
    settings.NOTIFY_BATCH = 2
    for n in range(5):
        release(f"1380000{n:04d}", f"release:{n}", morning)
    dummy = jobs.send_batch.get_backend()
    dummy.clear()
    # when it runs
    counts = sending.drain(now=morning, seconds=0)
    # then it sent one batch and queued a drain to go on; that one sends the rest
    assert counts == {"sent": 2} and [r.task for r in dummy.results] == [jobs.send_batch]
    assert sending.drain(now=morning) == {"sent": 3}
    assert Message.objects.filter(status="sent").count() == 5
