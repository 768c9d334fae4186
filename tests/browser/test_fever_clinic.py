"""Fever clinic in the browser (issue 12): a clinic's staff user reports a fever patient on a phone, a bad ID first;
the HQ's clinic page then shows the day's count."""

from django.utils import timezone

from fangkong.units.models import FeverReport
from fangkong.units.tests.clinic_fixtures import clinic_a, clinic_user_a, grid_duty_a  # noqa: F401
from fangkong.units.tests.conftest import make_id
from tests.browser.conftest import login


def test_a_clinic_reports_a_fever_patient_and_the_hq_sees_the_count(
        phone_page, page, city, hq, clinic_a, clinic_user_a, grid_duty_a):  # noqa: F811
    clinic = phone_page
    login(clinic, "clinic_a")
    clinic.goto("/units/clinics/report/")
    clinic.fill("#id_name", "周发热")
    clinic.fill("#id_id_number", "110101198506120011")
    clinic.fill("#id_temperature", "38.6")
    clinic.check("input[name=disposition][value=sent_home]")
    clinic.click("#fever-form button[type=submit]")
    clinic.wait_for_selector("#fever-form .error, #fever-form .errorlist")
    assert not FeverReport.objects.exists()

    clinic.fill("#id_id_number", make_id(901))
    clinic.fill("#id_home_code", city.a.building.code)
    clinic.fill("#id_symptoms", "咳嗽")
    clinic.check("#id_sampled")
    clinic.click("#fever-form button[type=submit]")
    clinic.wait_for_selector("#today li[data-report]")
    report = FeverReport.objects.get()
    assert report.followup_task.owner == grid_duty_a
    assert make_id(901) not in clinic.inner_text("#today")

    login(page, "hq")
    page.goto("/units/clinics/")
    today = timezone.localdate().isoformat()
    cell = page.locator(f'#clinic-days tr[data-clinic="{clinic_a.pk}"] td[data-day="{today}"]')
    assert cell.get_attribute("data-count") == "1"
    assert cell.inner_text().strip() == "1"
