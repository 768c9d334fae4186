"""A resident proves who they are with an ID number and a one-time code sent to the phone on file.

What this module guarantees:
- nothing tells whether an ID number is on file: an unknown ID (or one without a mobile phone) gets a challenge
  row like any other, the same page, the same message and the same limits; no code is sent for it and no code
  can ever match it;
- codes are 6 digits, stored only as keyed hashes, expire after RESIDENT_CODE_MINUTES, and a challenge takes at
  most RESIDENT_CODE_ATTEMPTS guesses (the counter is written before the comparison);
- at most RESIDENT_CODES_PER_PHONE_HOUR challenges per phone (per ID for unknown IDs) and
  RESIDENT_CODES_PER_IP_HOUR per client address in any hour;
- a resident session is its own random key (a signed cookie in the browser, its hash here), never a staff login,
  and ends after RESIDENT_SESSION_HOURS or at logout;
- every sign-in, success or failure, is an audit row.
"""

import datetime
import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.people.identity import validate_resident_id
from fangkong.people.models import IdType, Person
from fangkong.residents.models import CodeChallenge, ResidentSession
from fangkong.territory.models import Unit

logger = logging.getLogger(__name__)

COOKIE = "fk_resident"
COOKIE_SALT = "fangkong.residents.session"
_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")


