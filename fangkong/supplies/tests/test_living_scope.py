"""Every living-support page that takes an id treats another district's object as missing, for every role."""

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_user
from fangkong.accounts.roles import Role
from fangkong.supplies.living import services
from fangkong.supplies.models.living import DeliveryStop, Need
from fangkong.supplies.tests.test_living import home_b, make_household  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def world_b(city, home_b, grid_worker_b):  # noqa: F811
    supplies_b = make_user("supplies_b", Role.SUPPLIES, city.b.district)
    daily = services.need_record(household=home_b, kind="daily", items=[("大米", "5", "斤")], actor=grid_worker_b)
    urgent = services.need_record(household=home_b, kind="medicine", items=[("布洛芬", "1", "盒")],
                                  actor=grid_worker_b)
    batch = services.batch_create(unit=city.b.district, cut_off=timezone.now(), actor=supplies_b)
    delivery = services.round_create_for_batch(batch=batch, actor=supplies_b)
    link = services.household_link_get_or_create(household=home_b, actor=grid_worker_b)
    return {"household": home_b, "daily": daily, "urgent": urgent, "batch": batch, "delivery": delivery,
            "stop": delivery.stops.get(), "link": link}


@pytest.mark.parametrize("role", [Role.OFFICER, Role.SUPPLIES, Role.GRID_WORKER, Role.HQ])
def test_district_a_users_never_reach_district_b(client, city, world_b, role):
    scope = {Role.GRID_WORKER: city.a.grid, Role.HQ: city.a.district}.get(role, city.a.district)
    client.force_login(make_user(f"a_{role}", role, scope))
    w = world_b
    pages = [
        reverse("supplies:living_household", args=[w["household"].pk]),
        reverse("supplies:living_need_new", args=[w["household"].pk]),
        reverse("supplies:living_need", args=[w["daily"].pk]),
        reverse("supplies:living_batch", args=[w["batch"].pk]),
        reverse("supplies:living_round", args=[w["delivery"].pk]),
    ]
    for url in pages:
        assert client.get(url).status_code == 404, url
    posts = [
        (reverse("supplies:living_need_new", args=[w["household"].pk]),
         {"kind": "daily", "item_name_0": "大米", "item_qty_0": "1"}),
        (reverse("supplies:living_household_link", args=[w["household"].pk]), {}),
        (reverse("supplies:living_round_new"), {"need": w["urgent"].pk}),
        (reverse("supplies:living_round_new"), {"batch": w["batch"].pk}),
        (reverse("supplies:living_stop_confirm", args=[w["delivery"].pk, w["stop"].pk]), {"handover": "door"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    for page in (reverse("supplies:living_needs"), reverse("supplies:living_batches"),
                 reverse("supplies:living_rounds")):
        response = client.get(page)
        assert response.status_code in (200, 404)
        assert "王五" not in response.content.decode() and str(w["household"]) not in response.content.decode()
    assert Need.objects.count() == 2 and w["urgent"].__class__.objects.get(pk=w["urgent"].pk).stop_id is None
    assert DeliveryStop.objects.get().status == DeliveryStop.Status.PENDING


def test_a_grid_worker_cannot_confirm_deliveries_even_in_the_own_grid(client, city, grid_worker_a):
    household = make_household(city.a.building, "101", "张三丰")
    supplies_a = make_user("supplies_a", Role.SUPPLIES, city.a.district)
    need = services.need_record(household=household, kind="medicine", items=[("布洛芬", "1", "盒")],
                                actor=grid_worker_a)
    delivery = services.round_create_for_need(need=need, members=[], actor=supplies_a)
    client.force_login(grid_worker_a)
    stop = delivery.stops.get()
    response = client.post(reverse("supplies:living_stop_confirm", args=[delivery.pk, stop.pk]), {"handover": "door"})
    assert response.status_code == 404
    need.refresh_from_db()
    assert need.status == Need.Status.OUT
