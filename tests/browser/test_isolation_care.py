"""Flow 4 of DOMAIN.md, the daily checks: site staff on a phone record an evening fever on a floor, and the site
doctor finds the alert in their inbox."""

from fangkong.isolation.models import HealthCheck
from fangkong.isolation.tests.conftest_care import (  # noqa: F401
    doctor_a,
    site_a,
    staff_a,
    stays_a,
)
from fangkong.tasks.models import Task
from tests.browser.conftest import login


def test_staff_record_an_evening_fever_and_the_doctor_sees_the_alert(phone_page, page, city, site_a,  # noqa: F811
                                                                     stays_a, staff_a, doctor_a):  # noqa: F811
    zhang = stays_a["张三"]
    phone = phone_page
    login(phone, "staff_a")
    phone.goto(f"/isolation/sites/{site_a.pk}/floors/")
    phone.click('#floors a[data-floor="3"]')
    phone.wait_for_selector("#checks-form")
    phone.click("#period-evening")
    phone.wait_for_selector('#care-floor[data-period="evening"]')
    assert phone.locator("#care-floor article.care-row").count() == 2
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    phone.fill(f"#stay-{zhang.pk} input.temperature", "38.4")
    phone.click("#checks-save")
    phone.wait_for_selector(f"#stay-{zhang.pk} .reading-evening .badge")
    assert "38.4 °C" in phone.locator(f"#stay-{zhang.pk} .reading-evening").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    check = HealthCheck.objects.get(stay=zhang, period="evening")
    assert str(check.temperature) == "38.4" and check.recorded_by == staff_a

    alert = Task.objects.get(kind="isolation_health_alert")
    login(page, "doctor_a")
    page.goto("/tasks/")
    page.wait_for_selector(f"#task-{alert.pk}")
    card = page.locator(f"#task-{alert.pk}").inner_text()
    assert "38.4" in card and "张三" in card
