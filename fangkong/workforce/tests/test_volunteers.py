import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from fangkong.workforce.links import volunteer_token
from fangkong.workforce.models import Attendance, Handover, Volunteer
from fangkong.workforce.services import (
    shift_create,
    volunteer_import,
    volunteer_link_revoke,
    volunteer_vet,
)
from fangkong.workforce.tests.conftest import local, resident_id

pytestmark = pytest.mark.django_db


def _join(**extra):
    data = {"name": "张志愿", "id_number": resident_id(10), "phone": "13912345678", "unit": "", "unit_code": "",
            "skills": "驾驶", "availability": "周末", "healthy": "on", "health_note": "", "website": "",
            "consent": "on"}
    data.update(extra)
    return data


def test_a_volunteer_registers_on_the_public_form_by_community_code(client, city):
    # when
    response = client.post(reverse("workforce:volunteer_join"), _join(unit_code=city.a.grid.code))
    # then: the grid's code counts as its community; the registration waits for vetting
    assert response.status_code == 200 and 'id="join-done"' in response.content.decode()
    volunteer = Volunteer.objects.get()
    assert (volunteer.unit, volunteer.status, volunteer.source) == (city.a.community, "pending", "self")
    assert volunteer.ip_hash and volunteer.consent_at is not None


@pytest.mark.parametrize("extra, field", [
    ({"id_number": "110101199001011234"}, "id_number"),
    ({"phone": "1391234"}, "phone"),
    ({"consent": ""}, "consent"),
    ({"healthy": ""}, "healthy"),
    ({"unit_code": "999999"}, "unit_code"),
    ({"name": ""}, "name"),
])
def test_bad_input_on_the_public_form_shows_a_message_and_writes_nothing(client, city, extra, field):
    data = _join(unit=city.a.community.pk)
    data.update(extra)
    response = client.post(reverse("workforce:volunteer_join"), data)
    assert response.status_code == 422
    assert response.context["form"].errors[field]
    assert f'data-field="{field}"' in response.content.decode()
    assert not Volunteer.objects.exists()


def test_a_street_is_not_a_community(client, city):
    response = client.post(reverse("workforce:volunteer_join"), _join(unit_code=city.a.street.code))
    assert "unit" in response.context["form"].errors and not Volunteer.objects.exists()


def test_the_same_id_number_registers_once(client, city):
    client.post(reverse("workforce:volunteer_join"), _join(unit=city.a.community.pk))
    response = client.post(reverse("workforce:volunteer_join"), _join(unit=city.b.community.pk, name="冒名"))
    assert "already registered" in response.context["form"].errors["id_number"][0]
    assert Volunteer.objects.count() == 1 and Volunteer.objects.get().name == "张志愿"


@override_settings(WORKFORCE_SIGNUP_PER_IP_HOUR=2)
def test_registrations_are_limited_per_network(client, city):
    for n in range(2):
        client.post(reverse("workforce:volunteer_join"), _join(unit=city.a.community.pk, id_number=resident_id(20 + n)))
    response = client.post(reverse("workforce:volunteer_join"), _join(unit=city.a.community.pk,
                                                                      id_number=resident_id(30)))
    assert response.status_code == 429 and 'id="join-limited"' in response.content.decode()
    assert Volunteer.objects.count() == 2


def test_the_honeypot_stores_nothing(client, city):
    response = client.post(reverse("workforce:volunteer_join"), _join(unit=city.a.community.pk, website="x"))
    assert 'id="join-done"' in response.content.decode() and not Volunteer.objects.exists()


def test_vetting_approves_or_rejects_with_a_reason(client, city, officer_a):
    pending = Volunteer.objects.create(name="甲", id_number=resident_id(40), phone="13800000040", unit=city.a.community,
                                       healthy=True)
    with pytest.raises(ValidationError) as exc:
        volunteer_vet(volunteer=pending, approve=False, reason=" ", actor=officer_a)
    assert "reason" in exc.value.message_dict
    client.force_login(officer_a)
    url = reverse("workforce:volunteer", kwargs={"volunteer_id": pending.pk})
    assert client.post(url, {"decision": "approve", "reason": ""}).status_code == 302
    pending.refresh_from_db()
    assert pending.status == "approved" and pending.vetted_by == officer_a
    html = client.get(url).content.decode()
    assert 'id="volunteer-link"' in html and "/workforce/v/" in html
    assert "13800000040" not in html and "138****0040" in html


def test_officer_b_cannot_vet_or_see_a_district_a_volunteer(client, city, officer_b, grid_worker_a):
    pending = Volunteer.objects.create(name="甲", id_number=resident_id(41), phone="13800000041", unit=city.a.community,
                                       healthy=True)
    client.force_login(officer_b)
    url = reverse("workforce:volunteer", kwargs={"volunteer_id": pending.pk})
    assert client.get(url).status_code == 404
    assert client.post(url, {"decision": "approve"}).status_code == 404
    assert "甲" not in client.get(reverse("workforce:volunteer_list")).content.decode()
    for actor in (officer_b, grid_worker_a):
        with pytest.raises(PermissionDenied):
            volunteer_vet(volunteer=pending, approve=True, actor=actor)
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_a_grid_list_is_imported_whole_or_not_at_all(city, officer_a, volunteer_a):
    bad = (f"王一,{resident_id(50)},13800000050\n"
           f"王二,{resident_id(51)[:-1]}0,13800000051\n"
           f"王三,{resident_id(50)},13800000052\n"
           f"王四,{volunteer_a.id_number},13800000053\n"
           f"王五,{resident_id(54)},13800000054,{city.b.community.code}\n")
    from fangkong.core.imports import ImportRejected

    with pytest.raises(ImportRejected) as exc:
        volunteer_import(text=bad, default_unit=city.a.community, actor=officer_a)
    assert [e.line for e in exc.value.report.errors] == [3, 4, 5, 6]
    assert "line 2" in exc.value.report.errors[1].message
    assert Volunteer.objects.count() == 1
    report = volunteer_import(text=f"姓名,身份证号,手机,技能\n王一,{resident_id(50)},13800000050,医护",
                              default_unit=city.a.community, actor=officer_a)
    assert report.created == 1
    assert Volunteer.objects.get(name="王一").source == "grid_list"


