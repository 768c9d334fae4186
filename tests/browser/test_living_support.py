"""Flow 5 of DOMAIN.md in the browser, as issue 8 asks: a grid worker records a medicine need on a phone, the
supplies office's delivery team sends it out at once and confirms it at the door with a photo, which the grid worker
then sees on the need's page."""

from PIL import Image

from fangkong.supplies.models.living import DeliveryStop, Need
from fangkong.supplies.tests.test_living import home_a, supplies_a  # noqa: F401
from tests.browser.conftest import login


def _wait_loaded(page, selector: str) -> None:
    """The photo came through the scoped view and was resized: the page's CSP forbids wait_for_function's eval."""
    image = page.locator(selector)
    image.wait_for()
    for _attempt in range(100):
        if image.evaluate("img => img.complete && img.naturalWidth") == 1600:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{selector} did not load a 1600 px photo")


def test_a_medicine_need_from_the_phone_to_the_door(phone_page, tmp_path, settings, city, grid_worker_a,
                                                    home_a, supplies_a):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path / "media"
    photo = tmp_path / "门口.jpg"
    Image.new("RGB", (2400, 1800), "teal").save(photo, "JPEG")
    login(phone_page, "grid_a")
    phone_page.goto("/supplies/needs/households/")
    phone_page.click(f'#households li[data-household="{home_a.pk}"] a.record-need')
    phone_page.wait_for_selector("#need-form")
    phone_page.check("input[name=kind][value=medicine]")
    phone_page.fill("#id_item_name_0", "硝苯地平缓释片")
    phone_page.fill("#id_item_qty_0", "2")
    phone_page.fill("#id_item_measure_0", "盒")
    phone_page.fill("#id_prescription_note", "每日一次，每次一片")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    phone_page.click("#need-submit")
    phone_page.wait_for_selector('#need-status[data-status="open"]')
    need = Need.objects.get()
    assert need.urgent and need.task.kind == "living_urgent_need" and need.task.owner == grid_worker_a

    # the delivery team, on its own phone
    phone_page.context.clear_cookies()
    login(phone_page, "supplies_a")
    phone_page.goto("/supplies/needs/")
    phone_page.click(f'#needs tr[data-need="{need.pk}"] a')
    phone_page.click("#send-round")
    phone_page.wait_for_selector('#round-status[data-status="out"]')
    # The delivery team's page carries the medicine and the address, not the prescription.
    assert "每日一次" not in phone_page.content()
    phone_page.locator("#stops input[name=note]").first.fill("已放门口，电话告知")
    phone_page.locator("#stops input[name=photo]").first.set_input_files(str(photo))
    phone_page.locator("#stops button.confirm-submit").first.click()
    phone_page.wait_for_selector('#stops li[data-status="delivered"]')
    phone_page.wait_for_selector('#round-status[data-status="done"]')
    _wait_loaded(phone_page, "#stops img")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    need.refresh_from_db()
    assert need.status == Need.Status.MET and need.task.status == "done"
    assert DeliveryStop.objects.get().photo

    # The grid worker sees the photo on the need's page, and the prescription with it.
    phone_page.context.clear_cookies()
    login(phone_page, "grid_a")
    phone_page.goto(f"/supplies/needs/{need.pk}/")
    _wait_loaded(phone_page, "#need-photo img")
    assert "每日一次，每次一片" in phone_page.inner_text("#need-prescription")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
