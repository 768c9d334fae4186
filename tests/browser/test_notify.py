"""The HQ's notification page in the browser (issue 11): delivery figures by kind and node, drill down to a
district, filter the message list to the numbers nobody could reach; phones masked throughout."""
# ruff: noqa: F401, F811  (fixtures of the notify app's tests)

from django.utils import timezone

from fangkong.notify import services
from fangkong.notify.tests.conftest import _notify_settings, make_person
from tests.browser.conftest import login


def test_the_hq_sees_delivery_figures_and_finds_the_unreachable_message(page, city, hq, make_person):
    now = timezone.now()
    people = [make_person(phone="13800001234"), make_person(phone=""), make_person(city.b, phone="13900004321")]
    for n, person in enumerate(people):
        services.message_record(kind="release", phone=person.phone, person=person, context={"day": now.date()},
                                event_key=f"release:{n}", now=now)

    login(page, "hq")
    page.goto("/notify/")
    assert page.locator("h1").inner_text().startswith("短信通知")
    kind_row = page.locator('#by-kind tr[data-row="release"]')
    assert kind_row.locator("th").inner_text() == "解除管理通知"
    assert kind_row.locator("td").last.inner_text() == "3"
    assert page.locator('#totals [data-total="unreachable"] strong').inner_text() == "1"
    assert "138****1234" in page.locator("#messages").inner_text()
    assert "13800001234" not in page.content()

    # drill down to district A: district B's message is gone
    page.click(f'#by-node tr[data-row="{city.a.district.pk}"] a')
    page.wait_for_url(f"**node={city.a.district.pk}**")
    assert page.locator("#messages tr[data-message]").count() == 2

    # and the list filtered to the unreachable shows the person without a phone
    page.select_option("#message-filter select[name=status]", "unreachable")
    page.click("#message-filter button[type=submit]")
    page.wait_for_url("**status=unreachable**")
    rows = page.locator("#messages tr[data-message]")
    assert rows.count() == 1 and rows.first.get_attribute("data-status") == "unreachable"
    assert "无法联系" in rows.first.inner_text()
