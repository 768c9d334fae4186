"""Flow 2 of DOMAIN.md from the command HQ: a round of district A created through the form, a positive 10-in-1
pool raising the alert, the pool's ten members on the recall page and in the recall list a district prints."""

import csv
import datetime
import io
from pathlib import Path

from django.utils import timezone

from fangkong.testing.models import Recall, Round
from fangkong.testing.tests.conftest import (  # noqa: F401
    fill_tube,
    lab,
    point_a,
    resident_b,
    residents_a,
    send_and_result,
)
from tests.browser.conftest import login


def _local(value: datetime.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def test_hq_creates_a_round_sees_the_positive_pool_and_downloads_the_recall_list(
        page, city, hq, residents_a, resident_b, point_a, lab):  # noqa: F811
    login(page, "hq")
    # the HQ creates a round of district A through the form
    page.goto("/testing/")
    page.click("#new-round")
    page.fill("input[name=code]", "R-A-2022-1")
    page.fill("input[name=name]", "东城区第一轮全员核酸")
    page.select_option("select[name=nodes]", [str(city.a.district.pk)])
    now = timezone.now()
    page.fill("input[name=starts_at]", _local(now - datetime.timedelta(minutes=30)))
    page.fill("input[name=ends_at]", _local(now + datetime.timedelta(days=1)))
    page.select_option("select[name=pool_size]", "10")
    page.click("#round-form button[type=submit]")
    page.wait_for_selector("#coverage")
    assert page.locator("#coverage-sampled").inner_text() == "0"
    assert page.locator("#coverage-target").inner_text() == "12"
    round_ = Round.objects.get(code="R-A-2022-1")
    assert round_.status == Round.Status.RUNNING

    # a positive 10-in-1 pool, recorded through the services (the sampler's and the lab's pages have their tests)
    tube = fill_tube(round_, point_a, "T2022000001", residents_a[:10])
    send_and_result(tube, lab, result="positive", ct_orf1ab="27.4", ct_n="29.0")
    recall = Recall.objects.get(tube=tube)

    # the alert is on the HQ's page
    page.goto("/testing/")
    alert = page.locator(f"#recall-alerts #recall-{recall.pk}")
    assert alert.get_attribute("data-tube") == "T2022000001"
    assert alert.get_attribute("data-members") == "10"

    # the recall page lists the ten members
    alert.locator("a").click()
    page.wait_for_selector("#recall-members")
    assert page.locator("#recall-members tr.recall-member").count() == 10
    members = page.locator("#recall-members").inner_text()
    assert all(p.name in members for p in residents_a[:10])
    assert residents_a[0].id_number not in members

    # the recall list downloads with a reason: ten rows
    page.click("#recall-export-link")
    page.fill("input[name=reason]", "夜间入户召回")
    with page.expect_download() as info:
        page.click("#recall-download")
    body = Path(info.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][0] == "身份证号"
    assert len(rows[1:]) == 10
    assert sorted(r[0] for r in rows[1:]) == sorted(p.id_number for p in residents_a[:10])
