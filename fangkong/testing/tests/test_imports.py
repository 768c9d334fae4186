"""Sampling records and lab results from files: good rows land, bad rows are named by line, a second import of the
same file changes nothing; a positive pool in a lab's file raises its recall."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.utils import timezone

from fangkong.tasks.models import Task
from fangkong.testing import services
from fangkong.testing.imports import (
    lab_results_import,
    lab_results_import_job,
    lab_results_import_start,
    samples_import,
    samples_import_job,
    samples_import_start,
)
from fangkong.testing.models import Coverage, Recall, RecallMember, Result, Sample, Tube

from .conftest import fill_tube, resident_id

pytestmark = pytest.mark.django_db

SAMPLE_HEADER = "tube_code,id_number,name,phone,sampled_at,point_code"
RESULT_HEADER = "tube_code,result,ct_orf1ab,ct_n,tested_at,lab_code"


def _at(minutes_ago: int) -> str:
    return timezone.localtime(timezone.now() - datetime.timedelta(minutes=minutes_ago)).strftime("%Y-%m-%d %H:%M")


def sample_rows(people, code, point="P-A1", minutes_ago=30):
    return [f"{code},{p.id_number},{p.name},{p.phone},{_at(minutes_ago - n)},{point}" for n, p in enumerate(people)]


def csv_bytes(header: str, rows: list[str], encoding: str = "utf-8") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode(encoding)


@pytest.fixture
def sampled(round_a, point_a, residents_a):
    """Tube T001 with residents 1-10, T002 with 11-12, imported from a file."""
    data = csv_bytes(SAMPLE_HEADER, sample_rows(residents_a[:10], "T001") + sample_rows(residents_a[10:], "T002"))
    report = samples_import(source=data, round_=round_a, actor=None)
    assert report.ok and report.created == 12
    return report


# --- sampling records ----------------------------------------------------------------------------------------


def test_sampling_records_land_in_closed_tubes_and_count_for_coverage(round_a, point_a, residents_a, city):
    # given a CSV of twelve people in a tube of ten and a tube of two
    rows = sample_rows(residents_a[:10], "T001") + sample_rows(residents_a[10:], "T002")
    # when it is imported
    report = samples_import(source=csv_bytes(SAMPLE_HEADER, rows), round_=round_a, actor=None)
    # then both tubes are closed, at their last sample's time, and the grid counts twelve
    assert (report.created, report.unchanged, report.errors) == (12, 0, [])
    t1, t2 = Tube.objects.order_by("code")
    assert (t1.code, t1.size, t1.status, t1.capacity) == ("T001", 10, Tube.Status.CLOSED, 10)
    assert (t2.code, t2.size, t2.status) == ("T002", 2, Tube.Status.CLOSED)
    assert t1.closed_at == max(s.sampled_at for s in t1.samples.all())
    assert t1.unit == point_a.unit and t1.point == point_a
    sample = Sample.objects.get(id_number=residents_a[0].id_number)
    assert (sample.person, sample.unit, sample.cell, sample.round) == (residents_a[0], city.a.building, city.a.grid,
                                                                       round_a)
    assert Coverage.objects.get(round=round_a, unit=city.a.grid).sampled == 12


def test_chinese_headers_in_gb18030_with_extra_columns(round_a, point_a, residents_a):
    header = "序号,试管编码,身份证号,姓名,联系电话,采样时间,采样点编码,备注"
    rows = [f"{n},T001,{p.id_number},{p.name},{p.phone},{_at(20)},P-A1,无" for n, p in enumerate(residents_a[:3])]
    report = samples_import(source=csv_bytes(header, rows, "gb18030"), round_=round_a, actor=None)
    assert report.created == 3 and report.ok
    assert Tube.objects.get(code="T001").size == 3


def test_an_excel_workbook_with_real_times(round_a, point_a, residents_a):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["管码", "证件号码", "姓名", "手机", "采样时间", "采样点编码"])
    at = timezone.localtime(timezone.now() - datetime.timedelta(minutes=15)).replace(tzinfo=None, microsecond=0)
    for person in residents_a[:5]:
        sheet.append(["T001", person.id_number, person.name, person.phone, at, "P-A1"])
    buffer = io.BytesIO()
    book.save(buffer)
    report = samples_import(source=buffer.getvalue(), filename="采样.xlsx", round_=round_a, actor=None)
    assert report.created == 5 and report.ok
    sample = Sample.objects.filter(tube__code="T001").first()
    assert timezone.localtime(sample.sampled_at).replace(tzinfo=None) == at


def test_a_parquet_file(round_a, point_a, residents_a, tmp_path):
    import duckdb

    path = tmp_path / "samples.parquet"
    values = ", ".join(f"('T001', '{p.id_number}', '{p.name}', '{p.phone}', TIMESTAMP '{_at(10)}:00', 'P-A1')"
                       for p in residents_a[:4])
    with duckdb.connect() as con:
        con.execute(f"COPY (SELECT * FROM (VALUES {values}) t(tube_code, id_number, name, phone, sampled_at, "
                    f"point_code)) TO '{path}' (FORMAT parquet)")
    report = samples_import(source=path.read_bytes(), filename="samples.parquet", round_=round_a, actor=None)
    assert report.created == 4 and report.ok
    assert Tube.objects.get(code="T001").size == 4


def test_a_mixed_file_keeps_the_good_rows_and_names_every_bad_line(round_a, point_a, point_b, residents_a,
                                                                     resident_b, officer_a, city):
    # given a tube already used in another round
    now = timezone.now()
    other = services.round_create(code="R-B-1", name="西城区第一轮", nodes=[city.b.district], pool_size=10,
                                  starts_at=now - datetime.timedelta(hours=2), ends_at=now + datetime.timedelta(days=1),
                                  actor=None)
    fill_tube(other, point_b, "OLD1", [resident_b])
    good = residents_a[:10]
    bad_id = residents_a[10].id_number[:-1] + ("1" if residents_a[10].id_number[-1] != "1" else "2")
    rows = [
        *sample_rows(good, "T001"),                                                # lines 2-11: a full tube
        f"T001,{residents_a[11].id_number},居民12,,{_at(5)},P-A1",                  # 12: an eleventh in T001
        f"T002,{bad_id},居民11,,{_at(5)},P-A1",                                     # 13: bad check digit
        f"T002,{good[0].id_number},居民1,,{_at(5)},P-A1",                            # 14: already in T001
        f"T003,{residents_a[10].id_number},居民11,,{_at(5)},NOPE",                  # 15: unknown point
        f"OLD1,{residents_a[10].id_number},居民11,,{_at(5)},P-A1",                # 16: code of another round
        f"T004,{residents_a[10].id_number},居民11,,{_at(5)},P-B1",                  # 17: point outside district A
        f"T005,{residents_a[10].id_number},居民11,12345,{_at(5)},P-A1",             # 18: bad phone
        f"T006,{residents_a[10].id_number},居民11,,{_at(5)},P-A1",                  # 19: good
    ]
    # when district A's officer imports it
    report = samples_import(source=csv_bytes(SAMPLE_HEADER, rows), round_=round_a, actor=officer_a)
    # then the eleven good rows land and each bad one is named
    assert report.created == 11
    by_line = {e.line: e.message for e in report.errors}
    assert sorted(by_line) == [12, 13, 14, 15, 16, 17, 18]
    assert "T001 is full (10 of 10)" in by_line[12]
    assert by_line[13].startswith("id_number:") and "check digit" in by_line[13]
    assert "already on line 2, in tube T001" in by_line[14]
    assert "NOPE" in by_line[15] and by_line[15].startswith("point_code:")
    assert "already used in 西城区第一轮" in by_line[16]
    assert "outside your jurisdiction" in by_line[17]
    assert by_line[18].startswith("phone:")
    # and nothing of a bad row was written
    assert not Tube.objects.filter(code__in=["T002", "T003", "T004", "T005"]).exists()
    assert Tube.objects.get(code="OLD1").size == 1
    assert Sample.objects.filter(round=round_a).count() == 11
    assert Coverage.objects.get(round=round_a, unit=city.a.grid).sampled == 11


def test_a_person_already_sampled_at_the_point_is_refused_with_that_tube(round_a, point_a, residents_a):
    fill_tube(round_a, point_a, "LIVE1", residents_a[:1])
    report = samples_import(source=csv_bytes(SAMPLE_HEADER, sample_rows(residents_a[:1], "T001")), round_=round_a,
                            actor=None)
    assert report.created == 0
    assert [e.line for e in report.errors] == [2] and "in tube LIVE1" in report.errors[0].message


def test_importing_the_same_file_twice_changes_nothing(round_a, point_a, residents_a, city):
    data = csv_bytes(SAMPLE_HEADER, sample_rows(residents_a[:10], "T001") + sample_rows(residents_a[10:], "T002"))
    samples_import(source=data, round_=round_a, actor=None)
    before = (list(Tube.objects.order_by("code").values_list("code", "size", "status", "closed_at")),
              Sample.objects.count(), Coverage.objects.get(round=round_a).sampled)
    # when the file comes again
    again = samples_import(source=data, round_=round_a, actor=None)
    # then every row is unchanged and so is the database
    assert (again.created, again.unchanged, again.errors) == (0, 12, [])
    after = (list(Tube.objects.order_by("code").values_list("code", "size", "status", "closed_at")),
             Sample.objects.count(), Coverage.objects.get(round=round_a).sampled)
    assert after == before


def test_a_corrected_row_imported_again_joins_its_tube(round_a, point_a, residents_a):
    # given a file whose third row had a typo in the ID
    rows = sample_rows(residents_a[:3], "T001")
    typo = rows[2].replace(residents_a[2].id_number, residents_a[2].id_number[:-1] + "0")
    first = samples_import(source=csv_bytes(SAMPLE_HEADER, [*rows[:2], typo]), round_=round_a, actor=None)
    assert (first.created, [e.line for e in first.errors]) == (2, [4])
    # when the corrected file is imported
    second = samples_import(source=csv_bytes(SAMPLE_HEADER, rows), round_=round_a, actor=None)
    # then the two are unchanged and the third joins tube T001
    assert (second.created, second.unchanged, second.errors) == (1, 2, [])
    assert Tube.objects.get(code="T001").size == 3


def test_a_person_not_on_file_needs_a_name_and_stays_outside_the_target(round_a, point_a):
    visitor, nameless = resident_id(500), resident_id(501)
    rows = [f"T001,{visitor},外来务工人员,13900000500,{_at(5)},P-A1", f"T001,{nameless},,,{_at(5)},P-A1"]
    report = samples_import(source=csv_bytes(SAMPLE_HEADER, rows), round_=round_a, actor=None)
    assert report.created == 1 and [e.line for e in report.errors] == [3]
    assert report.errors[0].message.startswith("name:")
    sample = Sample.objects.get(id_number=visitor)
    assert (sample.person, sample.cell, sample.unit, sample.phone) == (None, None, point_a.unit, "13900000500")
    assert Coverage.objects.get(round=round_a).sampled == 0


def test_a_file_without_the_needed_columns_is_refused_as_a_whole(round_a):
    report = samples_import(source=b"tube_code,name\nT1,x\n", round_=round_a, actor=None)
    assert report.unreadable and [e.line for e in report.errors] == [1]
    assert "id_number" in report.errors[0].message and "point_code" in report.errors[0].message


def test_only_those_in_charge_of_the_round_may_import_into_it(round_a, officer_b, lab_staff):
    data = csv_bytes(SAMPLE_HEADER, [])
    for outsider in (officer_b, lab_staff):
        with pytest.raises(PermissionDenied):
            samples_import(source=data, round_=round_a, actor=outsider)


# --- lab results ---------------------------------------------------------------------------------------------


def test_lab_results_record_negatives_and_a_positive_pool_raises_its_recall(sampled, lab, lab_staff, residents_a,
                                                                              grid_a):
    # given a lab file with T001 positive and T002 negative, and an extra column
    data = csv_bytes(RESULT_HEADER + ",instrument", [f"T001,阳性,28.5,30.1,{_at(1)},LAB1,ABI-7500",
                                                     f"T002,negative,,,{_at(1)},LAB1,ABI-7500"])
    # when the lab's user imports it
    report = lab_results_import(source=data, actor=lab_staff)
    # then both tubes have their result, the extra column kept
    assert (report.created, report.unchanged, report.errors, report.recalls) == (2, 0, [], ["T001"])
    t1, t2 = Tube.objects.order_by("code")
    assert (t1.result, t1.ct_orf1ab, t1.ct_n, t1.lab, t1.status) == (Result.POSITIVE, Decimal("28.5"),
                                                                     Decimal("30.1"), lab, Tube.Status.RESULTED)
    assert (t2.result, t2.lab, t2.status, t2.lab_extra) == (Result.NEGATIVE, lab, Tube.Status.RESULTED,
                                                            {"instrument": "ABI-7500"})
    assert t2.received_at is not None and t2.result_recorded_at is not None
    # and T001's ten people are recalled, each with a re-check task for the grid worker
    recall = Recall.objects.get(tube=t1)
    assert RecallMember.objects.filter(recall=recall).count() == 10
    tasks = Task.objects.filter(kind="pool_recheck")
    assert tasks.count() == 10 and {t.owner for t in tasks} == {grid_a}
    assert not Recall.objects.filter(tube=t2).exists()


def test_importing_the_same_results_twice_changes_nothing(sampled, lab, lab_staff):
    data = csv_bytes(RESULT_HEADER, [f"T001,positive,28.5,30.1,{_at(1)},LAB1", f"T002,阴性,,,{_at(1)},LAB1"])
    lab_results_import(source=data, actor=lab_staff)
    again = lab_results_import(source=data, actor=lab_staff)
    assert (again.created, again.unchanged, again.errors, again.recalls) == (0, 2, [], [])
    assert RecallMember.objects.count() == 10 and Task.objects.filter(kind="pool_recheck").count() == 10


def test_a_different_result_for_a_tube_that_has_one_is_rejected(sampled, lab, lab_staff):
    lab_results_import(source=csv_bytes(RESULT_HEADER, [f"T002,negative,,,{_at(2)},LAB1"]), actor=lab_staff)
    report = lab_results_import(source=csv_bytes(RESULT_HEADER, [f"T002,positive,30,31,{_at(1)},LAB1"]),
                                actor=lab_staff)
    assert report.created == 0 and [e.line for e in report.errors] == [2]
    assert "already has the result" in report.errors[0].message
    assert Tube.objects.get(code="T002").result == Result.NEGATIVE and not Recall.objects.exists()


def test_a_lab_user_cannot_import_results_for_another_lab(sampled, lab, other_lab, lab_staff):
    # given T002 handed to the other lab
    services.handover_send(lab=other_lab, codes=["T002"], declared_count=1, actor=None)
    rows = [f"T001,negative,,,{_at(1)},LAB2", f"T002,negative,,,{_at(1)},LAB1", f"T001,invalid,,,{_at(1)},LAB1"]
    report = lab_results_import(source=csv_bytes(RESULT_HEADER, rows), actor=lab_staff)
    by_line = {e.line: e.message for e in report.errors}
    assert sorted(by_line) == [2, 3]
    assert "you do not work for lab “LAB2”" in by_line[2]
    assert "was sent to 第三方检测实验室" in by_line[3]
    # the row for its own lab lands (an invalid pool: recalled, nobody confined)
    assert report.created == 1 and report.recalls == ["T001"]
    assert Tube.objects.get(code="T002").result == ""


def test_bad_result_rows_are_named_and_unknown_tubes_too(sampled, lab, lab_staff):
    rows = [f"T001,maybe,,,{_at(1)},LAB1", f"T002,negative,99,,{_at(1)},LAB1", f"NOSUCH,negative,,,{_at(1)},LAB1",
            "T002,negative,,,明天,LAB1"]
    report = lab_results_import(source=csv_bytes("试管编码,检测结果,ORF1ab Ct值,N Ct值,检测时间,实验室编码", rows),
                                actor=lab_staff)
    by_line = {e.line: e.message for e in report.errors}
    assert sorted(by_line) == [2, 3, 4, 5]
    assert by_line[2].startswith("result:") and by_line[3].startswith("ct_orf1ab:")
    assert "NOSUCH" in by_line[4] and by_line[5].startswith("tested_at:")
    assert report.created == 0


def test_a_negative_single_tube_re_check_from_a_file_releases_the_person(sampled, lab, lab_staff, residents_a):
    lab_results_import(source=csv_bytes(RESULT_HEADER, [f"T002,positive,30,31,{_at(2)},LAB1"]), actor=lab_staff)
    member = RecallMember.objects.get(person=residents_a[10])
    services.recheck_record(member=member, tube_code="RC1", actor=None)
    residents_a[10].refresh_from_db()
    assert residents_a[10].status == "home_isolation"
    report = lab_results_import(source=csv_bytes(RESULT_HEADER, ["RC1,negative,,,,LAB1"]),
                                actor=lab_staff)
    assert report.created == 1 and report.ok
    member.refresh_from_db()
    residents_a[10].refresh_from_db()
    assert member.outcome == RecallMember.Outcome.NEGATIVE and residents_a[10].status == "normal"


# --- command line and background job -------------------------------------------------------------------------


def test_the_command_imports_samples_and_lists_rejected_lines(round_a, point_a, residents_a, tmp_path):
    path = tmp_path / "samples.csv"
    path.write_bytes(csv_bytes(SAMPLE_HEADER, [*sample_rows(residents_a[:3], "T001"), f"T001,123,x,,{_at(5)},P-A1"]))
    out, err = io.StringIO(), io.StringIO()
    call_command("import", "samples", str(path), "--round", "R-A-1", stdout=out, stderr=err)
    assert "created 3, unchanged 0, rejected 1" in out.getvalue()
    assert "line 5: id_number:" in err.getvalue()
    call_command("import", "samples", str(path), "--round", "R-A-1", stdout=out, stderr=err)
    assert "created 0, unchanged 3, rejected 1" in out.getvalue()


def test_the_command_imports_lab_results(sampled, lab, tmp_path):
    path = tmp_path / "results.csv"
    path.write_bytes(csv_bytes(RESULT_HEADER, [f"T001,negative,,,{_at(1)},LAB1", f"T002,positive,25,26,{_at(1)},LAB1"]))
    out = io.StringIO()
    call_command("import", "lab-results", str(path), stdout=out, stderr=io.StringIO())
    assert "created 2, unchanged 0, rejected 0" in out.getvalue() and "T002" in out.getvalue()
    assert Recall.objects.get().tube.code == "T002"


def test_the_command_fails_only_when_the_file_cannot_be_used(round_a, tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_bytes(b"who,what\nx,y\n")
    with pytest.raises(CommandError):
        call_command("import", "samples", str(path), "--round", "R-A-1", stdout=io.StringIO(),
                     stderr=io.StringIO())
    with pytest.raises(CommandError, match="NOPE"):
        call_command("import", "samples", str(path), "--round", "NOPE", stdout=io.StringIO(), stderr=io.StringIO())


def test_the_samples_job_reports_progress_and_its_result(round_a, point_a, residents_a, tmp_path, officer_a):
    path = tmp_path / "samples.csv"
    path.write_bytes(csv_bytes(SAMPLE_HEADER, [*sample_rows(residents_a, "T001"), f"T009,1,x,,{_at(5)},P-A1"]))
    calls = []
    result = samples_import_job(progress=lambda done, total=None: calls.append((done, total)), path=str(path),
                                round_id=round_a.pk, filename="samples.csv", actor_id=officer_a.pk)
    assert (result["created"], result["unchanged"], result["rejected"]) == (10, 0, 3)
    assert [e["line"] for e in result["errors"]] == [12, 13, 14]
    assert calls[0] == (0, 26) and calls[-1] == (26, 26)
    assert all(a[0] <= b[0] for a, b in zip(calls, calls[1:], strict=False))


def test_the_lab_results_job_runs_as_the_lab_user(sampled, lab, lab_staff, tmp_path):
    path = tmp_path / "results.csv"
    path.write_bytes(csv_bytes(RESULT_HEADER, [f"T001,negative,,,{_at(1)},LAB1"]))
    calls = []
    result = lab_results_import_job(progress=lambda done, total=None: calls.append((done, total)), path=str(path),
                                    actor_id=lab_staff.pk)
    assert (result["created"], result["rejected"]) == (1, 0) and calls[-1] == (1, 1)


def test_uploads_start_jobs_that_keep_the_file_suffix(round_a, point_a, residents_a, officer_a, lab, lab_staff,
                                                      settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fangkong.ops.models import Job

    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("采样记录.csv", csv_bytes(SAMPLE_HEADER, sample_rows(residents_a[:2], "T001")))
    job = samples_import_start(upload=upload, round_=round_a, actor=officer_a)
    assert job.status == Job.Status.SUCCEEDED and job.result["created"] == 2
    assert job.kwargs["path"].endswith(".csv") and job.kwargs["round_id"] == round_a.pk
    upload = SimpleUploadedFile("results.xlsx", _xlsx([["tube_code", "result", "lab_code"], ["T001", "阴性", "LAB1"]]))
    job = lab_results_import_start(upload=upload, actor=lab_staff)
    assert job.kwargs["path"].endswith(".xlsx")
    assert job.status == Job.Status.SUCCEEDED and job.result["created"] == 1


def _xlsx(rows) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
