"""Sign-in with an ID number and a one-time code: brute force, enumeration, expiry, sessions, audit."""

import datetime

import pytest
from django.utils import timezone

from fangkong.audit.models import AuditEntry
from fangkong.residents import signin
from fangkong.residents.models import CodeChallenge, ResidentSession
from fangkong.residents.tests.conftest import code_from, make_id, sign_in, years_ago

pytestmark = pytest.mark.django_db

UNKNOWN_ID = make_id(years_ago(50), "999")


def test_a_code_reaches_the_phone_on_file_and_signs_the_resident_in(client, family, outbox):
    # when
    response = client.post("/residents/", {"id_number": family.head.id_number})

    # then
    assert response.status_code == 302 and response["Location"] == "/residents/code/"
    assert [m.phone for m in outbox] == [family.head.phone]
    challenge = CodeChallenge.objects.get()
    code = code_from(outbox)
    assert code not in challenge.code_hash and family.head.id_number not in challenge.id_hash
    response = client.post("/residents/code/", {"code": code})
    assert response.status_code == 302 and response["Location"] == "/residents/me/"
    assert signin.COOKIE in response.cookies
    page = client.get("/residents/me/")
    assert page.status_code == 200 and family.head.name in page.content.decode()
    assert AuditEntry.objects.filter(action="resident_signin", object_id=family.head.pk).exists()
    # A resident session is no staff login.
    assert "_auth_user_id" not in client.session


def test_an_unknown_id_gets_the_same_page_and_message_and_no_message_is_sent(client, family, outbox):
    # given
    known = client.post("/residents/", {"id_number": family.head.id_number})
    known_page = client.get("/residents/code/").content.decode()
    client.cookies.clear()

    # when
    unknown = client.post("/residents/", {"id_number": UNKNOWN_ID})
    unknown_page = client.get("/residents/code/").content.decode()

    # then
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert _body(unknown_page) == _body(known_page)
    assert signin.neutral_message() in unknown_page
    assert family.head.phone[-4:] not in known_page
    assert len(outbox) == 1
    # Any code is refused for it, with the same message as a wrong code.
    refused = client.post("/residents/code/", {"code": "000000"})
    assert refused.status_code == 422 and "wrong or has expired" in refused.content.decode()


def _body(html: str) -> str:
    """The page without its per-request tokens."""
    import re

    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_a_person_without_a_mobile_phone_looks_like_an_unknown_id(client, family, outbox):
    response = client.post("/residents/", {"id_number": family.child.id_number})

    assert response.status_code == 302 and outbox == []
    assert CodeChallenge.objects.get().person is None


def test_guessing_stops_after_five_attempts_even_with_the_right_code(client, family, outbox, settings):
    # given
    settings.RESIDENT_CODE_ATTEMPTS = 5
    client.post("/residents/", {"id_number": family.head.id_number})
    code = code_from(outbox)
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    # when
    for _ in range(5):
        assert client.post("/residents/code/", {"code": wrong}).status_code == 422

    # then
    response = client.post("/residents/code/", {"code": code})
    assert response.status_code == 422
    assert ResidentSession.objects.count() == 0
    assert CodeChallenge.objects.get().attempts == 6
    assert AuditEntry.objects.filter(action="resident_signin_failed").count() == 6


def test_an_expired_code_is_refused(client, family, outbox):
    # given
    client.post("/residents/", {"id_number": family.head.id_number})
    CodeChallenge.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    # when
    response = client.post("/residents/code/", {"code": code_from(outbox)})

    # then
    assert response.status_code == 422 and ResidentSession.objects.count() == 0
    assert AuditEntry.objects.get(action="resident_signin_failed").note == "expired"


def test_a_code_signs_in_once(client, family, outbox):
    client.post("/residents/", {"id_number": family.head.id_number})
    code = code_from(outbox)
    challenge_id = CodeChallenge.objects.get().pk
    signin.code_verify(challenge_id=challenge_id, code=code)

    with pytest.raises(signin.CodeRefused):
        signin.code_verify(challenge_id=challenge_id, code=code)


def test_codes_per_phone_are_limited_and_the_limit_holds_for_unknown_ids_too(client, family, outbox, settings):
    # given
    settings.RESIDENT_CODES_PER_PHONE_HOUR = 3
    settings.RESIDENT_CODES_PER_IP_HOUR = 100
    for _ in range(3):
        assert client.post("/residents/", {"id_number": family.head.id_number}).status_code == 302
        assert client.post("/residents/", {"id_number": UNKNOWN_ID}).status_code == 302

    # when
    known = client.post("/residents/", {"id_number": family.head.id_number})
    unknown = client.post("/residents/", {"id_number": UNKNOWN_ID})

    # then
    assert known.status_code == unknown.status_code == 429
    assert _body(known.content.decode()).replace(family.head.id_number, UNKNOWN_ID) == \
        _body(unknown.content.decode())
    assert len(outbox) == 3 and CodeChallenge.objects.count() == 6


def test_codes_per_address_are_limited(client, family, outbox, settings):
    settings.RESIDENT_CODES_PER_IP_HOUR = 2
    client.post("/residents/", {"id_number": family.head.id_number})
    client.post("/residents/", {"id_number": family.spouse.id_number})

    response = client.post("/residents/", {"id_number": family.grandmother.id_number})

    assert response.status_code == 429 and len(outbox) == 2
    other_address = client.post("/residents/", {"id_number": family.grandmother.id_number}, REMOTE_ADDR="10.0.0.9")
    assert other_address.status_code == 302


def test_a_malformed_id_number_is_refused_with_its_reason_and_nothing_is_written(client, family, outbox):
    response = client.post("/residents/", {"id_number": family.head.id_number[:-1] + "0"
                                           if family.head.id_number[-1] != "0" else family.head.id_number[:-1] + "1"})

    assert response.status_code == 422
    assert "check digit" in response.content.decode()
    assert CodeChallenge.objects.count() == 0 and outbox == []


def test_the_code_page_without_a_request_goes_back_to_sign_in(client, family):
    response = client.get("/residents/code/")

    assert response.status_code == 302 and response["Location"] == "/residents/"


def test_a_session_ends_at_sign_out_and_after_its_hours(client, family, outbox, settings):
    # given
    sign_in(client, family.head, outbox)

    # when
    client.post("/residents/signout/")

    # then
    assert client.get("/residents/me/")["Location"] == "/residents/"
    sign_in(client, family.head, outbox)
    ResidentSession.objects.filter(ended_at__isnull=True).update(expires_at=timezone.now())
    assert client.get("/residents/me/")["Location"] == "/residents/"


def test_a_tampered_session_cookie_is_no_session(client, family, outbox):
    sign_in(client, family.head, outbox)
    client.cookies[signin.COOKIE] = client.cookies[signin.COOKIE].value[:-2] + "xx"

    assert client.get("/residents/me/")["Location"] == "/residents/"


def test_a_staff_login_is_no_resident_session(client, officer_a, family):
    client.force_login(officer_a)

    assert client.get("/residents/me/")["Location"] == "/residents/"


def test_the_demo_shows_the_code_on_the_page_only_when_asked(client, family, outbox, settings):
    client.post("/residents/", {"id_number": family.head.id_number})
    assert b'id="demo-code"' not in client.get("/residents/code/").content

    settings.DEBUG, settings.FANGKONG_DEMO = True, True
    client.post("/residents/", {"id_number": family.head.id_number})
    assert f'data-code="{code_from(outbox)}"' in client.get("/residents/code/").content.decode()
