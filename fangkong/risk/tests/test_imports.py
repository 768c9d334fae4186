import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from fangkong.risk.imports import risk_import
from fangkong.risk.models import AreaStatus, RiskArea, RiskAreaChange
from fangkong.risk.selectors import origin_level

pytestmark = pytest.mark.django_db

GOOD = (
    "地区编码,名称,风险等级,公布日期\n"
    "411721,河南省驻马店市西平县柏城街道,高风险,2022-08-05\n"
    ",河南省驻马店市遂平县,中,2022/8/5\n"
    "410100,郑州市,防范区,2022年8月5日\n"
)


def test_a_good_list_is_imported_with_chinese_headers_and_level_words(hq):
    report = risk_import(data=GOOD.encode("utf-8-sig"), actor=hq)
    assert report.ok and report.created == 3
    assert origin_level(code="411721", name="柏城街道") == "high"
    assert origin_level(code="411728") == "medium"  # 遂平县, resolved by name
    assert origin_level(code="410102") == "low"
    area = RiskArea.objects.get(code="411721")
    assert area.declared_at.date().isoformat() == "2022-08-04" or area.declared_at.date().isoformat() == "2022-08-05"


def test_importing_the_same_list_again_adds_nothing_and_a_changed_level_is_updated(hq):
    risk_import(data=GOOD.encode(), actor=hq)
    again = risk_import(data=GOOD.encode(), actor=hq)
    assert again.ok and (again.created, again.updated) == (0, 0)
    assert RiskArea.objects.count() == 3

    changed = risk_import(data=GOOD.replace("高风险", "中风险").encode(), actor=hq)
    assert (changed.created, changed.updated) == (0, 1)
    area = RiskArea.objects.get(code="411721")
    assert (area.level, area.status) == ("medium", AreaStatus.DOWNGRADED)
    assert RiskArea.objects.count() == 3


def test_a_file_with_bad_rows_writes_nothing_and_names_line_and_field(hq):
    data = (
        "region_code,name,level,date\n"
        "411721,西平县,high,2022-08-05\n"  # good
        ",asdf qwer,high,2022-08-05\n"  # unresolvable name
        "99,某地,high,2022-08-05\n"  # bad code
        "411700,驻马店市,extreme,2022-08-05\n"  # bad level
        "411702,驿城区,low,yesterday\n"  # bad date
        "411721,西平县,low,2022-08-05\n"  # same area twice
    )
    report = risk_import(data=data.encode(), actor=hq)
    assert not report.ok
    by_line = {e.line: e.message for e in report.errors}
    assert set(by_line) == {3, 4, 5, 6, 7}
    assert "name" in by_line[3] and "asdf qwer" in by_line[3]
    assert "region code" in by_line[4]
    assert "level" in by_line[5] and "extreme" in by_line[5]
    assert "date" in by_line[6]
    assert "line 2" in by_line[7]
    assert not RiskArea.objects.exists() and not RiskAreaChange.objects.exists()


def test_gb18030_csv_and_an_excel_workbook_are_read(hq):
    assert risk_import(data=GOOD.encode("gb18030"), actor=hq).created == 3
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["区划代码", "地区", "等级", "日期"])
    sheet.append(["420102", "湖北省武汉市江岸区", "封控区", "2022-08-06"])
    buffer = io.BytesIO()
    book.save(buffer)
    report = risk_import(data=buffer.getvalue(), filename="list.xlsx", actor=hq)
    assert report.ok and report.created == 1
    assert origin_level(code="420102") == "high"


def test_only_the_hq_imports(officer_a, client):
    with pytest.raises(PermissionDenied):
        risk_import(data=GOOD.encode(), actor=officer_a)
    client.force_login(officer_a)
    assert client.get(reverse("risk:import")).status_code == 404


def test_the_import_page_lists_every_bad_row(client, hq):
    client.force_login(hq)
    upload = io.BytesIO(b"name,level\nasdf qwer,high\n")
    upload.name = "list.csv"
    html = client.post(reverse("risk:import"), {"file": upload}).content.decode()
    assert "Nothing was imported" in html and "asdf qwer" in html
    assert not RiskArea.objects.exists()