class RateLimited(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def code_minutes() -> int:
    return int(getattr(settings, "RESIDENT_CODE_MINUTES", 5))


def code_attempts() -> int:
    return int(getattr(settings, "RESIDENT_CODE_ATTEMPTS", 5))


def session_hours() -> int:
    return int(getattr(settings, "RESIDENT_SESSION_HOURS", 12))


def _limits() -> tuple[int, int]:
    return (int(getattr(settings, "RESIDENT_CODES_PER_PHONE_HOUR", 5)),
            int(getattr(settings, "RESIDENT_CODES_PER_IP_HOUR", 20)))


def show_code_on_page() -> bool:
    """The public demo has no SMS gateway: it shows the code on the page. Never in production."""
    return bool(settings.DEBUG and getattr(settings, "FANGKONG_DEMO", False)
                and not getattr(settings, "PRODUCTION", False))


def _keyed(purpose: str, value: str) -> str:
    key = hashlib.sha256(f"{settings.SECRET_KEY}:residents:{purpose}".encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def _code_hash(challenge_salt: str, code: str) -> str:
    return _keyed("code", f"{challenge_salt}:{code}")


def _root_path() -> str:
    root = Unit.objects.filter(parent__isnull=True).order_by("pk").only("path").first()
    return root.path if root is not None else "/"


def _person_for(number: str) -> Person | None:
    """The person on file with this resident ID and a mobile phone to send a code to (read-only)."""
    candidates = (Person.objects.filter(id_type=IdType.RESIDENT, id_number=number, merged_into__isnull=True,
                                        anonymised_at__isnull=True)
                  .exclude(phone="").select_related("unit").order_by("pk"))
    return next((p for p in candidates if _MOBILE.match(p.phone)), None)


def clean_id_number(value: str) -> str:
    """The normalised 18-character resident ID; ValidationError keyed to "id_number" with people's message."""
    try:
        return validate_resident_id(value).number
    except ValidationError as exc:
        raise ValidationError({"id_number": exc.messages}) from None


def neutral_message() -> str:
    return _("If this ID number is on file with a mobile phone, a code has been sent to that phone. It is valid for "
             "%(minutes)d minutes.") % {"minutes": code_minutes()}


@dataclass
class Requested:
    challenge: CodeChallenge
    # Only for show_code_on_page(); None for an unknown ID.
    code: str | None


def _send_code(*, person: Person, challenge: CodeChallenge, code: str) -> None:
    from fangkong.notify.services import message_queue

    message_queue(kind="resident_code", phone=person.phone, context={"code": code, "minutes": code_minutes()},
                  event_key=f"code:{challenge.pk}", person=person, unit=person.unit, urgent=True,
                  language=translation.get_language() or "zh-hans")


@transaction.atomic(durable=True)
def code_request(*, id_number: str, ip: str | None, now: datetime.datetime | None = None) -> Requested:
    """Open a challenge for this ID number and send its code to the phone on file, if there is one.

    ValidationError for a malformed ID number (that says nothing about the file), RateLimited past the limits.
    """
    number = clean_id_number(id_number)
    now = now or timezone.now()
    person = _person_for(number)
    id_hash = _keyed("id", number)
    phone_hash = _keyed("phone", person.phone) if person is not None else _keyed("phone-of-id", number)
    ip_hash = _keyed("ip", ip or "-")
    per_phone, per_ip = _limits()
    hour_ago = now - datetime.timedelta(hours=1)
    recent = CodeChallenge.objects.filter(created_at__gte=hour_ago)
    if recent.filter(phone_hash=phone_hash).count() >= per_phone or recent.filter(ip_hash=ip_hash).count() >= per_ip:
        raise RateLimited(_("Too many codes were requested in the last hour. Please try again later, or call your "
                            "grid worker."))
    code = f"{secrets.randbelow(10**6):06d}"
    salt = secrets.token_hex(8)
    challenge = CodeChallenge.objects.create(
        person=person, id_hash=id_hash, phone_hash=phone_hash, ip_hash=ip_hash,
        # An unknown ID's challenge stores the hash of a code nobody is told: no guess can match it.
        code_hash=f"{salt}${_code_hash(salt, code)}", created_at=now,
        expires_at=now + datetime.timedelta(minutes=code_minutes()))
    if person is None:
        return Requested(challenge, None)
    _send_code(person=person, challenge=challenge, code=code)
    return Requested(challenge, code)


class CodeRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _refused_message() -> str:
    return _("The code is wrong or has expired. Check the message, or request a new code.")


def _audit_failure(challenge: CodeChallenge, reason: str) -> None:
    person = challenge.person
    audit_record(actor=None, obj=person if person is not None else challenge, action="resident_signin_failed",
                 unit_path=person.unit.path if person is not None else _root_path(), note=reason)


def code_verify(*, challenge_id: int | None, code: str, now: datetime.datetime | None = None):
    """The person the code proves, with a new resident session: (person, session_key). CodeRefused otherwise,
    with one message for every reason (wrong, expired, used up, unknown ID). The attempt counts even when refused."""
    now = now or timezone.now()
    code = re.sub(r"\s", "", code or "")
    with transaction.atomic(durable=True):
        challenge = (CodeChallenge.objects.select_for_update(of=("self",)).select_related("person__unit")
                     .filter(pk=challenge_id).first() if challenge_id else None)
        if challenge is None:
            raise CodeRefused(_refused_message())
        reason = ""
        if challenge.used_at is not None:
            reason = "used"
        elif challenge.expires_at <= now:
            reason = "expired"
        elif challenge.attempts >= code_attempts():
            reason = "too many attempts"
        challenge.attempts += 1
        challenge.save(update_fields=["attempts"])
        if not reason:
            salt, _sep, stored = challenge.code_hash.partition("$")
            matches = bool(re.fullmatch(r"[0-9]{6}", code)) and constant_time_compare(stored, _code_hash(salt, code))
            if not matches or challenge.person is None:
                reason = "wrong code"
        if reason:
            _audit_failure(challenge, reason)
            failed = True
        else:
            failed = False
            challenge.used_at = now
            challenge.save(update_fields=["used_at"])
            person = challenge.person
            key = secrets.token_urlsafe(32)
            ResidentSession.objects.create(person=person, key_hash=_keyed("session", key), created_at=now,
                                           expires_at=now + datetime.timedelta(hours=session_hours()))
            audit_record(actor=None, obj=person, action="resident_signin", unit_path=person.unit.path,
                         note="one-time code")
    # Raised outside the block: the attempt and its audit row are committed.
    if failed:
        raise CodeRefused(_refused_message())
    return person, key


def session_person(key: str | None, *, now: datetime.datetime | None = None) -> Person | None:
    """The person of a live resident session, or None."""
    if not key:
        return None
    now = now or timezone.now()
    session = (ResidentSession.objects.select_related("person__unit", "person__household")
               .filter(key_hash=_keyed("session", key), ended_at__isnull=True, expires_at__gt=now).first())
    if session is None:
        return None
    person = session.person
    if person.merged_into_id or person.anonymised_at:
        return None
    return person


@transaction.atomic(durable=True)
def session_end(*, key: str | None, now: datetime.datetime | None = None) -> bool:
    if not key:
        return False
    now = now or timezone.now()
    session = ResidentSession.objects.select_related("person__unit").filter(
        key_hash=_keyed("session", key), ended_at__isnull=True).first()
    if session is None:
        return False
    session.ended_at = now
    session.save(update_fields=["ended_at"])
    audit_record(actor=None, obj=session.person, action="resident_signout", unit_path=session.person.unit.path)
    return True
