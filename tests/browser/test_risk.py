from playwright.sync_api import expect

from tests.browser.conftest import login


def test_officer_declares_a_high_risk_node_and_the_list_shows_it_in_chinese(page, city, officer_a):
    login(page, "officer_a")
    page.goto("/risk/declare/")
    page.select_option("select[name=node]", str(city.a.community.pk))
    page.select_option("select[name=level]", "high")
    page.fill("input[name=reason]", "出现确诊病例，扩大风险范围")
    page.click("#declare-submit")
    page.wait_for_url("**/risk/*/")
    expect(page.locator("#area-name")).to_contain_text("东城一社区")

    page.goto("/risk/")
    row = page.locator("#results tr", has_text="东城一社区")
    expect(row).to_contain_text("高风险/封控区")
    expect(row).to_contain_text("已划定")
