"""The HTTP SMS backend against a fake gateway on 127.0.0.1: signed requests, its answers, retries after a crash."""

import datetime
import time

import pytest

from fangkong.notify import services
from fangkong.notify.backends import PermanentError, TransientError, http, reset_backends
from fangkong.notify.gateway_fake import FakeGateway
from fangkong.notify.models import Message
from fangkong.tasks.models import Task

pytestmark = pytest.mark.django_db
SECRET = "test-gateway-secret"


@pytest.fixture
def gateway(settings):
    with FakeGateway(secret=SECRET) as fake:
        settings.NOTIFY_BACKEND = "fangkong.notify.backends.http.Backend"
        settings.NOTIFY_SMS_URL = fake.url
        settings.NOTIFY_SMS_SECRET = SECRET
        settings.NOTIFY_SMS_TIMEOUT = 2
        # The clock of these tests is driven by hand: nothing is sent but by message_send / send_due.
        settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
        reset_backends()
        yield fake
    reset_backends()


def queue(morning, *, phone="13800001111", key="release:1", person=None):
    return services.message_record(kind="release", phone=phone, context={"day": morning.date()}, event_key=key,
                                   person=person, now=morning)


def test_a_signed_message_is_delivered_and_the_gateway_checks_the_signature(gateway, morning):
    message = queue(morning)
    assert services.message_send(message_id=message.pk, now=morning) == "delivered"
    assert gateway.bad_signatures == 0 and gateway.delivered == [(message.pk, "13800001111", message.text)]
    assert abs(int(gateway.timestamps[0]) - time.time()) < 600
    message.refresh_from_db()
    assert (message.status, message.delivered_at) == ("delivered", morning)


def test_the_signature_is_the_hmac_of_the_exact_body():
    body = http.encode(message_id=7, phone="13800001111", text="【防控】测试")
    assert body == '{"to":"13800001111","text":"【防控】测试","id":7}'.encode()
    gateway = FakeGateway(secret=SECRET)
    assert gateway.answer(body, http.sign(body, SECRET))[0] == 200
    assert gateway.answer(body, http.sign(body, "another secret"))[0] == 400
    assert gateway.answer(body, "")[0] == 400 and gateway.bad_signatures == 2


def test_a_wrong_secret_is_refused_by_the_gateway_and_the_message_fails_with_its_task(settings, gateway,
                                                                                     make_person, grid_a, morning):
    settings.NOTIFY_SMS_SECRET = "not-the-gateway-secret"
    reset_backends()
    person = make_person()
    message = queue(morning, person=person)
    assert services.message_send(message_id=message.pk, now=morning) == "failed"
    assert gateway.bad_signatures == 1 and not gateway.delivered
    assert Task.objects.filter(kind="notify_unreachable", person=person).count() == 1


def test_a_rejected_number_is_unreachable(gateway, make_person, grid_a, morning):
    person = make_person(phone="13800009999")
    gateway.reject("13800009999")
    message = queue(morning, phone=person.phone, person=person)
    assert services.message_send(message_id=message.pk, now=morning) == "unreachable"
    assert Message.objects.get(pk=message.pk).last_error.startswith("The gateway refused the number.")
    assert Task.objects.get(kind="notify_unreachable").owner == grid_a


def test_a_5xx_then_a_failed_delivery_are_retried_until_delivered(gateway, morning):
    gateway.script("13800001111", [503, "failed"])
    message = queue(morning)
    at = morning
    outcomes = []
    for _ in range(3):
        outcomes.append(services.message_send(message_id=message.pk, now=at))
        at = Message.objects.get(pk=message.pk).send_after
    assert outcomes == ["queued", "queued", "delivered"]
    assert len(gateway.delivered) == 1 and Message.objects.get(pk=message.pk).attempts == 3


def test_a_gateway_that_is_down_is_a_transient_error(settings, morning):
    settings.NOTIFY_SMS_URL = "http://127.0.0.1:9/send"  # discard port: nothing listens
    settings.NOTIFY_SMS_SECRET = SECRET
    with pytest.raises(TransientError):
        http.Backend().send(message_id=1, phone="13800001111", text="x", kind="release")


def test_a_4xx_other_than_auth_is_permanent(gateway):
    gateway.script("13800001111", [422])
    with pytest.raises(PermanentError):
        http.Backend().send(message_id=1, phone="13800001111", text="x", kind="release")


class Crash(BaseException):
    """The worker dies: not an error the send step handles."""


def test_a_crash_between_the_send_and_the_status_write_sends_once(settings, gateway, morning):
    # given a worker that dies right after the gateway accepted the message
    settings.NOTIFY_SENDING_STALE_SECONDS = 300
    message = queue(morning)
    real = http.Backend()

    class DiesAfterSending:
        def send(self, **kwargs):
            real.send(**kwargs)
            raise Crash

    with pytest.raises(Crash):
        services.message_send(message_id=message.pk, now=morning, backend=DiesAfterSending())
    assert Message.objects.get(pk=message.pk).status == "sending" and len(gateway.delivered) == 1
    # when the sweep finds it stale and sends it again with the same id
    counts = services.send_due(now=morning + datetime.timedelta(minutes=6))
    # then the gateway answered from its dedupe: the person got one text, and the row is done
    assert counts["recovered"] == 1 and counts["delivered"] == 1
    assert gateway.requests == 2 and len(gateway.delivered) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("delivered", 2)
