import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from fangkong.risk.models import RiskArea
from fangkong.risk.selectors import area_list
from fangkong.risk.services import risk_area_change_level, risk_area_declare, risk_area_lift

pytestmark = pytest.mark.django_db


@pytest.fixture
def area_a(city, officer_a):
    return risk_area_declare(level="high", actor=officer_a, reason="病例", unit=city.a.community)


def test_officer_b_does_not_see_district_a_areas(client, area_a, officer_b):
    assert not area_list(user=officer_b).exists()
    client.force_login(officer_b)
    assert client.get(reverse("risk:area", kwargs={"area_id": area_a.pk})).status_code == 404
    html = client.get(reverse("risk:list")).content.decode()
    assert area_a.name not in html


def test_officer_b_cannot_change_or_lift_district_a_areas(client, area_a, officer_b):
    client.force_login(officer_b)
    response = client.post(reverse("risk:change_level", kwargs={"area_id": area_a.pk}),
                           {"level": "low", "reason": "x"})
    assert response.status_code == 404
    assert client.post(reverse("risk:lift", kwargs={"area_id": area_a.pk}), {"reason": "x"}).status_code == 404
    with pytest.raises(PermissionDenied):
        risk_area_lift(area=area_a, reason="x", actor=officer_b)
    with pytest.raises(PermissionDenied):
        risk_area_change_level(area=area_a, level="low", reason="x", actor=officer_b)
    area_a.refresh_from_db()
    assert (area_a.level, area_a.status) == ("high", "declared")


def test_officer_b_cannot_declare_on_a_district_a_node(city, officer_b, client):
    with pytest.raises(PermissionDenied):
        risk_area_declare(level="high", actor=officer_b, reason="x", unit=city.a.grid)
    client.force_login(officer_b)
    client.post(reverse("risk:declare"), {"target": "node", "node": city.a.grid.pk, "level": "high", "reason": "x"})
    assert not RiskArea.objects.exists()


def test_outside_regions_are_seen_by_all_but_changed_by_the_hq_only(officer_a, hq, grid_worker_b):
    area = risk_area_declare(level="high", actor=hq, reason="通告", code="411721", name="西平县")
    assert list(area_list(user=officer_a)) == [area]
    assert list(area_list(user=grid_worker_b)) == [area]
    with pytest.raises(PermissionDenied):
        risk_area_declare(level="high", actor=officer_a, reason="通告", code="411722", name="上蔡县")
    with pytest.raises(PermissionDenied):
        risk_area_lift(area=area, reason="x", actor=officer_a)
    assert RiskArea.objects.count() == 1


def test_a_lab_user_without_risk_view_sees_nothing(client, area_a, lab_user):
    assert not area_list(user=lab_user).exists()
    client.force_login(lab_user)
    assert client.get(reverse("risk:list")).status_code == 404
