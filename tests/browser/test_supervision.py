"""Supervision in the browser, as issue 8 asks: an inspector records an unannounced visit on a phone with a failed
item and a photo, issues the written assignment, the unit's own contact (a unit_contact user linked to it) rectifies
it, the inspector verifies and closes it."""

from PIL import Image

from fangkong.supervision.defaults import seed_default_checklists
from fangkong.supervision.models import Assignment, ChecklistItem, Finding
from fangkong.supervision.tests.conftest import contact_a, inspector_a  # noqa: F401
from tests.browser.conftest import login


def test_an_unannounced_visit_finds_a_problem_the_unit_rectifies_and_the_inspector_closes_it(
        phone_page, page, tmp_path, settings, city, inspector_a, contact_a):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path / "media"
    seed_default_checklists()
    photo = tmp_path / "现场.png"
    Image.new("RGB", (64, 48), "orange").save(photo)

    inspector = phone_page
    login(inspector, "inspector_a")
    inspector.goto("/supervision/inspections/new/")
    inspector.fill("#id_title", "东城区夜间暗访")
    inspector.check("input[name=kind][value=unannounced]")
    inspector.click("#inspection-form button[type=submit]")
    inspector.wait_for_selector('#inspection[data-kind="unannounced"]')

    inspector.fill("#id_unit_code", city.a.community.code)
    inspector.select_option("#id_site_type", "checkpoint")
    inspector.fill("#id_name", "东一社区北门卡口")
    inspector.click("#site-form button[type=submit]")
    inspector.click("#route li[data-site] a")
    inspector.wait_for_selector("#checklist-form")

    items = list(ChecklistItem.objects.filter(checklist__site_type="checkpoint", active=True).order_by("position"))
    for item in items[1:]:
        inspector.check(f'[data-item="{item.pk}"] input[value=pass]')
    first = f'[data-item="{items[0].pk}"]'
    inspector.check(f"{first} input[value=fail]")
    inspector.click(f"{first} summary")
    inspector.fill(f"{first} textarea", "夜间21点无人值守")
    inspector.set_input_files(f"{first} input[type=file]", str(photo))
    inspector.click("#submit-checklist")
    inspector.wait_for_selector('#route li[data-status="submitted"]')
    finding = Finding.objects.get()
    assert finding.result.photos.count() == 1

    inspector.goto(f"/supervision/findings/{finding.pk}/")
    inspector.wait_for_selector("img[data-photo]")
    inspector.click("#issue-form button[type=submit]")
    inspector.wait_for_selector("#assignment-number")
    assignment = Assignment.objects.get()
    assert assignment.number in inspector.inner_text("#assignment-number")
    assert assignment.task.owner == contact_a

    login(page, "contact_a")
    page.goto("/supervision/")
    assert "东城区夜间暗访" not in page.inner_text("main")
    page.click(f'#to-rectify li[data-assignment="{assignment.pk}"] a')
    page.fill("#rectify-form textarea[name=report]", "已安排三班倒24小时值守，补齐排班表")
    page.set_input_files("#rectify-form input[type=file]", str(photo))
    page.click("#rectify-form button[type=submit]")
    page.wait_for_selector('#assignment[data-status="reported"]')
    assignment.refresh_from_db()
    assert assignment.verify_task.owner.username == "inspector_a"

    inspector.goto(f"/supervision/assignments/{assignment.pk}/")
    inspector.check("#verify-form input[name=decision][value=close]")
    inspector.fill("#verify-form textarea[name=note]", "复查：夜间值守到位")
    inspector.click("#verify-form button[type=submit]")
    inspector.wait_for_selector('#assignment[data-status="closed"]')
    assignment.refresh_from_db()
    assert assignment.status == "closed" and assignment.rectifications.get().photos.count() == 1