def test_import_page_lists_the_rejected_lines(client, city, officer_a):
    client.force_login(officer_a)
    response = client.post(reverse("workforce:volunteer_import"),
                           {"unit": city.a.community.pk, "text": "王一,123,13800000050"})
    assert response.status_code == 200 and 'data-line="2"' in response.content.decode()
    assert not Volunteer.objects.exists()


def test_the_volunteers_link_shows_only_their_shifts_and_checks_in(client, post_a, officer_a, volunteer_a,
                                                                  volunteer_a2):
    now = timezone.now()
    mine = shift_create(post=post_a, starts_at=now - datetime.timedelta(hours=1),
                        ends_at=now + datetime.timedelta(hours=7), leader_name="王队长", volunteers=[volunteer_a],
                        actor=officer_a)
    theirs = shift_create(post=post_a, starts_at=local(2, 8), ends_at=local(2, 16), leader_name="李队长",
                          volunteers=[volunteer_a2], actor=officer_a)
    url = reverse("workforce:volunteer_link", kwargs={"token": volunteer_token(volunteer_a)})
    html = client.get(url).content.decode()
    assert f'data-shift="{mine.pk}"' in html and f'data-shift="{theirs.pk}"' not in html
    assert "王队长" in html and "李队长" not in html
    # someone else's shift through my link: 404
    assert client.post(url, {"shift": theirs.pk, "action": "in"}).status_code == 404
    assert client.post(url, {"shift": mine.pk, "action": "in"}).status_code == 302
    attendance = Attendance.objects.get()
    assert (attendance.volunteer, attendance.shift) == (volunteer_a, mine)
    assert f'data-checked-in="{mine.pk}"' in client.get(url).content.decode()
    assert client.post(url, {"shift": mine.pk, "action": "out"}).status_code == 302
    attendance.refresh_from_db()
    assert attendance.checked_out_at is not None
    handover_url = reverse("workforce:volunteer_link_handover",
                           kwargs={"token": volunteer_token(volunteer_a), "shift_id": mine.pk})
    assert client.post(handover_url, {"note": "测温枪电量低"}).status_code == 302
    assert Handover.objects.get().by_volunteer == volunteer_a


def test_a_revoked_or_forged_link_is_404(client, city, officer_a, volunteer_a):
    token = volunteer_token(volunteer_a)
    url = reverse("workforce:volunteer_link", kwargs={"token": token})
    assert client.get(url).status_code == 200
    assert client.get(url[:-3] + "x/").status_code == 404
    volunteer_link_revoke(volunteer=volunteer_a, actor=officer_a, reissue=True)
    assert client.get(url).status_code == 404
    volunteer_a.refresh_from_db()
    assert client.get(reverse("workforce:volunteer_link",
                              kwargs={"token": volunteer_token(volunteer_a)})).status_code == 200


def test_a_pending_volunteer_or_one_from_elsewhere_cannot_be_put_on_a_shift(post_a, post_b, officer_a, officer_b,
                                                                          city, volunteer_a):
    pending = Volunteer.objects.create(name="甲", id_number=resident_id(60), phone="13800000060", unit=city.a.community,
                                       healthy=True)
    with pytest.raises(ValidationError) as exc:
        shift_create(post=post_a, starts_at=local(1, 8), ends_at=local(1, 16), leader_name="王", volunteers=[pending],
                     actor=officer_a)
    assert "not been approved" in exc.value.message_dict["volunteers"][0]
    # officer_b cannot assign district A's volunteer, nor staff district A's post
    with pytest.raises(ValidationError):
        shift_create(post=post_b, starts_at=local(1, 8), ends_at=local(1, 16), leader_name="王",
                     volunteers=[volunteer_a], actor=officer_b)
    with pytest.raises(PermissionDenied):
        shift_create(post=post_a, starts_at=local(1, 8), ends_at=local(1, 16), leader_name="王",
                     volunteers=[volunteer_a], actor=officer_b)
    assert not volunteer_a.shifts.exists()


def test_a_volunteer_on_two_overlapping_shifts_is_refused(post_a, post_a2, officer_a, volunteer_a):
    shift_create(post=post_a, starts_at=local(1, 8), ends_at=local(1, 16), leader_name="王", volunteers=[volunteer_a],
                 actor=officer_a)
    with pytest.raises(ValidationError) as exc:
        shift_create(post=post_a2, starts_at=local(1, 12), ends_at=local(1, 18), leader_name="李",
                     volunteers=[volunteer_a], actor=officer_a)
    assert "京港澳高速西平站口" in exc.value.message_dict["volunteers"][0]


def test_every_problem_of_the_public_form_is_shown_at_once(client, city):
    response = client.post(reverse("workforce:volunteer_join"),
                           _join(unit=city.a.community.pk, id_number="123", consent="", healthy=""))
    assert set(response.context["form"].errors) == {"id_number", "consent", "healthy"}
    assert not Volunteer.objects.exists()


def test_the_public_form_is_in_chinese_and_needs_no_login(client, city):
    html = client.get(reverse("workforce:volunteer_join"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "志愿者报名" in html and "身份证号" in html and city.a.community.name in html
