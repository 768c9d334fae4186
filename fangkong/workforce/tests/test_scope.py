import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from conftest import make_user
from fangkong.workforce.models import Shift
from fangkong.workforce.services import shift_create
from fangkong.workforce.tests.conftest import local

pytestmark = pytest.mark.django_db


def test_officer_b_gets_404_on_a_post_shift_and_handover_in_district_a(client, post_a, officer_a, officer_b):
    shift = shift_create(post=post_a, starts_at=local(0, 0), ends_at=local(0, 12), leader_name="王队长",
                         actor=officer_a)
    client.force_login(officer_b)
    for url in (reverse("workforce:post", kwargs={"post_id": post_a.pk}),
                reverse("workforce:shift_new", kwargs={"post_id": post_a.pk}),
                reverse("workforce:shift_edit", kwargs={"shift_id": shift.pk}),
                reverse("workforce:handover_new", kwargs={"shift_id": shift.pk})):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("workforce:shift_delete", kwargs={"shift_id": shift.pk})).status_code == 404


def test_officer_b_sees_no_district_a_posts_in_the_list(client, post_a, post_b, officer_b):
    client.force_login(officer_b)
    html = client.get(reverse("workforce:post_list")).content.decode()
    assert "西城高速口" in html and "京港澳高速西平站口" not in html


def test_a_grid_worker_sees_the_roster_but_cannot_edit(client, post_a2, officer_a, grid_worker_a, city):
    shift = shift_create(post=post_a2, starts_at=local(1, 8), ends_at=local(1, 20), leader_name="王队长",
                         actor=officer_a)
    # The grid worker's scope is a grid; the sampling point is at the community above it: only its own subtree.
    on_grid = make_user("grid_c", "grid_worker", city.a.community)
    client.force_login(on_grid)
    assert client.get(reverse("workforce:post", kwargs={"post_id": post_a2.pk})).status_code == 200
    assert "add-shift" not in client.get(reverse("workforce:post", kwargs={"post_id": post_a2.pk})).content.decode()
    assert client.get(reverse("workforce:shift_new", kwargs={"post_id": post_a2.pk})).status_code == 404
    assert client.get(reverse("workforce:shift_edit", kwargs={"shift_id": shift.pk})).status_code == 404
    response = client.post(reverse("workforce:shift_new", kwargs={"post_id": post_a2.pk}),
                           {"starts_at": "2030-01-01T08:00", "ends_at": "2030-01-01T12:00", "leader_name": "x"})
    assert response.status_code == 404
    assert Shift.objects.count() == 1
    with pytest.raises(PermissionDenied):
        shift_create(post=post_a2, starts_at=local(2, 8), ends_at=local(2, 20), leader_name="x", actor=grid_worker_a)


def test_an_officer_cannot_staff_a_post_in_another_district_or_with_people_from_there(
        post_a, post_b, officer_a, officer_b, city):
    with pytest.raises(PermissionDenied):
        shift_create(post=post_b, starts_at=local(1, 8), ends_at=local(1, 20), leader_name="x", actor=officer_a)
    staff_b = make_user("kakou_b", "checkpoint", city.b.district)
    with pytest.raises(ValidationError) as exc:
        shift_create(post=post_a, starts_at=local(1, 8), ends_at=local(1, 20), leader=staff_b, actor=officer_a)
    assert "leader" in exc.value.message_dict
    assert not Shift.objects.exists()
