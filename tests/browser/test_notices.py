"""Notices in the browser, as issue 12 asks: the HQ publishes a notice for a district and its public page (no
login) shows it."""

from fangkong.notices.models import Notice
from tests.browser.conftest import login


def test_the_hq_publishes_a_notice_for_a_district_and_its_public_page_shows_it(page, chromium, live_server, city,
                                                                               hq):
    login(page, "hq")
    page.goto("/notices/new/")
    page.fill("#id_title", "关于东城区实施临时性管控措施的通告")
    page.fill("#id_body", "一、东城区居民非必要不离区。\n\n二、各小区只留一个进出口。")
    page.fill("#id_effective_at", "2026-12-01T18:00")
    page.select_option("#id_targets", [str(city.a.district.pk)])
    page.click("#notice-form button[type=submit]")
    page.wait_for_selector('#notice[data-status="published"]')
    notice = Notice.objects.get()

    public = chromium.new_context(base_url=live_server.url, locale="zh-CN").new_page()
    try:
        public.goto(f"/notices/{notice.number}/")
        assert public.inner_text("#notice-title") == "关于东城区实施临时性管控措施的通告"
        assert public.locator("#notice-body p").count() == 2
        assert "东城区" in public.inner_text(".notice-targets")
        public.goto(f"/notices/node/{city.a.grid.pk}/")
        public.wait_for_selector(f'#node-notices li[data-notice="{notice.number}"]')
        public.goto(f"/notices/node/{city.b.grid.pk}/")
        assert public.locator(f'#node-notices li[data-notice="{notice.number}"]').count() == 0
    finally:
        public.context.close()
