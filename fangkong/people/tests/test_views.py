import pytest
from django.urls import reverse

from fangkong.accounts.models import AccessLog
from fangkong.people.models import ManagementStatus, Person
from fangkong.people.services import person_create
from fangkong.people.tests.conftest import make_id

pytestmark = pytest.mark.django_db


def test_person_page_shows_identity_masked_household_history_and_audit(client, chen, zhang, hq):
    client.force_login(hq)
    response = client.get(reverse("people:person", kwargs={"person_id": chen.pk}))
    html = response.content.decode()
    assert response.status_code == 200
    assert "138****5678" in html
    assert chen.id_number not in html and "13812345678" not in html
    assert "张三" in html  # a household member
    assert response.context["history"][0].to_status == ManagementStatus.NORMAL
    assert response.context["audit"]


def test_person_page_outside_scope_is_404(client, li_b, officer_a):
    client.force_login(officer_a)
    assert client.get(reverse("people:person", kwargs={"person_id": li_b.pk})).status_code == 404
    household_url = reverse("people:household", kwargs={"household_id": li_b.household_id})
    assert client.get(household_url).status_code == 404


def test_reveal_swaps_in_full_values_and_logs(client, chen, hq):
    client.force_login(hq)
    url = reverse("people:person_reveal", kwargs={"person_id": chen.pk})
    response = client.post(url, {"reason": "转运前核实"}, headers={"HX-Request": "true"}, REMOTE_ADDR="10.1.2.3")
    html = response.content.decode()
    assert chen.id_number in html and "13812345678" in html
    assert "<html" not in html
    log = AccessLog.objects.get()
    assert (log.actor, log.object_id, log.reason, log.ip, log.kind) == (hq, chen.pk, "转运前核实", "10.1.2.3", "reveal")


def test_reveal_without_reason_shows_the_error_and_logs_nothing(client, chen, hq):
    client.force_login(hq)
    url = reverse("people:person_reveal", kwargs={"person_id": chen.pk})
    html = client.post(url, {"reason": ""}, headers={"HX-Request": "true"}).content.decode()
    assert chen.id_number not in html
    assert 'class="error"' in html
    assert not AccessLog.objects.exists()


def test_reveal_without_capability_or_scope_is_refused(client, chen, li_b, lab_user, officer_a, city):
    from conftest import make_user

    checkpoint = make_user("kakou", "checkpoint", city.a.district)
    for user, person in ((lab_user, chen), (checkpoint, chen), (officer_a, li_b)):
        client.force_login(user)
        url = reverse("people:person_reveal", kwargs={"person_id": person.pk})
        response = client.post(url, {"reason": "想看看"})
        assert response.status_code in (403, 404)
        assert person.id_number not in response.content.decode()
    # A checkpoint user sees the person, masked, but has no reveal form.
    client.force_login(checkpoint)
    html = client.get(reverse("people:person", kwargs={"person_id": chen.pk})).content.decode()
    assert "reveal" not in html.split('id="identity"')[1].split("</section>")[0]
    assert not AccessLog.objects.exists()


def test_create_person_form_with_bad_id_shows_clear_error(client, home_a, officer_a):
    client.force_login(officer_a)
    url = reverse("people:person_new") + f"?household={home_a.pk}"
    response = client.post(url, {"name": "王五", "id_type": "resident", "id_number": "110105194912310021",
                                 "household": home_a.pk})
    assert response.status_code == 200
    assert "The check digit of this resident ID is wrong." in response.content.decode()
    assert not Person.objects.exists()


def test_create_person_form_at_building_and_door(client, city, officer_a):
    client.force_login(officer_a)
    response = client.post(reverse("people:person_new"), {
        "name": "王五", "id_type": "resident", "id_number": make_id(), "phone": "138 0000 1111",
        "building_code": city.a.building.code, "door": "5-501", "tags": ["chronic"],
    })
    person = Person.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("people:person", kwargs={"person_id": person.pk})
    assert (person.household.number, person.phone) == ("5-501", "13800001111")


def test_create_person_in_a_building_outside_scope_is_refused(client, city, officer_a):
    client.force_login(officer_a)
    response = client.post(reverse("people:person_new"), {
        "name": "王五", "id_type": "resident", "id_number": make_id(),
        "building_code": city.b.building.code, "door": "5-501",
    })
    assert "No building with this code in your jurisdiction." in response.content.decode()
    assert not Person.objects.exists()


