"""Flow 2 of DOMAIN.md end to end, as the issue asks: a sampler on a phone fills a 10-person tube; the lab uploads
a results file in which that tube is positive; the HQ's overview shows the alert and the recall list has the ten."""

import csv
import io
from pathlib import Path

from django.utils import timezone

from fangkong.command.snapshot import snapshot_take
from fangkong.testing import services
from fangkong.testing.tests.conftest import lab, lab_staff, point_a, resident_b, residents_a, round_a, sampler_a  # noqa: F401
from tests.browser.conftest import login


def _context(chromium, live_server, **options):
    context = chromium.new_context(base_url=live_server.url, locale="zh-CN", **options)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.set_default_navigation_timeout(45_000)
    return context, page


def _scan(page, text: str, field_id: str) -> None:
    page.wait_for_function("id => document.activeElement && document.activeElement.id === id", arg=field_id)
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def test_a_positive_ten_tube_from_the_phone_to_the_recall_list(chromium, live_server, _warm_server, city, hq,
                                                               sampler_a, lab_staff, lab, point_a,  # noqa: F811
                                                               round_a, residents_a):  # noqa: F811
    # a sampler on a 360-px phone fills tube T7000001 with ten residents
    context, phone = _context(chromium, live_server, viewport={"width": 360, "height": 740}, is_mobile=True,
                              has_touch=True)
    login(phone, "sampler_a")
    phone.goto(f"/testing/sample/points/{point_a.pk}/")
    _scan(phone, "T7000001", "id_code")
    phone.wait_for_selector('#tube-panel[data-tube="T7000001"]')
    for count, person in enumerate(residents_a[:10], start=1):
        _scan(phone, person.id_number, "scan-id")
        phone.wait_for_selector(f'#tube-panel[data-size="{count}"]')
    phone.wait_for_selector('#tube-panel[data-status="closed"]')
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()

    # the courier takes it to the lab, which uploads its results file: T7000001 positive
    services.handover_send(lab=lab, codes=["T7000001"], declared_count=1, actor=None)
    tested = timezone.localtime(timezone.now()).strftime("%Y-%m-%d %H:%M")
    results = f"试管编码,检测结果,ORF1ab Ct值,N Ct值,检测时间,实验室编码\nT7000001,阳性,27.5,29.1,{tested},LAB1\n"
    context, desk = _context(chromium, live_server, viewport={"width": 1280, "height": 900})
    login(desk, "lab")
    desk.goto("/testing/lab/")
    desk.set_input_files("#results-upload input[name=file]",
                         files=[{"name": "结果.csv", "mimeType": "text/csv", "buffer": results.encode("utf-8-sig")}])
    desk.click("#results-upload button[type=submit]")
    desk.wait_for_selector('#import-recalls [data-tube="T7000001"]')
    context.close()

    # the HQ's overview carries the alert (from the dashboard's next snapshot); the testing page leads to the
    # pool's ten members
    snapshot_take()
    context, desk = _context(chromium, live_server, viewport={"width": 1280, "height": 900})
    login(desk, "hq")
    desk.goto("/")
    desk.click('[data-alert="testing.open_recalls"] a')
    desk.wait_for_selector("#recall-alerts")
    desk.locator('#recall-alerts tr[data-tube="T7000001"] a').click()
    desk.wait_for_selector("#recall-members")
    assert desk.locator("#recall-members tr.recall-member").count() == 10

    # and the recall list the district prints has the ten people, with their full ID numbers
    desk.goto(f"/testing/rounds/{round_a.pk}/")
    desk.click("#recall-export-link")
    desk.fill("input[name=reason]", "夜间召回复核")
    with desk.expect_download() as info:
        desk.click("#recall-download")
    rows = list(csv.reader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8-sig"))))
    assert len(rows) == 11
    assert {r[0] for r in rows[1:]} == {p.id_number for p in residents_a[:10]}
    context.close()
