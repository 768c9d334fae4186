from datetime import timedelta

import pytest
from django.utils import timezone

from fangkong.risk.selectors import origin_level
from fangkong.risk.services import risk_area_change_level, risk_area_declare, risk_area_lift

pytestmark = pytest.mark.django_db


def test_a_province_covers_every_code_in_it(outside):
    outside("410000", "low", "河南省")
    assert origin_level(code="411721") == "low"
    assert origin_level(code="410102") == "low"
    assert origin_level(code="420102") is None


def test_a_city_covers_its_counties_and_not_its_neighbours(outside):
    outside("411700", "medium", "驻马店市")
    assert origin_level(code="411721") == "medium"
    assert origin_level(code="411700") == "medium"
    assert origin_level(code="411602") is None


def test_a_county_covers_itself_and_its_townships(outside):
    outside("411721", "high", "西平县")
    assert origin_level(code="411721") == "high"
    assert origin_level(code="411721001000") == "high"
    assert origin_level(code="411722") is None
    # An address known only to the city is not inside the county.
    assert origin_level(code="411700") is None


def test_a_township_covers_addresses_whose_rest_starts_with_its_name(outside):
    outside("411721", "high", "河南省驻马店市西平县柏城街道")
    assert origin_level(code="411721", name="柏城街道东关社区") == "high"
    assert origin_level(code="411721", name="河南省驻马店市西平县柏城街道徐魏庄") == "high"
    assert origin_level(code="411721", name="出山镇") is None
    assert origin_level(code="411721") is None


def test_a_township_by_nine_digit_code_covers_its_longer_codes_and_its_name(outside):
    outside("411721001", "medium", "柏城街道")
    assert origin_level(code="411721001001") == "medium"
    assert origin_level(code="411721", name="柏城街道") == "medium"
    assert origin_level(code="411721002001") is None


def test_the_highest_active_level_wins(outside):
    outside("410000", "low", "河南省")
    outside("411700", "medium", "驻马店市")
    outside("411721", "high", "柏城街道")
    assert origin_level(code="411721", name="柏城街道") == "high"
    assert origin_level(code="411721", name="出山镇") == "medium"


def test_lifted_areas_are_ignored(outside):
    area = outside("411721", "high", "西平县")
    risk_area_lift(area=area, reason="解封", actor=None)
    assert origin_level(code="411721") is None


def test_a_level_at_a_past_moment_is_the_level_then(outside):
    area = outside("411721", "high", "西平县")
    before_change = timezone.now()
    risk_area_change_level(area=area, level="low", reason="降级", actor=None,
                           at=before_change + timedelta(seconds=1))
    assert origin_level(code="411721") == "low"
    assert origin_level(code="411721", at=before_change) == "high"
    assert origin_level(code="411721", at=area.declared_at - timedelta(days=1)) is None


def test_nonsense_codes_have_no_level(outside):
    outside("411721", "high", "西平县")
    assert origin_level(code="") is None
    assert origin_level(code="abc") is None
    assert origin_level(code="4117211") is None


def test_our_own_district_declared_high_covers_its_code(city):
    risk_area_declare(level="high", actor=None, reason="疑似", unit=city.a.district)
    assert origin_level(code="630801") == "high"
    assert origin_level(code="630802") is None


def test_one_query(outside, django_assert_num_queries):
    outside("410000", "low", "河南省")
    outside("411721", "high", "柏城街道")
    with django_assert_num_queries(1):
        assert origin_level(code="411721", name="柏城街道") == "high"
