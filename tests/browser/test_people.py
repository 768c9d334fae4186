from playwright.sync_api import expect
from stdnum.cn import ric

from fangkong.people.services import household_create, person_create
from tests.browser.conftest import login


def _resident_id(body: str = "11010119800101123") -> str:
    return body + ric.calc_check_digit(body + "0")


def test_hq_finds_a_person_by_traditional_characters_and_opens_the_page(page, city, hq):
    home = household_create(unit=city.a.building, number="1-101", address="东城区东街道1号楼1-101", actor=None)
    chen = person_create(name="陈纲", id_number=_resident_id(), phone="13812345678", household=home, actor=None)
    person_create(name="张三", id_number=_resident_id("44030519920202246"), household=home, actor=None)

    login(page, "hq")
    page.goto("/people/")
    page.fill("input[name=q]", "陳綱")
    results = page.locator("#results")
    # The unfiltered list is already on the page: wait for htmx to swap in the search results.
    expect(results).not_to_contain_text("张三")
    results.get_by_role("link", name="陈纲").wait_for()
    assert "138****5678" in results.inner_text()
    # htmx pushes the search into the address bar just after the swap; a click before that
    # would have its navigation cancelled by the pushState.
    page.wait_for_url(lambda url: "q=" in url)

    results.get_by_role("link", name="陈纲").click()
    page.wait_for_url(f"**/people/{chen.pk}/")
    assert page.locator("h1").inner_text().startswith("陈纲")
    assert chen.id_number not in page.content()
    assert "张三" in page.locator("main").inner_text()


def test_grid_worker_reveals_on_a_phone_with_a_reason(phone_page, city, grid_worker_a):
    home = household_create(unit=city.a.building, number="1-101", address="东城区东街道1号楼1-101", actor=None)
    chen = person_create(name="陈纲", id_number=_resident_id(), phone="13812345678", household=home, actor=None)

    login(phone_page, "grid_a")
    phone_page.goto(f"/people/{chen.pk}/")
    phone_page.fill("#identity input[name=reason]", "上门核实")
    phone_page.click("#identity button[type=submit]")
    phone_page.locator("#identity .revealed").first.wait_for()
    assert chen.id_number in phone_page.locator("#identity").inner_text()
