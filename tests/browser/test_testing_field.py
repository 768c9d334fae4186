"""Flow 2 of DOMAIN.md on the field pages: a sampler on a phone fills a 10-in-1 tube by scanning ten residents'
IDs, and a lab uploads its results file with one positive tube, which recalls the pool."""

import datetime

from django.utils import timezone

from fangkong.testing import services
from fangkong.testing.models import Recall, Sample, Tube
from fangkong.testing.tests.conftest import (  # noqa: F401
    fill_tube,
    lab,
    lab_staff,
    point_a,
    resident_b,
    residents_a,
    round_a,
    sampler_a,
)
from tests.browser.conftest import login


def _focused(page, element_id: str) -> None:
    """Wait until the cursor is in that input, as it must be for a scanner that just types and presses Enter."""
    page.wait_for_function("id => document.activeElement && document.activeElement.id === id", arg=element_id)


def test_a_sampler_on_a_phone_fills_a_ten_person_tube(phone_page, city, sampler_a, point_a, round_a,  # noqa: F811
                                                      residents_a):  # noqa: F811
    page = phone_page
    login(page, "sampler_a")
    page.goto("/testing/sample/")
    page.click(f"#point-{point_a.pk}")
    page.wait_for_selector("#tube-open-form")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # the tube's barcode, typed by the scanner into the focused field, then Enter
    _focused(page, "id_code")
    page.keyboard.type("T0000001")
    page.keyboard.press("Enter")
    page.wait_for_selector('#tube-panel[data-tube="T0000001"][data-size="0"]')

    for count, person in enumerate(residents_a[:10], start=1):
        _focused(page, "scan-id")
        page.keyboard.type(person.id_number)
        page.keyboard.press("Enter")
        page.wait_for_selector(f'#tube-panel[data-size="{count}"]')

    page.wait_for_selector('#tube-panel[data-status="closed"]')
    assert page.locator("#tube-count").inner_text().strip() == "10 / 10"
    assert page.locator("#tube-closed").is_visible() and page.locator("#next-tube").is_visible()
    assert page.locator("#samples li").count() == 10
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # the cursor is ready for the next tube's barcode
    _focused(page, "id_code")
    tube = Tube.objects.get(code="T0000001")
    assert (tube.status, tube.size) == (Tube.Status.CLOSED, 10)
    assert set(Sample.objects.filter(tube=tube).values_list("person_id", flat=True)) == {
        p.pk for p in residents_a[:10]}


def test_a_lab_uploads_results_with_one_positive_tube_and_sees_it_reported(page, city, lab_staff, lab,  # noqa: F811
                                                                          round_a, point_a,  # noqa: F811
                                                                          residents_a):  # noqa: F811
    positive = fill_tube(round_a, point_a, "T0000001", residents_a[:10])
    negative = fill_tube(round_a, point_a, "T0000002", residents_a[10:12])
    services.tube_close(tube=negative, actor=None)
    handover = services.handover_send(lab=lab, codes=["T0000001", "T0000002"], declared_count=2, actor=None)
    services.handover_receive(handover=handover, codes=["T0000001", "T0000002"], actor=None)
    tested = timezone.localtime(timezone.now() + datetime.timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M")
    csv = ("tube_code,result,ct_orf1ab,ct_n,tested_at,lab_code\n"
           f"T0000001,positive,26.4,28.0,{tested},LAB1\n"
           f"T0000002,negative,,,{tested},LAB1\n").encode()

    login(page, "lab")
    page.goto("/testing/lab/")
    page.wait_for_selector('#awaiting [data-tube="T0000001"]')
    page.set_input_files("#results-upload input[name=file]",
                         files=[{"name": "results.csv", "mimeType": "text/csv", "buffer": csv}])
    page.click("#results-upload button[type=submit]")

    page.wait_for_selector("#import-report")
    assert page.get_attribute("#import-report", "data-created") == "2"
    assert page.get_attribute("#import-report", "data-rejected") == "0"
    assert page.locator('#import-recalls [data-tube="T0000001"]').is_visible()
    assert page.locator('#lab-alerts [data-tube="T0000001"]').is_visible()
    recall = Recall.objects.get(tube=positive)
    assert recall.members.count() == 10
    assert Tube.objects.get(code="T0000002").result == "negative"


def test_a_refused_scan_shows_the_reason_and_the_next_scan_replaces_the_code(phone_page, city, sampler_a,  # noqa: F811
                                                                              point_a, round_a,  # noqa: F811
                                                                              residents_a):  # noqa: F811
    fill_tube(round_a, point_a, "T0000009", residents_a[:1])
    services.tube_open(round_=round_a, point=point_a, code="T0000001", actor=None)
    page = phone_page
    login(page, "sampler_a")
    page.goto("/testing/sample/tubes/T0000001/")
    _focused(page, "scan-id")
    # the first resident is already in T0000009: refused, with the service's message next to the input
    page.keyboard.type(residents_a[0].id_number)
    page.keyboard.press("Enter")
    page.wait_for_selector("#error-id_number")
    assert "T0000009" in page.locator("#error-id_number").inner_text()
    assert page.get_attribute("#tube-panel", "data-size") == "0"
    # the refused code is selected, so the scanner's next code replaces it (wait for the selection, as a scanner
    # does by the seconds the next swab takes: typing within the same milliseconds would race it)
    _focused(page, "scan-id")
    page.wait_for_function("() => { const el = document.getElementById('scan-id'); return el.value.length > 0 && "
                           "el.selectionStart === 0 && el.selectionEnd === el.value.length; }")
    page.keyboard.type(residents_a[1].id_number)
    page.keyboard.press("Enter")
    page.wait_for_selector('#tube-panel[data-size="1"]')
    assert Sample.objects.get(tube__code="T0000001").person == residents_a[1]
