"""/api/v1/territory: the same scope as the pages; out of scope is 404."""

import pytest

from fangkong.accounts.models import ApiToken
from fangkong.territory.models import Level, Responsibility
from fangkong.territory.services import unit_create

pytestmark = pytest.mark.django_db
Role = Responsibility.Role
BASE = "/api/v1/territory"


@pytest.fixture
def api(client):
    def as_user(user):
        _, raw = ApiToken.issue(user=user, name="test")
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
        return client

    return as_user


def test_unit_detail(city, officer_a, api):
    body = api(officer_a).get(f"{BASE}/units/{city.a.street.pk}").json()
    assert (body["code"], body["name"], body["level"], body["parent_id"]) == (
        "630801001", "东城街道", Level.STREET, city.a.district.pk)


def test_children_are_paged_by_keyset(city, officer_a, api):
    for i in range(5):
        unit_create(parent=city.a.street, level=Level.COMMUNITY, name=f"社区{i}", code=f"C{i}")
    client = api(officer_a)
    first = client.get(f"{BASE}/units/{city.a.street.pk}/children", {"size": 4}).json()
    assert len(first["items"]) == 4 and first["next_after"] is not None
    rest = client.get(f"{BASE}/units/{city.a.street.pk}/children",
                      {"size": 4, "after": first["next_after"]}).json()
    assert len(rest["items"]) == 2 and rest["next_after"] is None
    codes = [u["code"] for u in first["items"] + rest["items"]]
    assert sorted(codes) == sorted(["630801001001", "C0", "C1", "C2", "C3", "C4"])


def test_responsible_walks_up(city, officer_a, api):
    Responsibility.objects.create(unit=city.a.grid, role=Role.GRID_WORKER, name="网格员甲", phone="13800138000")
    client = api(officer_a)
    body = client.get(f"{BASE}/units/{city.a.building.pk}/responsible", {"role": "grid_worker"}).json()
    assert body["responsible"]["name"] == "网格员甲" and body["responsible"]["phone"] == "138****8000"
    body = client.get(f"{BASE}/units/{city.a.building.pk}/responsible", {"role": "area_leader"}).json()
    assert body["responsible"] is None
    assert client.get(f"{BASE}/units/{city.a.building.pk}/responsible", {"role": "mayor"}).status_code == 422


def test_create_responsibility(city, officer_a, grid_worker_a, api):
    response = api(officer_a).post(f"{BASE}/units/{city.a.grid.pk}/responsibilities",
                                   {"role": "grid_worker", "user_id": grid_worker_a.pk, "phone": "13912345678"},
                                   content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "grid_a"
    assert Responsibility.objects.get().user == grid_worker_a


def test_create_responsibility_bad_input_is_422_and_writes_nothing(city, officer_a, api):
    response = api(officer_a).post(f"{BASE}/units/{city.a.grid.pk}/responsibilities",
                                   {"role": "grid_worker", "name": "王", "phone": "123"},
                                   content_type="application/json")
    assert response.status_code == 422 and "phone" in response.json()["detail"]
    assert not Responsibility.objects.exists()


def test_out_of_scope_is_404_everywhere(city, officer_a, officer_b, households, api):
    client = api(officer_a)
    for path in (f"/units/{city.b.grid.pk}", f"/units/{city.b.grid.pk}/children",
                 f"/units/{city.b.grid.pk}/responsible?role=grid_worker", f"/units/{city.city.pk}",
                 "/units/999999"):
        assert client.get(BASE + path).status_code == 404, path
    response = client.post(f"{BASE}/units/{city.b.grid.pk}/responsibilities", {"role": "grid_worker", "name": "越权"},
                           content_type="application/json")
    assert response.status_code == 404
    # A household of B cannot be attached to a node of A either.
    response = client.post(f"{BASE}/units/{city.a.building.pk}/responsibilities",
                           {"role": "party_member", "name": "党员", "household_id": households.b1.pk},
                           content_type="application/json")
    assert response.status_code == 404
    assert not Responsibility.objects.exists()


def test_grid_worker_cannot_create_through_api(city, grid_worker_a, api):
    response = api(grid_worker_a).post(f"{BASE}/units/{city.a.grid.pk}/responsibilities",
                                       {"role": "grid_worker", "name": "我"}, content_type="application/json")
    assert response.status_code == 404
    assert not Responsibility.objects.exists()
