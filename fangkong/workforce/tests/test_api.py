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
