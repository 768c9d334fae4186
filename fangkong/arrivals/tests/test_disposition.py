"""The checkpoint rule, table-tested: no database, no Django (fangkong.arrivals.engine)."""

from decimal import Decimal

import pytest

from fangkong.arrivals.engine.disposition import Decision, decide, effective_level, highest_level
from fangkong.arrivals.engine.disposition import Disposition as D
from fangkong.arrivals.engine.plates import PlateError, normalize_plate

T = Decimal("37.3")
N = Decimal("36.5")

# temperature, recheck, code, 48 h test, origin level, origin resolved -> disposition
CASES = [
    (N, None, "green", True, None, True, D.PASS),
    (N, None, "green", True, "low", True, D.REGISTER_AND_PASS),
    (N, None, "green", True, None, False, D.REGISTER_AND_PASS),
    (N, None, "green", True, "medium", True, D.TEST_ON_ARRIVAL),
    (N, None, "green", True, "high", True, D.HAND_OVER_TRANSFER),
    (N, None, "yellow", True, None, True, D.PERSUADE_TO_RETURN),
    (N, None, "none", True, None, True, D.PERSUADE_TO_RETURN),
    (N, None, "green", False, None, True, D.PERSUADE_TO_RETURN),
    (N, None, "green", False, "medium", True, D.PERSUADE_TO_RETURN),
    (N, None, "red", True, None, True, D.HAND_OVER_TRANSFER),
    (N, None, "red", False, "low", True, D.HAND_OVER_TRANSFER),
    (N, None, "yellow", False, "high", True, D.HAND_OVER_TRANSFER),
    (Decimal("37.3"), None, "green", True, None, True, D.OBSERVATION),
    (Decimal("37.2"), None, "green", True, None, True, D.PASS),
    (Decimal("38.0"), Decimal("37.0"), "green", True, None, True, D.PASS),
    (Decimal("38.0"), Decimal("37.0"), "green", True, "high", True, D.HAND_OVER_TRANSFER),
    (Decimal("38.0"), Decimal("37.8"), "green", True, None, True, D.FEVER_CLINIC),
    (Decimal("38.0"), Decimal("37.8"), "red", True, "high", True, D.FEVER_CLINIC),
    (Decimal("38.0"), None, "red", True, "high", True, D.OBSERVATION),
]


@pytest.mark.parametrize("temperature,recheck,code,tested,level,resolved,expected", CASES)
def test_disposition_table(temperature, recheck, code, tested, level, resolved, expected):
    decision = decide(temperature=temperature, fever_threshold=T, health_code=code,
                      negative_test_within_48h=tested, origin_level=level, origin_resolved=resolved,
                      recheck_temperature=recheck)
    assert decision.disposition == expected


def test_every_rule_that_fired_is_named():
    decision = decide(temperature=N, fever_threshold=T, health_code="yellow", negative_test_within_48h=False,
                      origin_level="medium")
    assert decision.disposition == D.PERSUADE_TO_RETURN
    assert decision.reasons == ("yellow_code", "no_negative_test", "origin_medium")


def test_the_threshold_is_an_input():
    warm = Decimal("37.0")
    assert decide(temperature=warm, fever_threshold=Decimal("37.3"), health_code="green",
                  negative_test_within_48h=True, origin_level=None).disposition == D.PASS
    assert decide(temperature=warm, fever_threshold=Decimal("37.0"), health_code="green",
                  negative_test_within_48h=True, origin_level=None).disposition == D.OBSERVATION


def test_who_enters_and_is_registered():
    entering = {d for d in D if Decision(d, ()).enters}
    assert entering == {D.REGISTER_AND_PASS, D.TEST_ON_ARRIVAL, D.HAND_OVER_TRANSFER, D.FEVER_CLINIC}


def test_unknown_inputs_are_refused():
    with pytest.raises(ValueError):
        decide(temperature=N, fever_threshold=T, health_code="blue", negative_test_within_48h=True, origin_level=None)
    with pytest.raises(ValueError):
        decide(temperature=N, fever_threshold=T, health_code="green", negative_test_within_48h=True,
               origin_level="extreme")


def test_levels():
    assert effective_level(origin_level=None, health_code="red") == "high"
    assert effective_level(origin_level="medium", health_code="green") == "medium"
    assert highest_level([None, "low", "medium"]) == "medium"
    assert highest_level([None, None]) is None


@pytest.mark.parametrize("plate,expected", [
    ("豫Q12345", "豫Q12345"), ("京AD12345", "京AD12345"), ("京A12345D", "京A12345D"), ("粤b·1234学", "粤B1234学"),
    (" 沪A 9X8Y7 ", "沪A9X8Y7"),
])
def test_possible_plates(plate, expected):
    assert normalize_plate(plate) == expected


@pytest.mark.parametrize("plate,code", [
    ("ABC", "province"), ("港A12345", "province"), ("京I12345", "authority"), ("京A1234", "length"),
    ("京A123456789", "length"), ("京AX12345", "format"), ("沪AO1234", "format"), ("", "empty"),
])
def test_impossible_plates(plate, code):
    with pytest.raises(PlateError) as caught:
        normalize_plate(plate)
    assert caught.value.code == code
