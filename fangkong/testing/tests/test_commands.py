"""`fangkong testing recall` writes the recall list of a round and logs the export; `recount` recounts."""

import csv
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from fangkong.accounts.models import AccessLog
from fangkong.people.services import person_create
from fangkong.testing.models import Coverage

from .conftest import fill_tube, resident_id, send_and_result

pytestmark = pytest.mark.django_db


@pytest.fixture
def positive_round(round_a, point_a, residents_a, sampler_a, lab, grid_a):
    """Round R-A-1: a positive tube of ten (东城1号楼101) and a negative tube of two (102)."""
    send_and_result(fill_tube(round_a, point_a, "T2000001", residents_a[:10], actor=sampler_a), lab,
                    result="positive", ct_orf1ab="27.5", ct_n="29.0")
    send_and_result(fill_tube(round_a, point_a, "T2000002", residents_a[10:], actor=sampler_a), lab)
    return round_a


def _recall(*args):
    out = StringIO()
    call_command("testing", "recall", *args, stdout=out)
    return out.getvalue()


def test_the_recall_list_has_one_row_per_member_of_the_positive_tube(positive_round, residents_a, hq, city,
                                                                     tmp_path):
    # when the district prints the recall list
    path = tmp_path / "recall.csv"
    output = _recall("--round", "R-A-1", "--out", str(path), "--user", "hq")
    # then it is UTF-8 with a BOM, has the agreed header and the ten people of the positive tube, in full
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0] == ["id_number", "name", "phone", "household_address", "grid", "tube_code", "reason"]
    assert sorted(r[0] for r in rows[1:]) == sorted(p.id_number for p in residents_a[:10])
    first = next(r for r in rows[1:] if r[0] == residents_a[0].id_number)
    assert first[1:6] == ["居民1", residents_a[0].phone, "东城一社区1号楼101", city.a.grid.name, "T2000001"]
    assert "10" in output and " s." in output


def test_the_recall_export_is_logged_with_its_row_count(positive_round, hq, tmp_path):
    _recall("--round", "R-A-1", "--out", str(tmp_path / "recall.csv"), "--user", "hq")
    log = AccessLog.objects.get()
    assert (log.actor, log.kind, log.reason, log.row_count) == (hq, "export", "fangkong testing recall", 10)


def test_an_xlsx_name_writes_excel_with_ids_as_text(positive_round, residents_a, hq, tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "recall.xlsx"
    _recall("--round", "R-A-1", "--out", str(path), "--user", "hq")
    sheet = load_workbook(path, read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "id_number" and len(rows) == 11
    assert {r[0] for r in rows[1:]} == {p.id_number for p in residents_a[:10]}


def test_without_a_user_the_shell_export_is_logged_with_the_system_user(positive_round, tmp_path, hq):
    from fangkong.accounts.selectors import access_log_list

    _recall("--round", "R-A-1", "--out", str(tmp_path / "recall.csv"))
    log = AccessLog.objects.get()
    assert (log.actor, log.row_count) == (None, 10) and "@" in log.operator
    # the HQ, whose scope is the city root, sees it in the access log
    assert list(access_log_list(user=hq)) == [log]


def test_a_round_without_positives_writes_just_the_header(round_a, hq, tmp_path):
    path = tmp_path / "recall.csv"
    output = _recall("--round", "R-A-1", "--out", str(path), "--user", "hq")
    assert path.read_text(encoding="utf-8-sig").splitlines() == [
        "id_number,name,phone,household_address,grid,tube_code,reason"]
    assert output.startswith("0 people")


def test_an_unknown_round_is_refused(db, tmp_path):
    with pytest.raises(CommandError, match="NOPE"):
        _recall("--round", "NOPE", "--out", str(tmp_path / "x.csv"), "--user", "hq")


def test_recount_counts_people_added_to_the_archive_since(round_a, residents_a, city):
    # given someone put on file in district A after the round counted its target
    person_create(name="新住户", id_number=resident_id(77), unit=city.a.building, actor=None)
    # when the round is recounted
    out = StringIO()
    call_command("testing", "recount", "--round", "R-A-1", stdout=out)
    # then the target has them
    round_a.refresh_from_db()
    assert round_a.target_total == 13 and Coverage.objects.get(round=round_a).target == 13
    assert "13" in out.getvalue()
