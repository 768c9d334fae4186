"""Vaccination in the browser, as issue 11 asks: an officer imports a small file with one bad row, reads the
rejection report, opens the person and sees the dose."""

from fangkong.vaccination.models import Dose
from fangkong.vaccination.tests.conftest import QIAN_ID, ZHAO_ID, residents_a  # noqa: F401
from tests.browser.conftest import login


def test_an_officer_imports_doses_sees_the_rejected_row_and_the_dose_on_the_persons_page(
        page, tmp_path, officer_a, residents_a):  # noqa: F811
    upload = tmp_path / "接种记录.csv"
    upload.write_text("身份证号,姓名,疫苗,剂次,接种日期,接种单位\n"
                      f"{ZHAO_ID},赵老伯,科兴,1,2021-04-01,东城社区卫生服务中心\n"
                      f"{QIAN_ID},钱小姐,国药,1,2021-06-01,东城社区卫生服务中心\n", encoding="utf-8")
    login(page, "officer_a")
    page.goto("/vaccination/import/")
    page.set_input_files("#doses-upload input[type=file]", str(upload))
    page.click("#doses-upload button[type=submit]")

    report = page.wait_for_selector('#import-report[data-status="done"]')
    assert report.get_attribute("data-created") == "1" and report.get_attribute("data-rejected") == "1"
    row = page.locator('#import-errors tr[data-line="3"]')
    assert "钱小姐" in row.inner_text() and QIAN_ID not in row.inner_text()
    assert page.locator("#download-rejected").is_visible()
    assert Dose.objects.get().person == residents_a["zhao"]

    page.goto(f"/people/{residents_a['zhao'].pk}/")
    dose = page.wait_for_selector('#vaccination-doses tr[data-dose="1"]')
    assert "科兴 CoronaVac" in dose.inner_text() and "2021-04-01" in dose.inner_text()
