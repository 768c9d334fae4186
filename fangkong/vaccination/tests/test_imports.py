"""Importing doses: good rows in, bad rows reported with their reason, a bad file refused whole, a re-import
changing nothing."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from conftest import make_user
from fangkong.accounts.roles import Role
from fangkong.vaccination.imports import doses_import, parse_date, parse_dose
from fangkong.vaccination.models import Dose, DoseImport
from fangkong.vaccination.tests.conftest import LI_B_ID, QIAN_ID, SUN_ID, ZHAO_ID, csv_bytes

pytestmark = pytest.mark.django_db


def _messages(report) -> dict[int, str]:
    return {e.line: e.message for e in report.errors}


def test_good_rows_are_imported_and_every_bad_row_is_listed_with_its_reason(residents_a, resident_b, officer_a):
    # given
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    wrong_check = ZHAO_ID[:-1] + ("0" if ZHAO_ID[-1] != "0" else "1")
    data = csv_bytes(
        f"{ZHAO_ID},赵老伯,国药,1,2021-04-01,东城社区卫生服务中心",       # 2 good
        f"{ZHAO_ID},赵老伯,国药,2,2021/5/6,东城社区卫生服务中心",         # 3 good
        f"{ZHAO_ID},赵老伯,科兴,加强针,2021年12月1日,东城社区卫生服务中心",  # 4 good: the 3rd dose
        f"{wrong_check},赵老伯,国药,1,2021-04-01,东城",                   # 5 check digit
        f"{QIAN_ID},钱小姐,科兴,1,2021-06-01,东城",                        # 6 name mismatch
        f"{QIAN_ID},钱女士,科兴,1,{tomorrow},东城",                         # 7 future
        f"{QIAN_ID},钱女士,科兴,2,2020-03-01,东城",                         # 8 before 2020-07-22
        f"{ZHAO_ID},赵老伯,国药,2,2021-05-06,东城",                         # 9 duplicate of line 3
        f"{LI_B_ID},李奶奶,国药,1,2021-04-01,西城",                         # 10 outside the jurisdiction
        f"{SUN_ID},孙小明,辉瑞,1,2021-09-01,东城",                          # 11 unknown product
        f"{SUN_ID},孙小明,科兴,7,2021-09-01,东城",                          # 12 dose out of range
        f"{SUN_ID},孙小明,科兴,1,2021-09-01,",                              # 13 no site
    )
    # when
    report = doses_import(data=data, filename="doses.csv", actor=officer_a)
    # then
    assert report.created == 3 and not report.unreadable
    errors = _messages(report)
    assert sorted(errors) == list(range(5, 14))
    assert "check digit" in errors[5]
    assert "does not match" in errors[6]
    assert "future" in errors[7]
    assert "before vaccination began" in errors[8]
    assert "line 3" in errors[9]
    assert "no person with this ID number" in errors[10]
    assert "unknown vaccine" in errors[11]
    assert "dose must be 1 to 5" in errors[12]
    assert "site is empty" in errors[13]
    zhao = residents_a["zhao"]
    assert list(Dose.objects.filter(person=zhao).values_list("dose_number", "product__code")) == [
        (1, "sinopharm"), (2, "sinopharm"), (3, "sinovac")]
    assert not Dose.objects.filter(person__in=[residents_a["qian"], residents_a["sun"], resident_b]).exists()
    record = DoseImport.objects.get()
    assert (record.created, record.rejected_count, record.status) == (3, 9, "done")
    assert record.rejected[1]["values"]["姓名"] == "钱小姐"


def test_importing_the_same_file_again_changes_nothing(residents_a, officer_a):
    data = csv_bytes(f"{ZHAO_ID},赵老伯,国药,1,2021-04-01,东城", f"{QIAN_ID},钱女士,科兴,1,2021-06-01,东城")
    first = doses_import(data=data, filename="a.csv", actor=officer_a)
    again = doses_import(data=data, filename="a.csv", actor=officer_a)
    assert (first.created, again.created, again.unchanged, len(again.errors)) == (2, 0, 2, 0)
    assert Dose.objects.count() == 2


def test_a_dose_contradicting_the_one_on_file_is_rejected_not_overwritten(residents_a, officer_a):
    doses_import(data=csv_bytes(f"{ZHAO_ID},赵老伯,国药,1,2021-04-01,东城"), filename="a.csv", actor=officer_a)
    report = doses_import(data=csv_bytes(f"{ZHAO_ID},赵老伯,科兴,1,2021-04-09,东城"), filename="b.csv",
                          actor=officer_a)
    assert "on file as 2021-04-01" in _messages(report)[2]
    assert Dose.objects.get().given_on == datetime.date(2021, 4, 1)


def test_doses_out_of_order_are_rejected(residents_a, officer_a):
    report = doses_import(data=csv_bytes(f"{ZHAO_ID},赵老伯,国药,1,2021-05-01,东城",
                                         f"{ZHAO_ID},赵老伯,国药,2,2021-04-01,东城"), filename="a.csv", actor=officer_a)
    assert "does not fit dose 1" in _messages(report)[3]
    assert Dose.objects.count() == 1


@pytest.mark.parametrize("header", ["证件,名字,疫苗,剂次,接种日期,接种单位", "身份证号,姓名,疫苗,剂次,接种单位"])
def test_a_file_with_a_wrong_header_is_refused_whole(residents_a, officer_a, header):
    data = csv_bytes(f"{ZHAO_ID},赵老伯,国药,1,2021-04-01,东城", header=header)
    report = doses_import(data=data, filename="bad.csv", actor=officer_a)
    assert report.unreadable and report.errors[0].line == 1 and "Missing columns" in report.errors[0].message
    assert not Dose.objects.exists() and not DoseImport.objects.exists()


def test_an_excel_workbook_is_read_like_a_csv(residents_a, officer_a):
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["身份证号", "姓名", "疫苗", "剂次", "接种日期", "接种单位", "批号"])
    sheet.append([ZHAO_ID, "赵老伯", "康希诺吸入", "1", datetime.datetime(2022, 10, 26), "东城接种点", "B2022"])
    out = io.BytesIO()
    book.save(out)
    report = doses_import(data=out.getvalue(), filename="doses.xlsx", actor=officer_a)
    assert report.created == 1, report.errors
    dose = Dose.objects.get()
    assert (dose.product.code, dose.given_on, dose.batch) == ("cansino_inhaled", datetime.date(2022, 10, 26), "B2022")


def test_a_grid_worker_cannot_import(residents_a, city):
    worker = make_user("gw", Role.GRID_WORKER, city.a.grid)
    with pytest.raises(PermissionDenied):
        doses_import(data=csv_bytes(f"{ZHAO_ID},赵老伯,国药,1,2021-04-01,东城"), filename="a.csv", actor=worker)
    assert not Dose.objects.exists()


@pytest.mark.parametrize("text, number", [("1", 1), ("第2剂", 2), ("第三针", 3), ("加强针", 3), ("第二剂加强", 4),
                                          ("booster", 3), ("6", None), ("", None), ("1,2", None)])
def test_dose_words(text, number):
    assert parse_dose(text) == number


MAY_1 = datetime.date(2021, 5, 1)


@pytest.mark.parametrize("text, day", [("2021-05-01", MAY_1), ("2021/5/1", MAY_1), ("2021年5月1日", MAY_1),
                                       ("20210501", MAY_1), ("2021-05-01 00:00:00", MAY_1), ("2021-02-30", None),
                                       ("yesterday", None)])
def test_date_forms(text, day):
    assert parse_date(text) == day


def test_merging_two_records_moves_the_doses_without_overwriting_the_survivors(residents_a, officer_a):
    from fangkong.people.models import Person
    from fangkong.people.services import person_merge
    from fangkong.people.tests.conftest import make_id

    zhao = residents_a["zhao"]
    duplicate = Person.objects.create(name="赵老伯", id_number=make_id("110101", "19500101", "119"), unit=zhao.unit)
    doses_import(data=csv_bytes(f"{ZHAO_ID},赵老伯,国药,1,2021-04-01,东城"), filename="a.csv", actor=officer_a)
    product = Dose.objects.get().product
    Dose.objects.create(person=duplicate, product=product, dose_number=1, given_on=datetime.date(2021, 4, 1))
    Dose.objects.create(person=duplicate, product=product, dose_number=2, given_on=datetime.date(2021, 5, 1))
    person_merge(survivor=zhao, duplicate=duplicate, actor=officer_a)
    assert list(Dose.objects.filter(person=zhao).values_list("dose_number", flat=True)) == [1, 2]
    assert not Dose.objects.filter(person=duplicate).exists()
