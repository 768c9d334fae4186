"""外地协查名单: all or nothing, every bad line named; Excel too; handed over to the grids."""

import datetime
import io

import pytest
from django.utils import timezone

from fangkong.arrivals.imports import coordination_list_import
from fangkong.arrivals.models import Arrival, ArrivalSource
from fangkong.arrivals.tests.conftest import ORIGIN_HIGH
from fangkong.people.tests.conftest import make_id

pytestmark = pytest.mark.django_db

HEADER = "姓名,身份证号,手机,来源地,离开日期,目的地编码,目的地址\n"


def _day(days_ago=1):
    return (timezone.localdate() - datetime.timedelta(days=days_ago)).isoformat()


def test_a_mixed_file_writes_nothing_and_names_every_bad_line(protocol, officer_a, city):
    good = make_id("411721", "19900101", "111")
    bad_id = good[:-1] + ("1" if good[-1] != "1" else "2")
    rows = [
        f"张三,{good},13800001111,{ORIGIN_HIGH},{_day()},{city.a.grid.code},1号楼",
        f"李四,{bad_id},13800002222,{ORIGIN_HIGH},{_day()},{city.a.grid.code},1号楼",
        f"王五,{make_id('411721', '19900101', '333')},13800003333,{ORIGIN_HIGH},昨天,{city.a.grid.code},1号楼",
        f"赵六,{make_id('411721', '19900101', '444')},13800004444,{ORIGIN_HIGH},{_day()},NOPE,1号楼",
        f"钱七,{make_id('411721', '19900101', '555')},13800005555,{ORIGIN_HIGH},{_day()},{city.b.grid.code},1号楼",
        f"孙八,{good},13800006666,{ORIGIN_HIGH},{_day()},{city.a.grid.code},1号楼",
        f"周九,{make_id('411721', '19900101', '777')},123,{ORIGIN_HIGH},{_day()},{city.a.grid.code},1号楼",
    ]
    report = coordination_list_import(source=(HEADER + "\n".join(rows) + "\n").encode("gb18030"), actor=officer_a)
    assert not report.ok
    by_line = {e.line: e.message for e in report.errors}
    assert sorted(by_line) == [3, 4, 5, 6, 7, 8]
    assert by_line[3].startswith("id_number:") and "check digit" in by_line[3]
    assert by_line[4].startswith("left_on:")
    assert by_line[5].startswith("destination:") and "NOPE" in by_line[5]
    assert "outside your jurisdiction" in by_line[6]
    assert "line 2" in by_line[7]
    assert by_line[8].startswith("phone:")
    assert not Arrival.objects.exists() and not ArrivalSource.objects.exists()


def test_missing_columns_are_named(officer_a):
    report = coordination_list_import(source="姓名,手机\n张三,13800001111\n".encode(), actor=officer_a)
    assert [e.line for e in report.errors] == [1] and "id_number" in report.errors[0].message


def test_an_excel_list_is_imported_and_handed_over(protocol, high_area, grid_a, officer_a, city):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "身份证号", "手机", "来源地", "离开日期", "目的地编码", "目的地址"])
    sheet.append(["张三", make_id("411721", "19900101", "111"), "13800001111", ORIGIN_HIGH,
                  timezone.localdate() - datetime.timedelta(days=2), city.a.grid.code, "1号楼101"])
    sheet.append(["李四", make_id("411721", "19900101", "222"), "13800002222", "火星基地", _day(3),
                  city.a.grid.code, ""])
    buffer = io.BytesIO()
    book.save(buffer)
    report = coordination_list_import(source=buffer.getvalue(), filename="协查.xlsx", actor=officer_a)
    assert report.ok and report.created == 2
    zhang, li = Arrival.objects.order_by("pk")
    assert (zhang.origin_level, zhang.category, zhang.channels) == ("high", "arrival_high", ["coordination_list"])
    assert zhang.left_origin_on == timezone.localdate() - datetime.timedelta(days=2)
    assert zhang.first_contact_task.owner == grid_a and zhang.person is not None
    # an origin nobody could resolve is imported and flagged, with a first contact all the same
    assert (li.origin_name, li.origin_code, li.origin_level) == ("火星基地", "", "")
    assert li.first_contact_task.owner == grid_a
