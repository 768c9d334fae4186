import pytest
from django.urls import reverse
from stdnum.cn import ric

from fangkong.people.services import household_create, person_create
from fangkong.risk import registry
from fangkong.risk.models import RiskArea, RiskAreaChange
from fangkong.risk.services import risk_area_declare

pytestmark = pytest.mark.django_db


def make_id(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")


@pytest.fixture
def residents(city):
    home_a = household_create(unit=city.a.building, number="1-101", address="东城区1号楼1-101", actor=None)
    home_b = household_create(unit=city.b.building, number="2-202", address="西城区1号楼2-202", actor=None)
    chen = person_create(name="陈纲", id_number=make_id("11010119800101123"), phone="13812345678",
                         household=home_a, actor=None)
    li = person_create(name="李四", id_number=make_id("31010419750505357"), phone="13600009999",
                       household=home_b, actor=None)
    return chen, li


def test_officer_declares_a_node_and_the_list_shows_it(client, city, officer_a):
    client.force_login(officer_a)
    response = client.post(reverse("risk:declare"), {"target": "node", "node": city.a.grid.pk, "level": "high",
                                                     "reason": "扩大风险范围"})
    area = RiskArea.objects.get()
    assert response.status_code == 302 and area.unit == city.a.grid
    assert area.history.get().to_level == "high"
    html = client.get(reverse("risk:list")).content.decode()
    assert "东城网格1" in html and "High risk/Sealed area" in html


def test_declare_without_reason_names_the_field_and_writes_nothing(client, city, officer_a):
    client.force_login(officer_a)
    response = client.post(reverse("risk:declare"), {"target": "node", "node": city.a.grid.pk, "level": "high"})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert not RiskArea.objects.exists()


def test_a_node_declared_twice_is_refused(client, city, officer_a):
    risk_area_declare(level="medium", actor=officer_a, reason="x", unit=city.a.grid)
    client.force_login(officer_a)
    response = client.post(reverse("risk:declare"), {"target": "node", "node": city.a.grid.pk, "level": "high",
                                                     "reason": "y"})
    assert "already a risk area" in str(response.context["form"].errors["node"])
    assert RiskArea.objects.count() == 1


def test_hq_declares_by_address_seeing_the_resolved_code_before_saving(client, hq):
    client.force_login(hq)
    data = {"target": "outside", "address": "河南省驻马店市西平县柏城街道", "level": "high", "reason": "通报"}
    first = client.post(reverse("risk:declare"), data)
    assert first.status_code == 200 and not RiskArea.objects.exists()
    assert "411721" in first.content.decode()
    second = client.post(reverse("risk:declare"), {**data, "code": "411721"})
    assert second.status_code == 302
    area = RiskArea.objects.get()
    assert (area.code, area.match_name, area.unit) == ("411721", "柏城街道", None)


def test_an_unresolvable_address_is_an_error_on_the_address(client, hq):
    client.force_login(hq)
    response = client.post(reverse("risk:declare"), {"target": "outside", "address": "asdf qwer", "level": "high",
                                                     "reason": "x"})
    assert "address" in response.context["form"].errors
    assert not RiskArea.objects.exists()


def test_resolve_fragment(client, hq):
    client.force_login(hq)
    html = client.get(reverse("risk:resolve"), {"address": "西平县柏城街道"}).content.decode()
    assert "411721" in html and "<html" not in html


def test_area_page_lists_residents_and_itinerary_people_masked_and_scoped(client, city, residents, officer_a):
    chen, li = residents
    area = risk_area_declare(level="high", actor=officer_a, reason="x", unit=city.a.street)
    # An itinerary source (arrivals) says 李四 of district B passed through.
    registry.register_itinerary_source(lambda area, since: [li.pk])
    client.force_login(officer_a)
    html = client.get(reverse("risk:area", kwargs={"area_id": area.pk})).content.decode()
    assert "陈纲" in html and "138****5678" in html and chen.id_number not in html
    assert "李四" not in html  # outside officer_a's scope


def test_hq_sees_itinerary_people_of_an_outside_area(client, residents, hq):
    chen, li = residents
    area = risk_area_declare(level="high", actor=hq, reason="x", code="411721", name="西平县")
    registry.register_itinerary_source(lambda a, since: [li.pk] if a.pk == area.pk else [])
    client.force_login(hq)
    html = client.get(reverse("risk:area", kwargs={"area_id": area.pk})).content.decode()
    assert "李四" in html and "陈纲" not in html


def test_change_level_and_lift_from_the_page(client, city, officer_a):
    area = risk_area_declare(level="high", actor=officer_a, reason="x", unit=city.a.grid)
    client.force_login(officer_a)
    client.post(reverse("risk:change_level", kwargs={"area_id": area.pk}), {"level": "low", "reason": "降级"})
    client.post(reverse("risk:lift", kwargs={"area_id": area.pk}), {"reason": "解封"})
    area.refresh_from_db()
    assert (area.level, area.status) == ("low", "lifted")
    assert [c.to_status for c in RiskAreaChange.objects.filter(area=area)] == ["lifted", "downgraded", "declared"]


def test_list_filters_by_level_and_searches_by_name_or_code(client, hq):
    risk_area_declare(level="high", actor=hq, reason="x", code="411721", name="西平县")
    risk_area_declare(level="low", actor=hq, reason="x", code="410100", name="郑州市")
    client.force_login(hq)
    html = client.get(reverse("risk:list"), {"level": "low"}).content.decode()
    assert "郑州市" in html and "西平县" not in html
    html = client.get(reverse("risk:list"), {"q": "4117"}).content.decode()
    assert "西平县" in html and "郑州市" not in html
    html = client.get(reverse("risk:list"), {"q": "郑州"}, headers={"HX-Request": "true"}).content.decode()
    assert "郑州市" in html and "<html" not in html


def test_public_page_needs_no_login_and_shows_no_personal_data(client, city, residents, officer_a):
    risk_area_declare(level="high", actor=officer_a, reason="病例 陈纲", unit=city.a.grid)
    html = client.get(reverse("risk:public")).content.decode()
    assert "东城网格1" in html and "High risk" in html
    assert "陈纲" not in html and "officer_a" not in html
