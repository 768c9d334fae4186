"""Passes in the browser, as issue 12 asks: checkpoint staff scan a valid freight pass on a phone and see
放行（点对点）, then an expired one is refused with its reason."""

import datetime

from django.utils import timezone

from fangkong.passes import services
from fangkong.passes.models import Scan
from fangkong.passes.tests.conftest import exit_a, make_pass, transport  # noqa: F401
from tests.browser.conftest import login


def test_checkpoint_staff_scan_a_valid_then_an_expired_freight_pass_on_a_phone(
        phone_page, checkpoint_a, exit_a, make_pass):  # noqa: F811
    now = timezone.now()
    valid = make_pass()
    expired = make_pass(plate="青AD12345", valid_from=now - datetime.timedelta(days=3),
                        valid_to=now - datetime.timedelta(hours=2))

    page = phone_page
    login(page, "checkpoint_a")
    page.goto("/passes/scan/")
    page.select_option("#id_checkpoint", str(exit_a.pk))
    page.fill("#id_code", services.freight_code(valid))
    page.click("#scan-form button[type=submit]")
    page.wait_for_selector('#scan-result[data-disposition="pass_p2p"]')
    result = page.inner_text("#scan-result")
    assert "放行（点对点）" in result and valid.plate in result
    assert "途中不停留" in result

    page.fill("#id_code", services.freight_code(expired))
    page.click("#scan-form button[type=submit]")
    page.wait_for_selector('#scan-result[data-reason="expired"]')
    result = page.inner_text("#scan-result")
    assert "不予放行" in result and "通行证已过期" in result
    assert list(Scan.objects.order_by("pk").values_list("reason", flat=True)) == ["valid", "expired"]
