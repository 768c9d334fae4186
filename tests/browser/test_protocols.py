from playwright.sync_api import expect

from fangkong.protocols.models import RuleSet
from tests.browser.conftest import login


def test_hq_copies_edition_9_lengthens_centralised_isolation_and_activates_it(page, city, hq):
    edition_9 = RuleSet.objects.get(preset_key="covid-ed9")
    login(page, "hq")

    page.goto("/protocols/")
    expect(page.locator(f"#rule-sets tr[data-rule-set='{edition_9.pk}'] .badge.active")).to_be_visible()
    page.click(f"#rule-sets tr[data-rule-set='{edition_9.pk}'] a")
    page.click("#copy-link")
    page.fill("input[name=name]", "本市方案（密接集中隔离10天）")
    page.click("#copy-submit")
    expect(page.locator("#rule-set-name")).to_contain_text("本市方案（密接集中隔离10天）")

    page.click("#edit-link")
    page.fill("input[name='close_contact-0-days']", "10")
    page.fill("input[name=note]", "密接集中隔离延长至10天")
    page.click("#save-rules")
    expect(page.locator("#version-2")).to_contain_text("密接集中隔离延长至10天")
    expect(page.locator("#plan-close_contact li[data-stage='1']")).to_contain_text("10")

    page.click("#activate-link")
    page.click("#activate-confirm")
    expect(page.locator("#rule-set-name .badge.active")).to_be_visible()
    expect(page.locator("#shown-version")).to_contain_text("2")
    expect(page.locator("#version-2 table.diff")).to_contain_text("10")

    active = RuleSet.objects.get(is_active=True)
    assert active.name == "本市方案（密接集中隔离10天）"
    assert active.versions.get(number=2).rules["plans"]["close_contact"]["stages"][0]["days"] == 10
