"""The checkpoint phone page: the form path, the live proposal, resends, errors on the right field."""

import pytest

from fangkong.arrivals.models import Arrival, Passage
from fangkong.arrivals.tests.conftest import ORIGIN_HIGH, key, traveller

pytestmark = pytest.mark.django_db


def _post_data(client_key, *travellers, plate="豫Q12345"):
    data = {"plate": plate, "client_key": client_key}
    for index, t in enumerate(travellers):
        for name, value in t.items():
            if name == "negative_test_within_48h":
                value = "yes" if value else "no"
            data[f"occ-{index}-{name}"] = "" if value is None else value
    return data


def test_the_form_records_a_passage_once_however_often_it_is_sent(
        client, protocol, high_area, grid_a, checkpoint, checkpoint_a, city):
    client.force_login(checkpoint_a)
    url = f"/arrivals/checkpoints/{checkpoint.pk}/"
    data = _post_data(key(), traveller(1, city.a.grid), traveller(2, city.a.grid))
    for _ in range(3):
        response = client.post(url, data)
        assert response.status_code == 302
    assert Passage.objects.count() == 1 and Arrival.objects.count() == 2
    page = client.get(url).content.decode()
    assert "Recorded 豫Q12345: 2 people, 2 registered." in page
    assert "旅客1" in page and "Hand over for transfer" in page


def test_errors_come_back_on_the_travellers_field(client, protocol, checkpoint, checkpoint_a, city):
    client.force_login(checkpoint_a)
    data = _post_data(key(), traveller(1, city.a.grid), traveller(2, city.a.grid, temperature="33.9"), plate="ABC")
    response = client.post(f"/arrivals/checkpoints/{checkpoint.pk}/", data)
    assert response.status_code == 422
    page = response.content.decode()
    assert "A plate starts with a province abbreviation" in page
    assert "between 34 and 43" in page
    assert not Passage.objects.exists()


def test_the_proposal_follows_what_is_typed(client, protocol, high_area, checkpoint, checkpoint_a):
    client.force_login(checkpoint_a)
    url = f"/arrivals/checkpoints/{checkpoint.pk}/proposal/"
    base = {"prefix": "occ-2", "occ-2-temperature": "36.4", "occ-2-health_code": "green",
            "occ-2-negative_test_within_48h": "yes", "occ-2-origin_text": "北京市东城区"}
    page = client.post(url, base, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="proposal-occ-2"' in page and 'data-disposition="pass"' in page
    page = client.post(url, {**base, "occ-2-origin_text": ORIGIN_HIGH}, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-disposition="hand_over_transfer"' in page and "high-risk area" in page
    page = client.post(url, {**base, "occ-2-origin_text": "某个地方"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Origin unresolved" in page and 'data-disposition="register_and_pass"' in page
    page = client.post(url, {**base, "occ-2-temperature": "33"}, HTTP_HX_REQUEST="true").content.decode()
    assert "between 34 and 43" in page


def test_another_traveller_block_moves_the_add_button_on(client, protocol, checkpoint, checkpoint_a):
    client.force_login(checkpoint_a)
    page = client.get(f"/arrivals/checkpoints/{checkpoint.pk}/occupant/?index=1",
                      HTTP_HX_REQUEST="true").content.decode()
    assert 'name="occ-1-id_number"' in page and "index=2" in page and 'hx-swap-oob="true"' in page


def test_the_page_offers_the_offline_script_and_no_inline_script(client, protocol, checkpoint, checkpoint_a):
    client.force_login(checkpoint_a)
    page = client.get(f"/arrivals/checkpoints/{checkpoint.pk}/").content.decode()
    assert "arrivals/offline.js" in page and "data-offline" in page
    assert "<script>" not in page


def test_a_grid_worker_registers_an_arrival(client, protocol, high_area, grid_a, city):
    client.force_login(grid_a)
    response = client.post("/arrivals/new/", {
        "name": "张三", "id_number": traveller(5)["id_number"], "phone": "13800005555", "origin_text": ORIGIN_HIGH,
        "left_origin_on": "2020-01-01", "destination": city.a.grid.pk, "destination_address": "1号楼"})
    assert response.status_code == 302
    arrival = Arrival.objects.get()
    assert arrival.channels == ["community"] and arrival.first_contact_task.owner == grid_a


def test_a_new_checkpoint_gets_its_post_and_shows_who_is_on_duty(client, protocol, officer_a, checkpoint_a, city):
    import datetime

    from django.utils import timezone

    from fangkong.arrivals.services import checkpoint_create
    from fangkong.workforce.selectors import post_for
    from fangkong.workforce.services import shift_create

    checkpoint = checkpoint_create(name="遂平站口", kind="highway_exit", unit=city.a.district, actor=officer_a)
    post = post_for(subject_type="arrivals.checkpoint", subject_id=checkpoint.pk)
    assert post is not None and post.name == "遂平站口"
    now = timezone.now()
    shift_create(post=post, starts_at=now - datetime.timedelta(hours=1), ends_at=now + datetime.timedelta(hours=7),
                 leader_name="刘班长", leader_phone="13700001234", actor=officer_a)
    client.force_login(checkpoint_a)
    page = client.get(f"/arrivals/checkpoints/{checkpoint.pk}/").content.decode()
    assert "On duty now" in page and "刘班长" in page and "137****1234" in page
