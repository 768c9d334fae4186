"""Identity documents and phone numbers: validated and normalised before anything is stored.

Resident IDs follow GB 11643 (python-stdnum's `stdnum.cn.ric`): 18 characters, ISO 7064 MOD 11-2 check
digit, a real birth date, a known area code; the 17th digit is odd for men. Every error names the problem.
"""

import datetime
import re
from dataclasses import dataclass
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import numdb
from stdnum.cn import ric

from fangkong.people.models import IdType, Sex


@dataclass(frozen=True)
class Identity:
    id_type: str
    number: str
    birth_date: datetime.date | None = None
    sex: str = Sex.UNKNOWN


def validate_resident_id(value: str) -> Identity:
    number = re.sub(r"[\s-]", "", value or "").upper()
    if not number:
        raise ValidationError(_("Enter the resident ID number."), code="required")
    if len(number) == 15 and number.isdigit():
        raise ValidationError(
            _("This is a 15-digit resident ID of the first generation; enter the 18-digit number of the current card."),
            code="legacy",
        )
    if len(number) != 18:
        raise ValidationError(
            _("A resident ID has 18 characters; this one has %(count)d.") % {"count": len(number)}, code="length"
        )
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(
            _("A resident ID is 17 digits followed by a digit or X."), code="format"
        )
    if number[17] != ric.calc_check_digit(number):
        raise ValidationError(_("The check digit of this resident ID is wrong."), code="checksum")
    try:
        birth_date = ric.get_birth_date(number)
    except ric.ValidationError:
        raise ValidationError(_("The birth date in this resident ID (digits 7–14) is not a real date."),
                              code="birth_date") from None
    if birth_date > timezone.localdate() or birth_date.year < 1880:
        raise ValidationError(_("The birth date in this resident ID (digits 7–14) is not possible."),
                              code="birth_date")
    if not _known_area(number[:6]):
        raise ValidationError(_("The area code of this resident ID (first 6 digits) does not exist."),
                              code="area")
    sex = Sex.MALE if int(number[16]) % 2 else Sex.FEMALE
    return Identity(IdType.RESIDENT, number, birth_date, sex)


def resident_id_ok(value: str, today: datetime.date) -> bool:
    """True when `value` is, exactly as written, an 18-character resident ID that validate_document
    accepts: the same checks (format, ISO 7064 check digit, a real birth date not in the future nor before 1880,
    a known area code) without its per-call cost, which dominated an import of a million rows. Anything else —
    spaces, dashes, lower-case x, any error — goes to validate_document itself, for its message.
    test_identity_fast_path checks that both agree."""
    if len(value) != 18 or not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        return False
    if value[17] != ric.calc_check_digit(value):
        return False
    try:
        birth = datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return birth.year >= 1880 and birth <= today and _known_area(value[:6])


@lru_cache(maxsize=8192)
def _known_area(code: str) -> bool:
    """A county code GB/T 2260 has ever assigned. Not checked against the birth year, as stdnum's
    get_birth_place does: a card carries the code of where it was issued, often created after the birth."""
    info = {k: v for _part, props in numdb.get("cn/loc").info(code) for k, v in props.items()}
    return bool(info.get("province") and info.get("county"))


# (min length, max length) of the number on each document, letters A-Z and digits only.
_DOCUMENT_LENGTHS = {
    IdType.PASSPORT: (5, 17),
    IdType.HK_MACAO: (8, 11),
    IdType.TAIWAN: (8, 10),
    IdType.OTHER: (4, 32),
}
_DOCUMENT_CHARS = re.compile(r"^[A-Z0-9]+$")


def validate_document(id_type: str, value: str) -> Identity:
    if id_type == IdType.RESIDENT:
        return validate_resident_id(value)
    if id_type not in _DOCUMENT_LENGTHS:
        raise ValidationError(_("Unknown ID type “%(type)s”.") % {"type": id_type}, code="id_type")
    number = (value or "").strip().upper()
    if not number:
        raise ValidationError(_("Enter the document number."), code="required")
    if not _DOCUMENT_CHARS.match(number):
        raise ValidationError(_("A document number may contain only the letters A–Z and digits."), code="format")
    low, high = _DOCUMENT_LENGTHS[id_type]
    if not low <= len(number) <= high:
        raise ValidationError(
            _("A %(type)s number has %(low)d to %(high)d characters; this one has %(count)d.")
            % {"type": IdType(id_type).label, "low": low, "high": high, "count": len(number)},
            code="length",
        )
    return Identity(id_type, number)


_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_LANDLINE = re.compile(r"^0[1-9][0-9]{1,2}-[2-9][0-9]{6,7}$")


def normalize_phone(value: str) -> str:
    """"" or a mobile (13812345678) or a landline with its area code (010-62345678, 0755-1234567)."""
    raw = (value or "").strip()
    if not raw:
        return ""
    digits = re.sub(r"[\s\-()（）.]", "", raw)
    international = digits.startswith(("+86", "0086"))
    if international:
        digits = digits[3:] if digits.startswith("+86") else digits[4:]
    if not digits.isdigit():
        raise ValidationError(_("A phone number may contain only digits, spaces, dashes and +86."), code="format")
    if _MOBILE.match(digits):
        return digits
    if international and not digits.startswith("0"):
        # Calling from abroad drops the trunk 0 of the area code.
        digits = "0" + digits
    if digits.startswith("1") and len(digits) == 11:
        raise ValidationError(_("A mobile number starts with 13 to 19."), code="mobile_prefix")
    if digits.startswith("1"):
        raise ValidationError(
            _("A mobile number has 11 digits; this one has %(count)d.") % {"count": len(digits)}, code="mobile_length"
        )
    if not digits.startswith("0"):
        raise ValidationError(_("Enter a landline number with its area code, e.g. 010-62345678."), code="area_code")
    # Beijing (010) and the 02x cities have 3-digit area codes, everywhere else 4.
    area_len = 3 if digits.startswith(("01", "02")) else 4
    landline = f"{digits[:area_len]}-{digits[area_len:]}"
    if not _LANDLINE.match(landline):
        raise ValidationError(
            _("A landline number is an area code and 7 or 8 digits, e.g. 010-62345678."), code="landline"
        )
    return landline


def document_for_form(id_type: str, value: str) -> Identity:
    """validate_document for a service: its errors keyed to the "id_number" field."""
    try:
        return validate_document(id_type, value)
    except ValidationError as exc:
        raise ValidationError({"id_number": exc.messages}) from None


def phone_for_form(value: str) -> str:
    """normalize_phone for a service: its errors keyed to the "phone" field."""
    try:
        return normalize_phone(value)
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from None
