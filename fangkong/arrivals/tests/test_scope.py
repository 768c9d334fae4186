"""Scope: checkpoint staff see their district's checkpoints only; an officer of B never sees A's arrivals."""

import pytest

from fangkong.arrivals.models import Arrival
from fangkong.arrivals.services import passage_record
from fangkong.arrivals.tests.conftest import key, traveller

pytestmark = pytest.mark.django_db


@pytest.fixture
def arrival_a(protocol, high_area, grid_a, checkpoint, checkpoint_a, city):
    passage_record(checkpoint=checkpoint, plate="豫Q12345", occupants=[traveller(1, city.a.grid)], client_key=key(),
                   actor=checkpoint_a)
    return Arrival.objects.get()


def test_checkpoint_staff_see_only_their_districts_checkpoints(client, checkpoint, checkpoint_b, checkpoint_a):
    client.force_login(checkpoint_a)
    page = client.get("/arrivals/").content.decode()
    assert checkpoint.name in page and checkpoint_b.name not in page
    assert client.get(f"/arrivals/checkpoints/{checkpoint_b.pk}/").status_code == 404


def test_officer_b_gets_404_on_district_a_arrivals(client, api_client, arrival_a, officer_b, officer_a):
    client.force_login(officer_b)
    assert arrival_a.name not in client.get("/arrivals/list/").content.decode()
    client.force_login(officer_a)
    assert arrival_a.name in client.get("/arrivals/list/").content.decode()


def test_officer_b_sees_nothing_of_district_a_in_the_api(api_client, arrival_a, officer_b, officer_a):
    assert api_client(officer_b).get("/api/v1/arrivals/arrivals").json()["items"] == []
    items = api_client(officer_a).get("/api/v1/arrivals/arrivals").json()["items"]
    assert [i["id"] for i in items] == [arrival_a.pk]


def test_officer_b_cannot_register_a_passage_at_a_checkpoint_of_a(client, officer_b, checkpoint):
    client.force_login(officer_b)
    assert client.get(f"/arrivals/checkpoints/{checkpoint.pk}/").status_code == 404
    assert client.post(f"/arrivals/checkpoints/{checkpoint.pk}/", {"client_key": key()}).status_code == 404


def test_the_hq_view_needs_the_report_capability(client, checkpoint_a, grid_worker_a):
    for user in (checkpoint_a, grid_worker_a):
        client.force_login(user)
        assert client.get("/arrivals/hq/").status_code == 404
