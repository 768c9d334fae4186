import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.workforce.models import Post, Shift
from fangkong.workforce.services import shift_create
from fangkong.workforce.tests.conftest import local

pytestmark = pytest.mark.django_db


def _form(start, end, **extra):
    data = {"starts_at": start.strftime("%Y-%m-%dT%H:%M"), "ends_at": end.strftime("%Y-%m-%dT%H:%M"),
            "leader": "", "leader_name": "", "leader_phone": "", "members_text": "", "note": ""}
    data.update(extra)
    return data


def test_officer_adds_a_shift_and_the_roster_shows_it_with_a_masked_phone(client, post_a, officer_a):
    client.force_login(officer_a)
    url = reverse("workforce:shift_new", kwargs={"post_id": post_a.pk})
    assert client.get(url).status_code == 200
    response = client.post(url, _form(local(0, 0), local(0, 12), leader_name="王队长", leader_phone="13912345678",
                                      members_text="志愿者张三"))
    assert response.status_code == 302
    assert Shift.objects.get().leader_name == "王队长"
    html = client.get(reverse("workforce:post", kwargs={"post_id": post_a.pk})).content.decode()
    assert "王队长" in html and "139****5678" in html and "13912345678" not in html and "志愿者张三" in html


def test_on_duty_card_names_the_current_leader(client, post_a, officer_a, checkpoint_a):
    now = timezone.now()
    shift_create(post=post_a, starts_at=now - datetime.timedelta(hours=1), ends_at=now + datetime.timedelta(hours=1),
                 leader=checkpoint_a, actor=officer_a)
    client.force_login(checkpoint_a)
    response = client.get(reverse("workforce:post", kwargs={"post_id": post_a.pk}))
    assert [s.leader for s in response.context["shifts"]] == [checkpoint_a]
    assert "Nobody is on duty" not in response.content.decode()


def test_bad_times_show_the_message_at_the_field_and_write_nothing(client, post_a, officer_a):
    client.force_login(officer_a)
    url = reverse("workforce:shift_new", kwargs={"post_id": post_a.pk})
    response = client.post(url, _form(local(1, 20), local(1, 8), leader_name="王队长"))
    assert response.status_code == 200
    assert response.context["form"].errors["ends_at"][0].startswith("The shift must end after it starts")
    assert 'data-field="ends_at"' in response.content.decode()
    response = client.post(url, _form(local(1, 6), local(1, 20), leader_name="王队长"))
    assert "at most 12 hours" in response.context["form"].errors["ends_at"][0]
    assert not Shift.objects.exists()


def test_overlap_in_the_form_names_the_other_post(client, post_a, post_a2, officer_a, checkpoint_a):
    shift_create(post=post_a, starts_at=local(1, 8), ends_at=local(1, 20), leader=checkpoint_a, actor=officer_a)
    client.force_login(officer_a)
    url = reverse("workforce:shift_new", kwargs={"post_id": post_a2.pk})
    response = client.post(url, _form(local(1, 12), local(1, 18), leader=checkpoint_a.pk))
    assert "京港澳高速西平站口" in response.context["form"].errors["leader"][0]
    assert Shift.objects.count() == 1


def test_edit_and_delete_a_future_shift(client, post_a, officer_a):
    shift = shift_create(post=post_a, starts_at=local(1, 8), ends_at=local(1, 20), leader_name="王", actor=officer_a)
    client.force_login(officer_a)
    url = reverse("workforce:shift_edit", kwargs={"shift_id": shift.pk})
    assert client.post(url, _form(local(1, 9), local(1, 21), leader_name="李")).status_code == 302
    shift.refresh_from_db()
    assert (shift.leader_name, shift.starts_at) == ("李", local(1, 9))
    assert client.post(reverse("workforce:shift_delete", kwargs={"shift_id": shift.pk})).status_code == 302
    assert not Shift.objects.exists()


def test_a_started_shift_cannot_be_deleted(client, post_a, officer_a):
    now = timezone.now()
    shift = shift_create(post=post_a, starts_at=now - datetime.timedelta(hours=1),
                         ends_at=now + datetime.timedelta(hours=1), leader_name="王", actor=officer_a)
    client.force_login(officer_a)
    response = client.post(reverse("workforce:shift_delete", kwargs={"shift_id": shift.pk}), follow=True)
    assert "has not started" in response.content.decode()
    assert Shift.objects.filter(pk=shift.pk).exists()


def test_my_shifts_page_for_any_staffer(client, post_a, officer_a, checkpoint_a, lab_user):
    shift_create(post=post_a, starts_at=local(1, 8), ends_at=local(1, 20), leader=checkpoint_a, actor=officer_a)
    client.force_login(checkpoint_a)
    assert "京港澳高速西平站口" in client.get(reverse("workforce:my_shifts")).content.decode()
    client.force_login(lab_user)
    response = client.get(reverse("workforce:my_shifts"))
    assert response.status_code == 200 and "no shifts" in response.content.decode()


def test_officer_sets_up_a_gate_post(client, officer_a, city):
    client.force_login(officer_a)
    response = client.post(reverse("workforce:post_new"), {"kind": "gate", "name": "东一社区北门",
                                                           "unit": city.a.community.pk})
    post = Post.objects.get(name="东一社区北门")
    assert response.status_code == 302 and post.unit == city.a.community
    response = client.post(reverse("workforce:post_new"), {"kind": "gate", "name": "越界", "unit": city.b.community.pk})
    assert response.status_code == 200 and not Post.objects.filter(name="越界").exists()


def test_post_list_filters_by_node(client, post_a, post_a2, hq, city):
    client.force_login(hq)
    html = client.get(reverse("workforce:post_list"), {"node": city.a.community.pk}).content.decode()
    assert "东一社区采样点" in html and "京港澳高速西平站口" not in html
