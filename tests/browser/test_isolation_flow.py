"""Flow 4 of DOMAIN.md in the browser, as the issue asks: an officer places a family of three and a single close
contact, a driver completes the trip on a phone, site staff record a fever and the site doctor sees the alert."""

from fangkong.isolation.models import Stay, Trip
from fangkong.isolation.tests.conftest import driver, family_a, grid_a, site_a, site_staff  # noqa: F401
from fangkong.people.models import Person
from fangkong.tasks.models import Task
from tests.browser.conftest import login


def test_from_the_queue_to_a_room_and_the_first_fever(page, phone_page, city, officer_a, site_a,  # noqa: F811
                                                      family_a, driver, site_staff):  # noqa: F811
    login(page, "officer_a")
    page.goto("/isolation/queue/")
    page.wait_for_selector("#proposal")
    assert page.locator('#proposal tr[data-size="3"]').count() == 1
    assert page.locator('#proposal tr[data-size="1"]').count() == 1
    page.click("#confirm-placement")
    page.wait_for_selector("#queue-empty")
    assert Stay.objects.filter(status="placed").count() == 4

    page.goto(f"/isolation/sites/{site_a.pk}/")
    page.click("#new-trip")
    page.fill("#id_vehicle", "青H12345")
    page.fill("#id_driver_name", "钱师傅")
    page.select_option("#id_driver", str(driver.pk))
    page.click("#trip-form button[type=submit]")
    page.wait_for_selector("#trip-vehicle")
    trip = Trip.objects.get()

    # the driver, on a 360-px phone, picks everyone up and the site's staff member signs each one in
    login(phone_page, "driver")
    phone_page.goto(f"/isolation/trips/{trip.pk}/")
    for _ in range(4):
        phone_page.locator("#stops button.pickup-found").first.click()
        phone_page.wait_for_load_state()
    for _ in range(4):
        phone_page.locator("#stops input[name=received_by]").first.fill("赵医生")
        phone_page.locator("#stops button.handover-submit").first.click()
        phone_page.wait_for_load_state()
    phone_page.wait_for_selector('#trip-status[data-status="done"]')
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    assert set(Person.objects.filter(pk__in=[p.pk for p in family_a]).values_list("status", flat=True)) == {
        "central_isolation"}

    # the evening round on the single's floor: 38.5 °C
    single = Stay.objects.get(person=family_a[3])
    phone_page.context.clear_cookies()
    login(phone_page, "site_staff")
    phone_page.goto(f"/isolation/sites/{site_a.pk}/floors/{single.room.floor}/checks/")
    phone_page.wait_for_selector("#checks-form")
    phone_page.click("#period-evening")
    phone_page.wait_for_selector('#care-floor[data-period="evening"]')
    phone_page.fill(f"#stay-{single.pk} input.temperature", "38.5")
    phone_page.click("#checks-save")
    phone_page.wait_for_selector(f"#stay-{single.pk} .reading-evening .badge")

    alert = Task.objects.get(kind="isolation_health_alert")
    assert alert.owner == site_staff  # the site's doctor
    page.context.clear_cookies()
    login(page, "site_staff")
    page.goto("/tasks/")
    page.wait_for_selector(f"#task-{alert.pk}")
    assert "38.5" in page.locator(f"#task-{alert.pk}").inner_text()
