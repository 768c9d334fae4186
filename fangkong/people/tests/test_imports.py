import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from fangkong.audit.models import AuditEntry
from fangkong.people.imports import people_import_csv
from fangkong.people.models import Household, Person, StatusChange
from fangkong.people.tests.conftest import make_id

pytestmark = pytest.mark.django_db

HEADER = "name,id_type,id_number,phone,building_code,door,address,tags\n"


def _csv(*rows, header=HEADER):
    return (header + "\n".join(",".join(r) for r in rows) + "\n").encode()


def test_happy_path_creates_households_members_and_history(city, officer_a):
    code = city.a.building.code
    source = _csv(
        ("陳綱", "resident", make_id(seq="111"), "138 1234 5678", code, "1-101", "东城1号楼1-101", "chronic"),
        ("张三", "", make_id(seq="222"), "", code, "1-101", "", ""),
        ("John Smith", "passport", "e1234567", "", code, "2-201", "", "elderly_alone;disabled"),
    )
    report = people_import_csv(source=source, actor=officer_a)
    assert report.ok and report.created == 3
    assert Household.objects.count() == 2
    chen = Person.objects.get(name="陳綱")
    assert (chen.name_simplified, chen.name_initials, chen.phone) == ("陈纲", "cg", "13812345678")
    assert chen.household.members.count() == 2
    assert StatusChange.objects.count() == 3
    assert AuditEntry.objects.filter(action="import").count() == 3
    assert chen.id_number not in str(AuditEntry.objects.get(object_id=chen.pk, action="import").changes)
    assert set(Person.objects.get(name="John Smith").tags.values_list("tag", flat=True)) == {"elderly_alone",
                                                                                           "disabled"}


def test_chinese_headers_and_existing_household(city, home_a, officer_a):
    source = _csv(("王五", "身份证", make_id(), "", city.a.building.code, home_a.number, "", "独居老人"),
                  header="姓名,证件类型,证件号码,电话,楼栋编码,门牌,地址,标签\n")
    report = people_import_csv(source=source, actor=officer_a)
    assert report.ok, report.errors
    assert Person.objects.get().household == home_a
    assert Household.objects.count() == 1


def test_bad_rows_are_reported_by_line_and_nothing_is_written(city, chen, officer_a):
    code = city.a.building.code
    good = make_id(seq="111")
    source = _csv(
        ("好人", "resident", good, "", code, "1", "", ""),                            # line 2: fine
        ("校验错", "resident", good[:-1] + ("0" if good[-1] != "0" else "1"), "", code, "1", "", ""),  # 3
        ("无楼", "resident", make_id(seq="333"), "", "NOPE", "1", "", ""),           # line 4
        ("重复", "resident", good, "", code, "2", "", ""),                            # line 5: same ID as line 2
        ("已在册", "resident", chen.id_number, "", code, "3", "", ""),                # line 6: already on file
        ("坏电话", "resident", make_id(seq="555"), "12345", code, "4", "", "vip"),   # line 7
    )
    before = Person.objects.count()
    report = people_import_csv(source=source, actor=officer_a)
    assert not report.ok
    lines = {e.line: e.message for e in report.errors}
    assert sorted(lines) == [3, 4, 5, 6, 7]
    assert "check digit" in lines[3]
    assert "NOPE" in lines[4]
    assert "line 2" in lines[5]
    assert "already on file" in lines[6]
    assert "vip" in lines[7]
    assert Person.objects.count() == before
    assert Household.objects.count() == 1


def test_building_outside_scope_is_refused(city, officer_a):
    source = _csv(("李四", "resident", make_id(), "", city.b.building.code, "1", "", ""))
    report = people_import_csv(source=source, actor=officer_a)
    assert [e.line for e in report.errors] == [2]
    assert "outside your jurisdiction" in report.errors[0].message
    assert not Person.objects.exists() and not Household.objects.exists()


def test_missing_columns_are_named(city, officer_a):
    report = people_import_csv(source=b"name,phone\n\xe7\x8e\x8b,1\n", actor=officer_a)
    assert report.errors[0].line == 1
    assert "id_number" in report.errors[0].message


def test_import_page(client, city, officer_a):
    client.force_login(officer_a)
    upload = io.BytesIO(_csv(("王五", "resident", make_id(), "", city.b.building.code, "1", "", "")))
    upload.name = "people.csv"
    html = client.post(reverse("people:import"), {"file": upload}).content.decode()
    assert "outside your jurisdiction" in html
    assert not Person.objects.exists()
    upload = io.BytesIO(_csv(("王五", "resident", make_id(), "", city.a.building.code, "1", "", "")))
    upload.name = "people.csv"
    client.post(reverse("people:import"), {"file": upload})
    assert Person.objects.count() == 1


def test_import_command(city, tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(_csv(("王五", "resident", make_id(), "", city.a.building.code, "1", "", "")))
    out = io.StringIO()
    call_command("import_people", str(path), stdout=out)
    assert Person.objects.count() == 1
    path.write_bytes(_csv(("赵六", "resident", "123", "", city.a.building.code, "1", "", "")))
    with pytest.raises(CommandError):
        call_command("import_people", str(path), stdout=out, stderr=io.StringIO())
    assert Person.objects.count() == 1


def test_ten_thousand_rows_in_bulk(city, django_assert_max_num_queries):
    code = city.a.building.code
    rows = [(f"居民{i}", "resident", make_id(seq=f"{i % 1000:03d}", birth=f"19{50 + i // 1000}0101"), "", code,
             f"{i // 4}", "", "") for i in range(10_000)]
    with django_assert_max_num_queries(600):  # SQLite batches by its 999-parameter limit
        report = people_import_csv(source=_csv(*rows), actor=None)
    assert report.ok, report.errors[:3]
    assert Person.objects.count() == 10_000
    assert Household.objects.count() == 2_500


@pytest.fixture
def big_files(monkeypatch, settings, tmp_path):
    """Every upload counts as large: it goes to the background job (run at once by the tests' backend)."""
    import fangkong.people.views

    monkeypatch.setattr(fangkong.people.views, "INLINE_MAX_BYTES", 0)
    settings.MEDIA_ROOT = tmp_path


def _upload(client, text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/people/import/", {"file": SimpleUploadedFile("list.csv", text.encode("utf-8"))})


def test_a_large_file_is_imported_by_a_job_whose_progress_the_page_shows(client, city, officer_a, big_files):
    client.force_login(officer_a)
    rows = "".join(f"居民{i},{make_id('110101', '19800101', f'{i:03d}')},{city.a.building.code},{i}\n"
                   for i in range(1, 6))
    response = _upload(client, "name,id_number,building_code,door\n" + rows)

    page = response.content.decode()
    assert 'class="job-progress job-succeeded"' in page
    assert "5 persons imported." in page
    assert Person.objects.filter(unit=city.a.building).count() == 5


def test_a_large_file_with_bad_rows_lists_them_and_imports_nothing(client, city, officer_a, big_files):
    client.force_login(officer_a)
    good = make_id("110101", "19800101", "001")
    response = _upload(client, "name,id_number,building_code,door\n"
                               f"甲,{good},{city.a.building.code},1\n乙,110101198001010000,{city.a.building.code},2\n")

    page = response.content.decode()
    assert "Nothing was imported: 1 row is wrong." in page
    assert "<td>3</td>" in page
    assert not Person.objects.exists()
