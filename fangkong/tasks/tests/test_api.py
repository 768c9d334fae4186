import json

import pytest

from fangkong.accounts.models import ApiToken
from fangkong.audit.models import AuditEntry
from fangkong.tasks.models import Task

pytestmark = pytest.mark.django_db

API = "/api/v1/tasks"


@pytest.fixture
def device(client):
    """An API client for a user, signed in with a bearer token as a phone would be."""

    def for_user(user):
        _token, raw = ApiToken.issue(user=user, name="phone")

        class Device:
            def get(self, path, **extra):
                return client.get(API + path, HTTP_AUTHORIZATION=f"Bearer {raw}", **extra)

            def post(self, path, body=None, **extra):
                return client.post(API + path, json.dumps(body or {}), content_type="application/json",
                                   HTTP_AUTHORIZATION=f"Bearer {raw}", **extra)

        return Device()

    return for_user


def test_inbox_and_detail(device, grid_worker_a, visit_a, visit_b):
    phone = device(grid_worker_a)

    inbox = phone.get("/inbox").json()
    detail = phone.get(f"/tasks/{visit_a.pk}").json()

    assert [t["id"] for t in inbox["items"]] == [visit_a.pk] and inbox["next_after"] is None
    assert detail["kind"] == "household_visit" and detail["subject"] == "东城1号楼 101"
    assert "nobody_home" in [o["code"] for o in detail["outcomes"]]


def test_accept_and_complete_with_members(device, grid_worker_a, visit_a, household_a):
    zhang, li = household_a.members.order_by("pk")
    phone = device(grid_worker_a)

    accepted = phone.post(f"/tasks/{visit_a.pk}/accept")
    done = phone.post(f"/tasks/{visit_a.pk}/complete", {
        "outcome": "visited_all_present", "note": "都在",
        "data": {"members": [{"person_id": zhang.pk, "present": True}, {"person_id": li.pk, "present": True}]},
    })

    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert done.json()["outcome_data"]["members"][1] == {"person_id": li.pk, "present": True}


def test_retried_complete_with_same_key_applies_once(device, grid_worker_a, visit_a):
    phone = device(grid_worker_a)
    body = {"outcome": "nobody_home", "note": "敲门无人"}

    first = phone.post(f"/tasks/{visit_a.pk}/complete", body, HTTP_IDEMPOTENCY_KEY="visit-42-complete")
    retry = phone.post(f"/tasks/{visit_a.pk}/complete", body, HTTP_IDEMPOTENCY_KEY="visit-42-complete")
    without_key = phone.post(f"/tasks/{visit_a.pk}/complete", body)

    assert first.status_code == retry.status_code == 200
    assert retry.content == first.content and retry["Idempotent-Replayed"] == "true"
    assert AuditEntry.objects.filter(object_id=visit_a.pk, content_type__model="task", action="complete").count() == 1
    assert Task.objects.filter(kind="follow_up").count() == 1
    # A second completion without the key is a real second attempt, and is refused.
    assert without_key.status_code == 422 and "completed" in without_key.content.decode()


def test_complete_with_bad_outcome_is_422_and_changes_nothing(device, grid_worker_a, visit_a):
    response = device(grid_worker_a).post(f"/tasks/{visit_a.pk}/complete", {"outcome": "teleported"})

    assert response.status_code == 422 and "outcome" in response.json()["detail"]
    visit_a.refresh_from_db()
    assert visit_a.status == Task.Status.OPEN


def test_outsider_gets_404_and_changes_nothing(device, officer_a, grid_worker_a, visit_b):
    for user in (officer_a, grid_worker_a):
        phone = device(user)
        assert phone.get(f"/tasks/{visit_b.pk}").status_code == 404
        assert phone.post(f"/tasks/{visit_b.pk}/accept").status_code == 404
        assert phone.post(f"/tasks/{visit_b.pk}/complete", {"outcome": "nobody_home"}).status_code == 404
        assert phone.post(f"/tasks/{visit_b.pk}/cancel", {"note": "x"}).status_code == 404
        assert visit_b.pk not in [t["id"] for t in phone.get("/inbox").json()["items"]]
    visit_b.refresh_from_db()
    assert visit_b.status == Task.Status.OPEN and visit_b.accepted_at is None


def test_dispatch_creates_once_per_key(device, city, officer_a, responsibilities, household_a, grid_worker_a):
    phone = device(officer_a)
    body = {"kind": "household_visit", "unit_id": city.a.building.pk, "household_id": household_a.pk,
            "dedupe_key": "api:visit:1"}

    first = phone.post("/tasks", body)
    second = phone.post("/tasks", body)

    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert first.json()["owner"] == str(grid_worker_a)
    assert Task.objects.count() == 1


def test_dispatch_bad_input_and_scope(device, city, officer_a, officer_b, grid_worker_a, household_a):
    unknown_kind = device(officer_a).post("/tasks", {"kind": "teleport", "unit_id": city.a.grid.pk})
    no_household = device(officer_a).post("/tasks", {"kind": "household_visit", "unit_id": city.a.grid.pk})
    outsider = device(officer_b).post("/tasks", {"kind": "household_visit", "unit_id": city.a.building.pk,
                                                 "household_id": household_a.pk})
    field_worker = device(grid_worker_a).post("/tasks", {"kind": "follow_up", "unit_id": city.a.grid.pk})

    assert unknown_kind.status_code == 422 and "kind" in unknown_kind.json()["detail"]
    assert no_household.status_code == 422 and "household" in no_household.json()["detail"]
    assert outsider.status_code == 404
    assert field_worker.status_code == 404
    assert not Task.objects.exists()
