"""The resident's side in the browser, as issue 11 asks: a resident under home isolation signs in on a phone with
a code sent to their phone, sees a negative result and their release date, checks in with 38.2 °C, and their grid
worker finds the alert task in the inbox."""

from django.utils import timezone

from fangkong.protocols.services import measure_start
from fangkong.residents.tests.conftest import _notify_locmem, code_from, family, grid_a, grid_b, outbox  # noqa: F401
from fangkong.tasks.models import Task
from fangkong.testing.models import Round, Sample, Tube
from tests.browser.conftest import login


def _negative_result(person):
    now = timezone.now()
    round_ = Round.objects.create(code="R-B1", name="全员核酸第3轮", unit=person.unit, starts_at=now, ends_at=now,
                                  pool_size=10, status="done")
    tube = Tube.objects.create(code="T-B1", round=round_, unit=person.unit, capacity=10, size=1, opened_at=now,
                               result="negative", status="resulted")
    Sample.objects.create(tube=tube, round=round_, person=person, id_type="resident", id_number=person.id_number,
                          name=person.name, unit=person.unit, sampled_at=now)


def test_a_resident_signs_in_with_a_code_checks_in_with_a_fever_and_the_grid_worker_sees_the_alert(
        phone_page, page, family, outbox, grid_worker_a):  # noqa: F811
    # given
    head = family.head
    _negative_result(head)
    measure = measure_start(person=head, category="arrival_medium", day_one=timezone.localdate(), actor=None,
                            source="test")

    # the resident, on a phone
    resident = phone_page
    resident.goto("/residents/")
    resident.fill("#id_id_number", head.id_number)
    resident.click("#signin-form button[type=submit]")
    resident.wait_for_selector("#code-form")
    assert resident.locator("#code-sent").inner_text().strip()
    resident.fill("#id_code", code_from(outbox))
    resident.click("#code-form button[type=submit]")
    resident.wait_for_selector(f'#me[data-person="{head.pk}"]')

    assert resident.locator('#results li[data-result="negative"]').count() == 1
    release = resident.locator(f'#measures [data-measure="{measure.pk}"] .release')
    assert release.inner_text().strip() == f"{measure.ends_on:%Y-%m-%d}"
    assert resident.evaluate("document.documentElement.scrollWidth") <= 360
    resident.screenshot(path="test-results/resident-home.png", full_page=True)

    resident.click(f'#checkins-today li[data-report-for="{head.pk}"] a')
    resident.fill("#id_temperature", "38.2")
    resident.check('#symptoms input[value="none"]')
    resident.click("#checkin-form button[type=submit]")
    resident.wait_for_selector("#checkin-done")
    assert "38.2" in resident.locator(f'#checkins-today li[data-report-for="{head.pk}"]').inner_text()

    # the grid worker, at a desk
    task = Task.objects.get(kind="resident_checkin_alert")
    assert task.owner == grid_worker_a
    login(page, "grid_a")
    page.goto("/tasks/")
    card = page.locator(f"#task-{task.pk}")
    card.wait_for()
    assert head.name in card.inner_text()

    # large text, and sign out
    resident.click("#text-size")
    resident.wait_for_selector('body[data-large-text="on"]')
    resident.click("#signout-form button[type=submit]")
    resident.wait_for_selector("#signin-form")
