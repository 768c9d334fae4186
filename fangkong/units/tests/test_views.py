"""The pages: the node's list with its counts and 错峰 table, applying on the page, reviewing, checklists."""

import datetime

import pytest
from django.utils import timezone

from fangkong.units import loops, selectors, services
from fangkong.units.models import Application, UnitChecklistItem

pytestmark = pytest.mark.django_db


def test_the_list_shows_counts_and_filters_by_loop(refinery, smelter, contact, staff, officer_a, client):
    # given: the refinery in closed loop, one worker away
    staff[2].presence = "away"
    staff[2].save()
    today = timezone.localdate()
    loops.loop_start(organisation=refinery, starts_on=today, planned_end_on=today + datetime.timedelta(days=7),
                     sites=[("plant", "厂区")], staff_ids=[staff[0].pk, staff[1].pk], actor=contact)
    client.force_login(officer_a)
    # when
    page = client.get("/units/").content.decode()
    in_loop = client.get("/units/?loop=yes").content.decode()
    # then
    assert f'data-unit="{refinery.pk}" data-status="suspended" data-loop="yes"' in page
    row = page.split(f'data-unit="{refinery.pk}"')[1].split("</tr>")[0]
    assert 'data-figure="on_site">2<' in row and 'data-figure="away">1<' in row
    assert refinery.name in in_loop and smelter.name not in in_loop


def test_the_node_page_shows_staggered_hours(refinery, smelter, officer_a, client):
    services.shift_add(organisation=refinery, name="早班", starts_at=datetime.time(8), arrive_from=datetime.time(7, 30),
                       arrive_until=datetime.time(7, 50), headcount=40, actor=officer_a)
    services.shift_add(organisation=smelter, name="早班", starts_at=datetime.time(8, 30),
                       arrive_from=datetime.time(8), arrive_until=datetime.time(8, 20), headcount=25, actor=officer_a)
    client.force_login(officer_a)
    page = client.get("/units/", {"node": refinery.unit.code}).content.decode()
    table = page.split('id="shifts"')[1]
    assert "07:30–07:50" in table and refinery.name in table
    assert smelter.name not in table  # the smelter sits on the street, above the community


def test_a_bad_shift_is_refused_with_a_message(refinery, contact, client):
    client.force_login(contact)
    response = client.post(f"/units/{refinery.pk}/shifts/", {"name": "夜班", "starts_at": "20:00",
                                                             "arrive_from": "20:30", "arrive_until": "20:10",
                                                             "headcount": 5})
    assert response.status_code == 422
    assert not refinery.shifts.exists()


def test_applying_on_the_page_and_approving(refinery, contact, officer_a, client):
    items = selectors.checklist_items(kind="enterprise")
    client.force_login(contact)
    data = {"planned_reopen_on": timezone.localdate().isoformat(), "note": "申请复工"}
    data.update({f"item_{i.pk}": "yes" for i in items})
    response = client.post(f"/units/{refinery.pk}/apply/", data)
    application = Application.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/units/applications/{application.pk}/")
    client.force_login(officer_a)
    queue = client.get("/units/applications/").content.decode()
    assert f'data-application="{application.pk}"' in queue
    response = client.post(f"/units/applications/{application.pk}/review/", {"decision": "approve"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "approved"


def test_the_approve_button_names_the_missing_items(refinery, contact, officer_a, client):
    items = selectors.checklist_items(kind="enterprise")
    client.force_login(contact)
    client.post(f"/units/{refinery.pk}/apply/", {"planned_reopen_on": timezone.localdate().isoformat(),
                                                 f"item_{items[0].pk}": "no"})
    application = Application.objects.get()
    client.force_login(officer_a)
    response = client.post(f"/units/applications/{application.pk}/review/", {"decision": "approve"})
    assert response.status_code == 422
    assert items[0].text in response.content.decode() and items[1].text in response.content.decode()
    application.refresh_from_db()
    assert application.status == "submitted"


def test_only_the_hq_edits_checklists(hq, officer_a, client, checklists):
    client.force_login(officer_a)
    assert client.post("/units/checklists/school/", {"text": "新增一项", "required": "on"}).status_code == 404
    client.force_login(hq)
    assert client.post("/units/checklists/school/", {"text": "新增一项", "required": "on"}).status_code == 302
    item = UnitChecklistItem.objects.get(text="新增一项")
    assert item.kind == "school" and item.required
    response = client.post(f"/units/checklists/items/{item.pk}/", {f"i{item.pk}-text": "新增一项",
                                                                   f"i{item.pk}-active": ""})
    assert response.status_code == 302
    item.refresh_from_db()
    assert not item.active and not item.required


def test_plan_versions_and_their_file(refinery, contact, client, officer_b):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(contact)
    client.post(f"/units/{refinery.pk}/plan/", {"text": "第一版"})
    client.post(f"/units/{refinery.pk}/plan/", {"text": "第二版",
                                                "attachment": SimpleUploadedFile("预案.pdf", b"%PDF-1.4 test")})
    plans = selectors.plans(organisation=refinery)
    assert [p.text for p in plans] == ["第二版", "第一版"]
    response = client.get(f"/units/plans/{plans[0].pk}/file/")
    assert response.status_code == 200
    client.force_login(officer_b)
    assert client.get(f"/units/plans/{plans[0].pk}/file/").status_code == 404
    bad = client.post(f"/units/{refinery.pk}/plan/", {"text": "x"})
    assert bad.status_code == 404


def test_the_roster_masks_id_numbers(refinery, staff, officer_a, client):
    client.force_login(officer_a)
    page = client.get(f"/units/{refinery.pk}/").content.decode()
    assert staff[0].person.id_number not in page
    assert staff[0].person.id_number[:3] in page


def test_editing_a_unit(refinery, officer_a, contact, client):
    client.force_login(contact)
    assert client.get(f"/units/{refinery.pk}/edit/").status_code == 404
    client.force_login(officer_a)
    response = client.post(f"/units/{refinery.pk}/edit/", {"name": "东城炼油厂（新）", "kind": "enterprise",
                                                           "contact_name": "", "contact_phone": ""})
    assert response.status_code == 422
    refinery.refresh_from_db()
    assert refinery.name == "东城炼油厂"
    response = client.post(f"/units/{refinery.pk}/edit/", {"name": "东城炼油厂（新）", "kind": "enterprise",
                                                           "contact_name": "王安全", "contact_phone": "13900001112"})
    assert response.status_code == 302
    refinery.refresh_from_db()
    assert refinery.name == "东城炼油厂（新）" and refinery.contact_phone == "13900001112"


def test_starting_a_loop_on_the_page(refinery, contact, staff, client):
    from fangkong.units.models import ClosedLoop

    client.force_login(contact)
    today = timezone.localdate()
    data = {"starts_on": today.isoformat(), "planned_end_on": (today + datetime.timedelta(days=7)).isoformat(),
            "test_every_days": 2, "sites": "厂区 常减压装置\n宿舍 职工宿舍\n车间 某处", "staff": [s.pk for s in staff]}
    response = client.post(f"/units/{refinery.pk}/loop/", data)
    assert response.status_code == 422 and not ClosedLoop.objects.exists()
    data["sites"] = "厂区 常减压装置\n宿舍 职工宿舍\n食堂"
    response = client.post(f"/units/{refinery.pk}/loop/", data)
    loop = ClosedLoop.objects.get()
    assert response.status_code == 302
    assert sorted(loop.sites.values_list("kind", flat=True)) == ["canteen", "dormitory", "plant"]
    assert loop.members.count() == 3
