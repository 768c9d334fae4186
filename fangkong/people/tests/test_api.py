import pytest

from fangkong.accounts.models import AccessLog
from fangkong.people.models import Person
from fangkong.people.tests.conftest import make_id

pytestmark = pytest.mark.django_db


def test_person_detail_is_masked(api_client, chen, hq):
    body = api_client(hq).get(f"/api/v1/people/persons/{chen.pk}").json()
    assert body["name"] == "陈纲"
    assert body["phone"] == "138****5678"
    assert body["id_number"] != chen.id_number and body["id_number"].endswith(chen.id_number[-4:])
    assert body["history"][0]["to_status"] == "normal"


def test_out_of_scope_is_404_everywhere(api_client, li_b, officer_a):
    client = api_client(officer_a)
    assert client.get(f"/api/v1/people/persons/{li_b.pk}").status_code == 404
    assert client.get(f"/api/v1/people/households/{li_b.household_id}").status_code == 404
    assert client.post(f"/api/v1/people/persons/{li_b.pk}/reveal", {"reason": "x y"},
                       content_type="application/json").status_code == 404
    response = client.post(f"/api/v1/people/persons/{li_b.pk}/status", {"to_status": "hospital", "cause": "x"},
                           content_type="application/json")
    assert response.status_code == 404
    li_b.refresh_from_db()
    assert li_b.status == "normal"
    assert not AccessLog.objects.exists()


def test_reveal_needs_reason_and_is_logged(api_client, chen, hq):
    client = api_client(hq)
    url = f"/api/v1/people/persons/{chen.pk}/reveal"
    assert client.post(url, {"reason": ""}, content_type="application/json").status_code == 422
    assert not AccessLog.objects.exists()
    body = client.post(url, {"reason": "上门核实"}, content_type="application/json").json()
    assert body["id_number"] == chen.id_number and body["phone"] == "13812345678"
    assert AccessLog.objects.get().reason == "上门核实"


def test_reveal_without_capability_is_404(api_client, chen, lab_user):
    response = api_client(lab_user).post(f"/api/v1/people/persons/{chen.pk}/reveal", {"reason": "看看"},
                                         content_type="application/json")
    assert response.status_code == 404
    assert not AccessLog.objects.exists()


def test_create_person(api_client, city, officer_a):
    client = api_client(officer_a)
    response = client.post("/api/v1/people/persons", {
        "name": "王五", "id_number": make_id(), "phone": "13800001111",
        "building_code": city.a.building.code, "door": "9-901"}, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["phone"] == "138****1111"
    assert Person.objects.get().household.number == "9-901"


def test_create_person_bad_id_is_422_and_nothing_written(api_client, city, officer_a):
    response = api_client(officer_a).post("/api/v1/people/persons", {
        "name": "王五", "id_number": "110105194912310021", "building_code": city.a.building.code, "door": "1"},
        content_type="application/json")
    assert response.status_code == 422
    assert "check digit" in str(response.json())
    assert not Person.objects.exists()


def test_create_person_outside_scope_is_404(api_client, city, home_b, officer_a):
    client = api_client(officer_a)
    for payload in ({"building_code": city.b.building.code, "door": "1"}, {"household_id": home_b.pk}):
        response = client.post("/api/v1/people/persons", {"name": "王五", "id_number": make_id(), **payload},
                               content_type="application/json")
        assert response.status_code == 404
    assert not Person.objects.exists()


def test_status_change(api_client, chen, grid_worker_a):
    client = api_client(grid_worker_a)
    response = client.post(f"/api/v1/people/persons/{chen.pk}/status",
                           {"to_status": "home_monitoring", "cause": "来自中风险区"}, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["from_status"] == "normal"
    again = client.post(f"/api/v1/people/persons/{chen.pk}/status",
                        {"to_status": "home_monitoring", "cause": "x"}, content_type="application/json")
    assert again.status_code == 422
    chen.refresh_from_db()
    assert chen.status_history.count() == 2


def test_household_detail(api_client, chen, zhang, officer_a):
    body = api_client(officer_a).get(f"/api/v1/people/households/{chen.household_id}").json()
    assert {m["name"] for m in body["members"]} == {"陈纲", "张三"}
    assert all("*" in m["phone"] for m in body["members"])
    assert body["address"].endswith("****")
