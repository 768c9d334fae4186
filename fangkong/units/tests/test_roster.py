"""The staff list from the unit's own file: matched to the archive by ID, all-or-nothing, every wrong row listed."""

import io

import pytest
from openpyxl import Workbook

from fangkong.people.models import Person
from fangkong.people.services import person_create
from fangkong.units import roster
from fangkong.units.models import StaffMember
from fangkong.units.tests.conftest import make_id

pytestmark = pytest.mark.django_db

HEADER = "姓名,身份证号,手机,岗位,状态,住宿舍,来自风险地区\n"


def csv(*lines: str) -> bytes:
    return (HEADER + "\n".join(lines) + "\n").encode("utf-8-sig")


def test_a_good_list_adds_new_people_and_links_those_on_file(refinery, contact, city):
    # given: one worker is already on file
    known = person_create(name="周知", id_number=make_id(11), unit=city.a.building, actor=None)
    data = csv(f"周知,{make_id(11)},,班长,在岗,是,否", f"吴新,{make_id(12)},13800001234,操作工,外出,否,是",
               f"郑居,{make_id(13)},,化验员,居家,否,否")
    # when
    report = roster.roster_import(organisation=refinery, data=data, filename="staff.csv", actor=contact)
    # then
    assert report.ok and report.created == 3
    staff = {s.person.name: s for s in StaffMember.objects.filter(organisation=refinery).select_related("person")}
    assert staff["周知"].person == known and staff["周知"].in_dormitory
    assert staff["吴新"].presence == "away" and staff["吴新"].from_risk_area
    assert staff["郑居"].presence == "at_home"
    assert Person.objects.get(id_number=make_id(12)).unit == refinery.unit


def test_wrong_ids_and_duplicates_are_listed_and_nothing_is_loaded(refinery, contact):
    good = make_id(21)
    bad_checksum = make_id(22)[:-1] + ("0" if make_id(22)[-1] != "0" else "1")
    data = csv(f"甲,{good},,,在岗,否,否", f"乙,{bad_checksum},,,在岗,否,否", f"丙,{good},,,在岗,否,否",
               f"丁,{make_id(23)},,,出差中,否,否", f",{make_id(24)},,,在岗,否,否")
    # when
    report = roster.roster_import(organisation=refinery, data=data, filename="staff.csv", actor=contact)
    # then
    assert not report.ok
    by_line = {e.line: e.message for e in report.errors}
    assert set(by_line) == {3, 4, 5, 6}
    assert "校验" in by_line[3] or "check digit" in by_line[3]
    assert "2" in by_line[4]  # the same ID number as line 2
    assert "出差中" in by_line[5]
    assert report.created == 0
    assert not StaffMember.objects.exists()
    assert not Person.objects.filter(id_number=good).exists()


def test_a_person_on_file_under_another_name_rejects_the_whole_file(refinery, contact, city):
    person_create(name="真名", id_number=make_id(31), unit=city.a.building, actor=None)
    data = csv(f"新人,{make_id(32)},,,在岗,否,否", f"假名,{make_id(31)},,,在岗,否,否")
    report = roster.roster_import(organisation=refinery, data=data, filename="staff.csv", actor=contact)
    assert [e.line for e in report.errors] == [3]
    assert not StaffMember.objects.exists()
    assert not Person.objects.filter(id_number=make_id(32)).exists()


def test_an_excel_list_with_a_missing_column_is_refused(refinery, contact):
    book = Workbook()
    book.active.append(["姓名", "手机"])
    book.active.append(["甲", "13800001111"])
    buffer = io.BytesIO()
    book.save(buffer)
    report = roster.roster_import(organisation=refinery, data=buffer.getvalue(), filename="staff.xlsx", actor=contact)
    assert [e.line for e in report.errors] == [1]
    assert "id_number" in report.errors[0].message


def test_loading_again_updates_whereabouts(refinery, contact):
    roster.roster_import(organisation=refinery, data=csv(f"甲,{make_id(41)},,,在岗,否,否"), actor=contact)
    report = roster.roster_import(organisation=refinery, data=csv(f"甲,{make_id(41)},,,外出,否,否"), actor=contact)
    assert report.ok and report.updated == 1 and report.created == 0
    assert StaffMember.objects.get().presence == "away"


def test_the_import_page_lists_the_rejected_rows(refinery, contact, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(contact)
    upload = SimpleUploadedFile("staff.csv", csv(f"甲,{make_id(51)},,,在岗,否,否", f"乙,{make_id(51)},,,在岗,否,否"))
    response = client.post(f"/units/{refinery.pk}/staff/import/", {"file": upload})
    assert response.status_code == 422
    assert 'data-line="3"' in response.content.decode()
    assert not StaffMember.objects.exists()
