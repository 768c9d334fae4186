"""The device API: passages with client_key and Idempotency-Key, scoped keyset lists, list imports."""

import pytest

from fangkong.arrivals.models import Arrival, Passage
from fangkong.arrivals.tests.conftest import ORIGIN_HIGH, key, traveller

pytestmark = pytest.mark.django_db


def _payload(checkpoint, client_key, city, **over):
    t = traveller(1, city.a.grid)
    t["destination"] = city.a.grid.code
    t["itinerary"] = [{"code": "411721", "name": "西平县", "date": "2021-08-01"}]
    return {"checkpoint_id": checkpoint.pk, "client_key": client_key, "plate": "豫Q12345", "occupants": [t], **over}


def test_the_same_passage_posted_three_times_exists_once(api_client, protocol, high_area, grid_a, checkpoint,
                                                         checkpoint_a, city):
    client = api_client(checkpoint_a)
    payload = _payload(checkpoint, key(), city)
    first = client.post("/api/v1/arrivals/passages", payload, content_type="application/json")
    assert first.status_code == 201
    body = first.json()
    assert body["occupants"][0]["disposition"] == "hand_over_transfer"
    assert body["occupants"][0]["id_number"].startswith("411") and "*" in body["occupants"][0]["id_number"]
    # a resend without the header: recognised by client_key
    again = client.post("/api/v1/arrivals/passages", payload, content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    # a resend with an Idempotency-Key, twice: the middleware replays the stored answer the second time
    headers = {"HTTP_IDEMPOTENCY_KEY": "device-7-record-42"}
    third = client.post("/api/v1/arrivals/passages", payload, content_type="application/json", **headers)
    fourth = client.post("/api/v1/arrivals/passages", payload, content_type="application/json", **headers)
    assert third.json()["id"] == fourth.json()["id"] == body["id"]
    assert fourth.headers.get("Idempotent-Replayed") == "true"
    assert Passage.objects.count() == 1 and Arrival.objects.count() == 1


def test_bad_input_is_422_naming_the_field(api_client, protocol, checkpoint, checkpoint_a, city):
    payload = _payload(checkpoint, key(), city, plate="ABC")
    payload["occupants"][0]["temperature"] = 43.1
    response = api_client(checkpoint_a).post("/api/v1/arrivals/passages", payload, content_type="application/json")
    assert response.status_code == 422
    assert set(response.json()["detail"]) == {"plate", "occupants.0.temperature"}
    assert not Passage.objects.exists()


def test_arrivals_are_listed_by_keyset(api_client, protocol, high_area, grid_a, checkpoint, checkpoint_a,
                                       officer_a, city):
    occupants = [traveller(n, city.a.grid) for n in range(1, 6)]
    api_client(checkpoint_a).post("/api/v1/arrivals/passages", {
        "checkpoint_id": checkpoint.pk, "client_key": key(), "plate": "豫Q12345", "occupants": occupants},
        content_type="application/json")
    client = api_client(officer_a)
    first = client.get("/api/v1/arrivals/arrivals?size=3").json()
    second = client.get(f"/api/v1/arrivals/arrivals?size=3&after={first['next_after']}").json()
    ids = [a["id"] for a in first["items"] + second["items"]]
    assert len(ids) == 5 == len(set(ids)) and ids == sorted(ids, reverse=True)
    assert second["next_after"] is None
    assert all("*" in a["phone"] for a in first["items"])


def test_a_coordination_list_is_posted(api_client, protocol, officer_a, city):
    csv = ("name,id_number,phone,origin,left_on,destination,address\n"
           f"张三,{traveller(1)['id_number']},13800001111,{ORIGIN_HIGH},2020-01-01,{city.a.grid.code},1号楼\n"
           f"李四,123,13800001111,{ORIGIN_HIGH},2020-01-01,{city.a.grid.code},1号楼\n")
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = api_client(officer_a).post("/api/v1/arrivals/coordination-lists",
                                          {"file": SimpleUploadedFile("list.csv", csv.encode())})
    assert response.status_code == 422
    assert [e["line"] for e in response.json()["errors"]] == [3]
    assert not Arrival.objects.exists()


def test_checkpoint_staff_cannot_import(api_client, checkpoint_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = api_client(checkpoint_a).post("/api/v1/arrivals/coordination-lists",
                                             {"file": SimpleUploadedFile("list.csv", b"name\n")})
    assert response.status_code == 404
