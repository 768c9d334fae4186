"""Line-list exports in the browser (issue 11): an officer exports the persons list to CSV from the exports page,
watches it finish and downloads the file, masked."""

import csv

from fangkong.exports.models import ExportLog
from fangkong.exports.tests.conftest import persons_a  # noqa: F401
from tests.browser.conftest import login


def test_an_officer_exports_the_persons_list_to_csv_and_downloads_it(page, settings, tmp_path, officer_a,
                                                                     persons_a):  # noqa: F811
    settings.EXPORTS_DIR = tmp_path / "exports"
    login(page, "officer_a")
    page.goto("/exports/")
    page.click('#export-sources a[data-source="persons"]')
    page.wait_for_selector("#export-form")
    page.check("input[name=format][value=csv]")
    for key in ("id", "name", "phone", "status"):
        page.check(f"input[name=columns][value={key}]")
    page.click("#export-submit")
    page.wait_for_url("**/exports/")

    export = ExportLog.objects.get()
    row = page.locator(f'#exports tr[data-export="{export.pk}"][data-status="succeeded"]')
    row.wait_for()
    with page.expect_download() as info:
        row.locator("a[download]").click()
    download = info.value
    assert download.suggested_filename.startswith("persons-") and download.suggested_filename.endswith(".csv")
    path = tmp_path / "downloaded.csv"
    download.save_as(path)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    assert header[:2] == ["档案号", "姓名"] and "联系电话" in header
    assert {r[1] for r in rows[1:]} == {"陈*", "张*", "王*"}
    assert {r[header.index("联系电话")] for r in rows[1:]} == {"138****5678", "139****4321", "137****1111"}
    assert "13812345678" not in path.read_text(encoding="utf-8-sig")
