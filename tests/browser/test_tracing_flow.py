"""Flow 3 of DOMAIN.md in the browser, as the issue asks: a tracer opens a new case, runs co-presence detection on
an uploaded venue-scan file, confirms three contacts, and sees them under control in the transmission graph."""

import datetime

from django.utils import timezone

from fangkong.tracing.models import Case, Contact
from fangkong.tracing.tests.conftest import grid_a, people_a, tracer_a  # noqa: F401
from tests.browser.conftest import login


def test_a_tracer_finds_three_contacts_by_co_presence_and_sees_them_under_control(
        page, tmp_path, city, tracer_a, people_a):  # noqa: F811
    case_person = people_a[0]
    login(page, "tracer_a")
    page.goto("/tracing/cases/new/")
    sampled = timezone.localtime() - datetime.timedelta(hours=6)
    page.fill("#id_id_number", case_person.id_number)
    page.select_option("#id_classification", "confirmed")
    page.select_option("#id_source", "fever_clinic")
    page.fill("#id_first_positive_at", sampled.strftime("%Y-%m-%dT%H:%M"))
    page.click("#case-form button[type=submit]")
    page.wait_for_selector("#case-number")
    case = Case.objects.get(person=case_person)
    assert case.number in page.inner_text("#case-number")

    # the venue scans of the market: the case an hour, three neighbours 20–50 minutes, one only 5
    at = (sampled - datetime.timedelta(days=1)).replace(tzinfo=None, second=0, microsecond=0)
    rows = ["person_id,place_id,start,end", f"{case_person.id_number},V-MARKET,{at:%Y-%m-%d %H:%M},"
                                            f"{at + datetime.timedelta(hours=1):%Y-%m-%d %H:%M}"]
    for person, minutes in zip(people_a[1:5], (50, 20, 35, 5), strict=True):
        rows.append(f"{person.id_number},V-MARKET,{at:%Y-%m-%d %H:%M},"
                    f"{at + datetime.timedelta(minutes=minutes):%Y-%m-%d %H:%M}")
    scans = tmp_path / "场所码扫码记录.csv"
    scans.write_text("\n".join(rows) + "\n", encoding="utf-8")
    page.set_input_files("#detection-form input[type=file]", str(scans))
    page.click("#detection-form button[type=submit]")
    page.wait_for_selector('#run[data-status="done"]')
    assert page.locator("#hits tbody tr[data-hit]").count() == 3

    page.locator("#hits input[name=hits]").first.wait_for()
    for box in page.locator("#hits input[name=hits]").all():
        box.check()
    page.click("#confirm-hits")
    page.wait_for_selector('#hits tr[data-status="confirmed"]')
    assert page.locator('#hits tr[data-status="confirmed"]').count() == 3
    assert Contact.objects.filter(case=case, status="controlled").count() == 3

    page.goto(f"/tracing/graph/?case={case.pk}")
    page.wait_for_selector("#graph-nodes")
    controlled = page.locator('#graph-nodes [data-kind="contact"][data-status="controlled"]')
    controlled.first.wait_for()
    assert controlled.count() == 3
    # the chart itself drew on its canvas
    page.wait_for_selector("#graph-chart canvas, #graph-chart svg")
