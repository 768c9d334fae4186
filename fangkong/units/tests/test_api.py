import pytest
from django.utils import timezone

from fangkong.units import selectors
from fangkong.units.models import Application

pytestmark = pytest.mark.django_db


def test_the_api_lists_only_the_contacts_unit(api_client, contact, refinery, smelter):
    client = api_client(contact)
    body = client.get("/api/v1/units/").json()
    assert [u["id"] for u in body["items"]] == [refinery.pk]
    assert client.get(f"/api/v1/units/{smelter.pk}").status_code == 404
    detail = client.get(f"/api/v1/units/{refinery.pk}").json()
    assert detail["staff_figures"]["total"] == 0 and detail["contact_name"] == "王安全"


def test_the_api_takes_an_application(api_client, contact, refinery):
    items = selectors.checklist_items(kind="enterprise")
    payload = {"planned_reopen_on": timezone.localdate().isoformat(),
               "answers": [{"item_id": i.pk, "met": True} for i in items]}
    response = api_client(contact).post(f"/api/v1/units/{refinery.pk}/applications", payload,
                                         content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "submitted" and len(response.json()["answers"]) == len(items)


def test_the_api_refuses_a_bad_application_and_another_districts_unit(api_client, contact, refinery, officer_b):
    response = api_client(contact).post(f"/api/v1/units/{refinery.pk}/applications",
                                        {"planned_reopen_on": "2020-01-01", "answers": []},
                                        content_type="application/json")
    assert response.status_code == 422 and "planned_reopen_on" in response.json()["detail"]
    response = api_client(officer_b).post(f"/api/v1/units/{refinery.pk}/applications",
                                          {"planned_reopen_on": timezone.localdate().isoformat(), "answers": []},
                                          content_type="application/json")
    assert response.status_code == 404
    assert not Application.objects.exists()
