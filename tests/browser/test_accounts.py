from fangkong.core.tests.conftest import add_household, add_task
from fangkong.people.models import ManagementStatus
from tests.browser.conftest import login


def test_hq_sees_the_summary_and_switches_language(page, city, hq):
    from fangkong.command.snapshot import snapshot_take

    add_household(city.a.building, "101", [ManagementStatus.NORMAL, ManagementStatus.HOME_ISOLATION])
    add_task(city.b.grid, overdue=True)
    snapshot_take()

    login(page, "hq")

    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "态势" in page.locator("h1").inner_text()
    assert page.locator('[data-figure="people.persons"]').inner_text() == "2"
    assert page.locator('[data-figure="tasks.overdue"]').inner_text() == "1"
    assert page.locator("#children-table tbody tr").count() == 2

    page.select_option("select[name=language]", "en")
    page.wait_for_selector("html[lang=en]")
    assert "Situation" in page.locator("h1").inner_text()
    assert page.locator('[data-figure="people.persons"]').inner_text() == "2"

    page.select_option("select[name=language]", "zh-hant")
    page.wait_for_selector("html[lang=zh-hant]")
    assert page.locator("select[name=language] option:checked").inner_text() == "繁體中文"


def test_grid_worker_home_on_a_phone_points_to_the_inbox(phone_page, city, grid_worker_a):
    add_task(city.a.grid, owner=grid_worker_a, overdue=True)

    login(phone_page, "grid_a")

    assert phone_page.locator("[data-figure=open_tasks]").inner_text() == "1"
    assert phone_page.locator("[data-figure=overdue_tasks]").inner_text() == "1"
    phone_page.click("a[href='/tasks/']")
    phone_page.wait_for_url("**/tasks/")


def test_user_issues_and_revokes_a_device_token(page, grid_worker_a):
    login(page, "grid_a")
    page.goto("/accounts/tokens/")

    page.fill("input[name=name]", "张三的手机")
    page.click("form.token-issue button[type=submit]")

    raw = page.locator("#raw-token").input_value()
    assert raw.startswith("fk_")
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("td button[type=submit]")
    page.wait_for_selector(".flash")
    assert "#raw-token" not in page.content()
    assert page.locator("#raw-token").count() == 0
