"""Flow 1 of DOMAIN.md, its first half, on phones: a car of three from a high-risk area at a highway exit is
registered by the checkpoint; the destination's grid worker finds the first contacts in the inbox."""

from fangkong.arrivals.models import Arrival, Checkpoint
from fangkong.arrivals.tests.conftest import ORIGIN_HIGH, grid_a, high_area, protocol, traveller  # noqa: F401
from tests.browser.conftest import login


def _fill_traveller(page, index: int, data: dict, destination) -> None:
    prefix = f"occ-{index}-"
    page.fill(f"input[name={prefix}id_number]", data["id_number"])
    page.fill(f"input[name={prefix}name]", data["name"])
    page.fill(f"input[name={prefix}phone]", data["phone"])
    page.fill(f"input[name={prefix}temperature]", "36.6")
    page.check(f"input[name={prefix}health_code][value=green]")
    page.check(f"input[name={prefix}negative_test_within_48h][value=yes]")
    page.select_option(f"select[name={prefix}destination]", str(destination.pk))
    page.fill(f"input[name={prefix}destination_address]", "东城一社区1号楼101")
    page.fill(f"input[name={prefix}origin_text]", ORIGIN_HIGH)
    page.locator(f"input[name={prefix}origin_text]").dispatch_event("change")
    # The proposal is computed on the server as the staffer types (htmx): wait for it, not for time.
    page.wait_for_selector(f'#proposal-occ-{index}[data-disposition="hand_over_transfer"]')


def test_checkpoint_registers_a_car_of_three_and_the_grid_worker_sees_the_tasks(
        phone_page, city, checkpoint_a, grid_a, protocol, high_area):  # noqa: F811
    page = phone_page
    checkpoint = Checkpoint.objects.create(name="京港澳高速西平站口", kind="highway_exit", unit=city.a.district)
    travellers = [traveller(n) for n in (1, 2, 3)]

    login(page, "checkpoint_a")
    page.goto(f"/arrivals/checkpoints/{checkpoint.pk}/")
    page.fill("input[name=plate]", "豫Q12345")
    for index, data in enumerate(travellers):
        if index:
            page.click("#add-occupant")
            page.wait_for_selector(f"input[name=occ-{index}-id_number]")
        _fill_traveller(page, index, data, city.a.grid)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.click("#submit-passage")

    page.wait_for_selector("#flow article.passage")
    flow = page.locator("#flow").inner_text()
    assert "豫Q12345" in flow and all(t["name"] in flow for t in travellers)
    arrivals = list(Arrival.objects.order_by("pk"))
    assert len(arrivals) == 3 and all(a.first_contact_task.owner == grid_a for a in arrivals)

    page.context.clear_cookies()
    login(page, "grid_a")
    page.goto("/tasks/")
    for arrival in arrivals:
        page.wait_for_selector(f"#task-{arrival.first_contact_task_id}")
    inbox = page.locator("main").inner_text()
    assert all(t["name"] in inbox for t in travellers)


def test_a_record_made_offline_waits_on_the_phone_and_is_sent_once_back_online(
        phone_page, city, checkpoint_a, grid_a, protocol, high_area):  # noqa: F811
    page = phone_page
    checkpoint = Checkpoint.objects.create(name="遂平站口", kind="highway_exit", unit=city.a.district)
    login(page, "checkpoint_a")
    page.goto(f"/arrivals/checkpoints/{checkpoint.pk}/")
    page.fill("input[name=plate]", "豫Q54321")
    _fill_traveller(page, 0, traveller(7), city.a.grid)

    page.context.set_offline(True)
    page.click("#submit-passage")
    page.wait_for_selector("#outbox:not([hidden])")
    assert "1" in page.locator("#outbox").inner_text()
    assert not Arrival.objects.exists()
    # The same record queued twice (a resend whose answer was lost): its client_key keeps it one passage.
    page.evaluate("""() => { const k = "fangkong.arrivals.outbox"; const a = JSON.parse(localStorage.getItem(k));
                             localStorage.setItem(k, JSON.stringify(a.concat(a))); }""")

    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector("#outbox[hidden]", state="attached")
    page.reload()
    page.wait_for_selector("#flow article.passage")
    assert Arrival.objects.count() == 1
    assert "豫Q54321" in page.locator("#flow").inner_text()
