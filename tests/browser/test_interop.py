"""Interop in the browser, as issue 11 asks: a lab's FHIR result for a tube code it mistyped waits in the human
queue; the HQ opens it, tries a wrong tube (refused, nothing changes), picks the right one, and the result goes
through testing's result path."""

from fangkong.interop.models import InboxItem
from fangkong.interop.tests.conftest import (  # noqa: F401 (fixtures)
    bundle,
    fill_tube,
    lab,
    lab_staff,
    observation,
    point_a,
    post_bundle,
    received,
    resident_b,
    residents_a,
    round_a,
    tubes_at_lab,
)
from fangkong.testing.models import Tube
from tests.browser.conftest import login


def test_the_hq_matches_a_queued_lab_result_to_its_tube(page, hq, post_bundle, lab_staff, tubes_at_lab):  # noqa: F811
    response = post_bundle(lab_staff, bundle(observation(1, tube_code="T-A2-", result="positive", ct=(27.5, 29))))
    assert response.status_code == 200
    item = InboxItem.objects.get()

    login(page, "hq")
    page.goto("/interop/inbox/")
    row = f'#inbox-items tr[data-item="{item.pk}"]'
    page.wait_for_selector(f'{row}[data-reason="unknown_tube"]')
    page.click(f"{row} a")
    page.wait_for_selector('#inbox-item[data-status="open"]')
    assert page.input_value("#resolve-form input[name=tube_code]") == "T-A2-"

    page.fill("#resolve-form input[name=tube_code]", "T-A9")
    page.click("#resolve-form button[type=submit]")
    page.wait_for_selector("#resolve-form .error")
    assert "T-A9" in page.inner_text("#resolve-form")
    assert Tube.objects.get(code="T-A2").result == ""

    page.fill("#resolve-form input[name=tube_code]", "T-A2")
    page.click("#resolve-form button[type=submit]")
    page.wait_for_selector(".flash")
    assert "T-A2" in page.inner_text(".flash")
    assert page.locator(row).count() == 0
    tube = Tube.objects.get(code="T-A2")
    assert (tube.result, float(tube.ct_orf1ab)) == ("positive", 27.5)
    item.refresh_from_db()
    assert (item.status, item.resolved_by.username) == ("resolved", "hq")
