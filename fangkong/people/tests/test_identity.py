import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from fangkong.people.identity import normalize_phone, validate_document, validate_resident_id
from fangkong.people.models import IdType, Sex
from fangkong.people.tests.conftest import make_id


def test_valid_resident_id_gives_birth_date_and_sex():
    identity = validate_resident_id("11010519491231002X")
    assert identity.number == "11010519491231002X"
    assert identity.birth_date == datetime.date(1949, 12, 31)
    # 17th digit 2: even, a woman.
    assert identity.sex == Sex.FEMALE
    assert validate_resident_id(make_id(seq="123")).sex == Sex.MALE


def test_lowercase_x_and_spaces_are_normalised():
    assert validate_resident_id(" 110105 19491231 002x ").number == "11010519491231002X"


def test_wrong_check_digit_is_named():
    with pytest.raises(ValidationError) as exc:
        validate_resident_id("110105194912310021")
    assert exc.value.messages == ["The check digit of this resident ID is wrong."]


def test_impossible_birth_date_is_named():
    with pytest.raises(ValidationError) as exc:
        validate_resident_id(make_id(birth="19900230"))
    assert "birth date" in exc.value.messages[0]


def test_future_birth_date_is_refused():
    future = (datetime.date.today() + datetime.timedelta(days=400)).strftime("%Y%m%d")
    with pytest.raises(ValidationError, match="birth date"):
        validate_resident_id(make_id(birth=future))


def test_unknown_area_code_is_refused():
    with pytest.raises(ValidationError, match="area code"):
        validate_resident_id(make_id(area="990000"))


def test_fifteen_digit_legacy_id_is_refused_clearly():
    with pytest.raises(ValidationError) as exc:
        validate_resident_id("110105491231002")
    assert exc.value.code == "legacy"
    assert "15-digit" in exc.value.messages[0]


def test_wrong_length_says_how_long():
    with pytest.raises(ValidationError, match="this one has 17"):
        validate_resident_id("11010519491231002")


_AREAS = st.sampled_from(["110101", "310104", "440305", "510104", "420102", "650102"])
_BIRTH = st.dates(min_value=datetime.date(1930, 1, 1), max_value=datetime.date(2020, 12, 31))
_SEQ = st.integers(min_value=0, max_value=999)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(area=_AREAS, birth=_BIRTH, seq=_SEQ)
def test_every_id_with_correct_check_digit_validates(area, birth, seq):
    number = make_id(area, birth.strftime("%Y%m%d"), f"{seq:03d}")
    identity = validate_resident_id(number)
    assert identity.birth_date == birth
    assert identity.sex == (Sex.MALE if seq % 2 else Sex.FEMALE)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(area=_AREAS, birth=_BIRTH, seq=_SEQ, position=st.integers(0, 17), offset=st.integers(1, 10))
def test_every_single_digit_change_fails(area, birth, seq, position, offset):
    number = make_id(area, birth.strftime("%Y%m%d"), f"{seq:03d}")
    alphabet = "0123456789X" if position == 17 else "0123456789"
    shift = 1 + (offset - 1) % (len(alphabet) - 1)
    replacement = alphabet[(alphabet.index(number[position]) + shift) % len(alphabet)]
    changed = number[:position] + replacement + number[position + 1:]
    assert not ric.is_valid(changed)
    with pytest.raises(ValidationError):
        validate_resident_id(changed)


@pytest.mark.parametrize(("id_type", "raw", "expected"), [
    (IdType.PASSPORT, " e12345678 ", "E12345678"),
    (IdType.HK_MACAO, "h12345678", "H12345678"),
    (IdType.TAIWAN, "12345678", "12345678"),
])
def test_documents_are_trimmed_and_uppercased(id_type, raw, expected):
    assert validate_document(id_type, raw).number == expected


@pytest.mark.parametrize(("id_type", "raw", "problem"), [
    (IdType.PASSPORT, "E1234-5678", "letters A–Z and digits"),
    (IdType.PASSPORT, "E12", "5 to 17"),
    (IdType.HK_MACAO, "", "Enter the document number"),
])
def test_bad_documents_name_the_problem(id_type, raw, problem):
    with pytest.raises(ValidationError, match=problem):
        validate_document(id_type, raw)


@pytest.mark.parametrize(("raw", "expected"), [
    ("13812345678", "13812345678"),
    ("+86 138 1234 5678", "13812345678"),
    ("0086-138-1234-5678", "13812345678"),
    ("010-62345678", "010-62345678"),
    ("(0755) 2345 6789", "0755-23456789"),
    ("+86 10 6234 5678", "010-62345678"),
    ("", ""),
])
def test_phone_is_normalised(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(("raw", "problem"), [
    ("12812345678", "starts with 13 to 19"),
    ("1381234567", "11 digits"),
    ("62345678", "area code"),
    ("138abc45678", "only digits"),
    ("010-123", "7 or 8 digits"),
])
def test_bad_phone_names_the_problem(raw, problem):
    with pytest.raises(ValidationError, match=problem):
        normalize_phone(raw)