def test_create_duplicate_links_to_the_existing_person(client, chen, home_a, officer_a):
    client.force_login(officer_a)
    response = client.post(reverse("people:person_new"), {
        "name": "陈刚", "id_type": "resident", "id_number": chen.id_number, "household": home_a.pk})
    html = response.content.decode()
    assert reverse("people:person", kwargs={"person_id": chen.pk}) in html
    assert Person.objects.count() == 1


def test_edit_keeps_numbers_left_empty(client, chen, officer_a):
    client.force_login(officer_a)
    url = reverse("people:person_edit", kwargs={"person_id": chen.pk})
    assert chen.id_number not in client.get(url).content.decode()
    response = client.post(url, {"name": "陈纲", "id_type": "resident", "id_number": "", "phone": "",
                                 "address": "新地址", "tags": ["disabled"]})
    assert response.status_code == 302
    chen.refresh_from_db()
    assert chen.address == "新地址" and chen.phone == "13812345678"
    assert list(chen.tags.values_list("tag", flat=True)) == ["disabled"]


def test_status_form_changes_status_with_history(client, chen, grid_worker_a):
    client.force_login(grid_worker_a)
    url = reverse("people:person_status", kwargs={"person_id": chen.pk})
    response = client.post(url, {"to_status": "home_isolation", "cause": "密接"})
    assert response.status_code == 302
    chen.refresh_from_db()
    assert chen.status == "home_isolation"
    assert chen.status_history.count() == 2
    page = client.get(reverse("people:person", kwargs={"person_id": chen.pk})).content.decode()
    assert "密接" in page


def test_status_form_no_op_is_explained(client, chen, grid_worker_a):
    client.force_login(grid_worker_a)
    url = reverse("people:person_status", kwargs={"person_id": chen.pk})
    html = client.post(url, {"to_status": "normal", "cause": "x"}).content.decode()
    assert "already under" in html or "已" in html
    assert chen.status_history.count() == 1


def test_status_form_outside_scope_is_404(client, li_b, officer_a):
    client.force_login(officer_a)
    url = reverse("people:person_status", kwargs={"person_id": li_b.pk})
    assert client.post(url, {"to_status": "hospital", "cause": "x"}).status_code == 404
    li_b.refresh_from_db()
    assert li_b.status == ManagementStatus.NORMAL


def test_household_page_lists_members_masked(client, chen, zhang, officer_a):
    client.force_login(officer_a)
    html = client.get(reverse("people:household", kwargs={"household_id": chen.household_id})).content.decode()
    assert "陈纲" in html and "张三" in html
    assert "138****5678" in html and chen.id_number not in html
    assert f"?household={chen.household_id}" in html


def test_duplicates_page_and_merge(client, chen, officer_a):
    twin = person_create(name="陈纲", id_number=chen.id_number, unit=chen.unit, actor=None, allow_duplicate=True)
    client.force_login(officer_a)
    html = client.get(reverse("people:duplicates")).content.decode()
    assert f"#{twin.pk}" in html
    response = client.post(reverse("people:merge"), {"survivor": chen.pk, "duplicate": twin.pk})
    assert response.url == reverse("people:person", kwargs={"person_id": chen.pk})
    twin.refresh_from_db()
    assert twin.merged_into == chen
    # The merged record's page leads to the survivor; it is gone from search.
    response = client.get(reverse("people:person", kwargs={"person_id": twin.pk}))
    assert response.status_code == 302 and response.url == reverse("people:person", kwargs={"person_id": chen.pk})
    results = client.get(reverse("people:search"), {"q": "陈纲"}).context["page"].items
    assert results == [chen]


def test_grid_worker_cannot_merge(client, chen, grid_worker_a):
    twin = person_create(name="陈纲", id_number=chen.id_number, unit=chen.unit, actor=None, allow_duplicate=True)
    client.force_login(grid_worker_a)
    assert client.get(reverse("people:duplicates")).status_code == 404
    assert client.post(reverse("people:merge"), {"survivor": chen.pk, "duplicate": twin.pk}).status_code == 404
    twin.refresh_from_db()
    assert twin.merged_into is None
