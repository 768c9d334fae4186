"""The router is mounted by fangkong/api.py; these tests call the route functions through ninja's test client."""

import datetime

import pytest
from django.utils import timezone
from ninja.testing import TestClient

from fangkong.workforce.api import router
from fangkong.workforce.services import shift_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return TestClient(router)


def test_on_duty_and_my_shifts_with_masked_phone_and_scope(api, post_a, officer_a, officer_b, checkpoint_a):
    now = timezone.now()
    shift_create(post=post_a, starts_at=now - datetime.timedelta(hours=1), ends_at=now + datetime.timedelta(hours=1),
                 leader_name="王队长", leader_phone="13912345678", members=[checkpoint_a], actor=officer_a)
    body = api.get(f"/posts/{post_a.pk}/on-duty", auth=checkpoint_a).json()
    assert [(s["leader_name"], s["leader_phone"], s["members"]) for s in body["shifts"]] == [
        ("王队长", "139****5678", ["checkpoint_a"])]
    assert api.get(f"/posts/{post_a.pk}/on-duty", auth=officer_b).status_code == 404
    assert [s["post_name"] for s in api.get("/my-shifts", auth=checkpoint_a).json()] == ["京港澳高速西平站口"]


def test_roster_violations_and_masked_volunteers_through_the_api(api, post_a, officer_a, officer_b, volunteer_a):
    from fangkong.workforce.services import roster_create
    from fangkong.workforce.tests.conftest import local

    today = timezone.localdate()
    roster = roster_create(post=post_a, starts_on=today, ends_on=today + datetime.timedelta(days=6), actor=officer_a)
    shift_create(post=post_a, starts_at=local(1, 8), ends_at=local(1, 20), leader_name="王", volunteers=[volunteer_a],
                 actor=officer_a)
    shift_create(post=post_a, starts_at=local(1, 22), ends_at=local(2, 6), leader_name="李", volunteers=[volunteer_a],
                 actor=officer_a)
    body = api.get(f"/rosters/{roster.pk}", auth=officer_a).json()
    assert [(v["name"], v["rule"], v["value"]) for v in body["violations"]] == [("志愿者王小明", "rest", 2.0)]
    assert api.get(f"/rosters/{roster.pk}", auth=officer_b).status_code == 404
    (row,) = api.get("/volunteers", auth=officer_a).json()
    assert row["phone"] == "138****1111" and volunteer_a.id_number not in row["id_number"]
    assert api.get("/volunteers", auth=officer_b).json() == []
