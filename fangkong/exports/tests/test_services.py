import csv
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import settings as settings_h
from hypothesis import strategies as st
from openpyxl import load_workbook

from fangkong.accounts.models import AccessLog
from fangkong.audit.models import AuditEntry
from fangkong.exports import services
from fangkong.exports.models import ColumnPreset, ExportLog
from fangkong.exports.selectors import preset_choices
from fangkong.exports.sources import get_source
from fangkong.ops.models import Job
from fangkong.people.services import person_status_change

COLUMNS = ["id", "name", "id_number", "phone", "status"]


def _read_csv(export: ExportLog) -> list[list[str]]:
    path = services.exports_dir() / export.file_name
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def _export(user, **kwargs) -> ExportLog:
    kwargs.setdefault("source_code", "persons")
    kwargs.setdefault("format", "csv")
    kwargs.setdefault("columns", COLUMNS)
    export = services.export_start(actor=user, **kwargs)
    export.refresh_from_db()
    return export


# --- masking and logging ------------------------------------------------------------------------------------------


def test_an_export_masks_personal_data_by_default_and_is_logged(officer_a, persons_a):
    # when
    export = _export(officer_a)
    # then
    rows = _read_csv(export)
    assert rows[0] == ["Record number", "Name", "ID number", "Phone", "Management status"]
    chen = next(r for r in rows[1:] if r[0] == str(persons_a[0].pk))
    assert chen[1] == "陈*"
    assert chen[2] == persons_a[0].id_number[:3] + "*" * 11 + persons_a[0].id_number[-4:]
    assert chen[3] == "138****5678"
    assert chen[4] == "Normal"
    assert export.job.status == Job.Status.SUCCEEDED
    assert export.row_count == 3 and export.file_size > 0 and not export.revealed
    log = AccessLog.objects.get(kind="export")
    assert log.actor == officer_a and log.row_count == 3 and log.fields == ",".join(COLUMNS)
    audit = AuditEntry.objects.get(action="export")
    assert audit.actor == officer_a and audit.object_id == export.pk and audit.unit_path == officer_a.scope_path


def test_revealed_columns_need_people_reveal_and_a_reason(officer_a, persons_a):
    # when
    export = _export(officer_a, reveal=True, reason="移交疾控流调")
    # then
    rows = _read_csv(export)
    chen = next(r for r in rows[1:] if r[0] == str(persons_a[0].pk))
    assert chen[1:4] == ["陈纲", persons_a[0].id_number, "13812345678"]
    assert export.revealed and export.reason == "移交疾控流调"
    assert AccessLog.objects.get(kind="export").reason == "移交疾控流调"


def test_revealing_without_a_reason_queues_nothing(officer_a, persons_a):
    with pytest.raises(ValidationError) as exc:
        services.export_start(actor=officer_a, source_code="persons", format="csv", columns=COLUMNS, reveal=True)
    assert "reason" in exc.value.message_dict
    assert not ExportLog.objects.exists() and not Job.objects.exists() and not AccessLog.objects.exists()


def test_revealing_without_people_reveal_is_refused(city, persons_a):
    from conftest import make_user

    inspector = make_user("exporter", "officer", city.a.district)
    # An HQ-less role with exports.run but without people.reveal.
    from fangkong.accounts import roles

    caps = roles.CAPABILITIES["officer"] - {"people.reveal"}
    roles.CAPABILITIES["no_reveal"] = caps
    inspector.role = "no_reveal"
    try:
        with pytest.raises(ValidationError) as exc:
            services.export_start(actor=inspector, source_code="persons", format="csv", columns=COLUMNS,
                                  reveal=True, reason="想看")
        assert "reveal" in exc.value.message_dict
        assert not ExportLog.objects.exists()
    finally:
        del roles.CAPABILITIES["no_reveal"]


# --- scope --------------------------------------------------------------------------------------------------------


def test_an_export_holds_only_rows_of_the_users_subtree(officer_a, officer_b, persons_a, person_b):
    rows_a = _read_csv(_export(officer_a))
    rows_b = _read_csv(_export(officer_b))
    assert {r[0] for r in rows_a[1:]} == {str(p.pk) for p in persons_a}
    assert [r[0] for r in rows_b[1:]] == [str(person_b.pk)]


def test_a_filter_node_outside_scope_gives_no_rows(officer_a, city, persons_a, person_b):
    export = _export(officer_a, params={"node": str(city.b.district.pk)})
    assert export.row_count == 0
    assert _read_csv(export) == [["Record number", "Name", "ID number", "Phone", "Management status"]]


def test_the_list_filters_apply(officer_a, persons_a):
    person_status_change(person=persons_a[1], to_status="home_isolation", cause="密接", actor=None)
    export = _export(officer_a, params={"status": "home_isolation", "page": "2"})
    assert export.filters == {"status": "home_isolation"}
    assert [r[0] for r in _read_csv(export)[1:]] == [str(persons_a[1].pk)]


def test_a_list_the_user_cannot_see_is_not_there(grid_worker_a):
    # A grid worker has no tracing.view: the contacts list does not exist for them.
    with pytest.raises(PermissionDenied):
        services.export_start(actor=grid_worker_a, source_code="contacts", format="csv")
    assert not ExportLog.objects.exists()


def test_an_export_runs_with_the_rights_the_user_has_when_it_is_written(officer_a, persons_a):
    export = ExportLog.objects.create(user=officer_a, scope_path=officer_a.scope_path, source="persons",
                                      format="csv", columns=["id"], expires_at="2030-01-01T00:00Z")
    officer_a.is_active = False
    officer_a.save()
    with pytest.raises(PermissionDenied):
        services.export_write(export_id=export.pk)
    assert list(services.exports_dir().iterdir()) == []
    assert not AccessLog.objects.exists()


# --- bad input ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"source_code": "secrets"}, "source"),
    ({"format": "pdf"}, "format"),
    ({"columns": ["name", "salary"]}, "columns"),
    ({"columns": []}, "columns"),
    ({"params": {"status": "on_the_moon"}}, "filters"),
    ({"params": {"node": "abc"}}, "filters"),
])
def test_bad_input_queues_nothing(officer_a, persons_a, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        _export(officer_a, **kwargs)
    assert field in exc.value.message_dict
    assert not ExportLog.objects.exists() and not Job.objects.exists()


def test_too_many_running_exports_are_refused(officer_a, persons_a, settings):
    settings.EXPORTS_MAX_RUNNING_PER_USER = 1
    job = Job.objects.create(kind="export", label="x", started_by=officer_a, scope_path=officer_a.scope_path,
                             func_path="fangkong.exports.jobs.export_job", status=Job.Status.RUNNING)
    ExportLog.objects.create(user=officer_a, scope_path=officer_a.scope_path, source="persons", format="csv",
                             columns=["id"], job=job, expires_at="2030-01-01T00:00Z")
    with pytest.raises(ValidationError):
        _export(officer_a)
    assert ExportLog.objects.count() == 1


# --- streaming ----------------------------------------------------------------------------------------------------


def test_rows_are_read_in_keyset_batches_of_the_chunk_size(officer_a, persons_a, settings):
    # given: 3 persons and batches of 2, on the Python path (PostgreSQL's CSV is streamed by COPY: test_sqlcsv)
    settings.EXPORTS_CHUNK_SIZE = 2
    settings.EXPORTS_SQL_CSV = False
    from fangkong.exports import writers

    batches = []
    original = writers.CsvWriter.write_batch

    def spy(self, rows):
        batches.append(len(rows))
        original(self, rows)

    writers.CsvWriter.write_batch = spy
    try:
        with CaptureQueriesContext(connection) as queries:
            export = _export(officer_a)
    finally:
        writers.CsvWriter.write_batch = original
    # then: two batches, each its own LIMITed query ordered by id
    assert batches == [2, 1]
    reads = [q["sql"] for q in queries.captured_queries
             if 'FROM "people_person"' in q["sql"] and "LIMIT 2" in q["sql"]]
    assert len(reads) == 2
    assert export.row_count == 3


def test_an_exception_mid_way_leaves_no_file(officer_a, persons_a, settings, monkeypatch):
    settings.EXPORTS_CHUNK_SIZE = 1
    settings.EXPORTS_SQL_CSV = False
    from fangkong.exports import writers

    calls = []

    def boom(self, rows):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")

    monkeypatch.setattr(writers.CsvWriter, "write_batch", boom)
    export = _export(officer_a)
    assert export.job.status == Job.Status.FAILED and "disk full" in export.job.error
    assert export.file_name == "" and list(services.exports_dir().iterdir()) == []
    assert not AccessLog.objects.exists()


# --- formats ------------------------------------------------------------------------------------------------------


def test_xlsx_reads_back_with_the_rows(officer_a, persons_a):
    export = _export(officer_a, format="xlsx", columns=["id", "name", "created_at"], reveal=True, reason="上报")
    book = load_workbook(services.exports_dir() / export.file_name, read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0] == ("Record number", "Name", "Registered")
    assert {(r[0], r[1]) for r in rows[1:]} == {(p.pk, p.name) for p in persons_a}
    assert all(r[2] is not None for r in rows[1:])


def test_xlsx_starts_a_new_sheet_when_one_is_full(tmp_path):
    from fangkong.exports.writers import XlsxWriter

    writer = XlsxWriter(tmp_path / "x.xlsx", keys=["n"], labels=["N"], types=["int"], sheet_rows=2)
    writer.write_batch([[1], [2], [3]])
    writer.close()
    book = load_workbook(tmp_path / "x.xlsx", read_only=True)
    assert [list(s.iter_rows(values_only=True)) for s in book.worksheets] == [[("N",), (1,), (2,)], [("N",), (3,)]]


def test_parquet_reads_back_with_typed_columns(officer_a, persons_a):
    import pyarrow.parquet as pq

    export = _export(officer_a, format="parquet", columns=["id", "name", "birth_date", "created_at"])
    table = pq.read_table(services.exports_dir() / export.file_name)
    assert table.column_names == ["id", "name", "birth_date", "created_at"]
    assert str(table.schema.field("id").type) == "int64"
    assert str(table.schema.field("created_at").type).startswith("timestamp")
    # Masked: the birth date keeps its year only, as text.
    assert sorted(table.column("birth_date").to_pylist()) == ["1970-**-**", "1980-**-**", "1992-**-**"]
    assert sorted(table.column("id").to_pylist()) == sorted(p.pk for p in persons_a)


def test_every_source_exports_in_every_format(hq, persons_a):
    for code in ["persons", "arrivals", "samples", "contacts", "stays", "tasks"]:
        for fmt in ["csv", "xlsx", "parquet"]:
            export = _export(hq, source_code=code, format=fmt, columns=get_source(code).column_keys)
            assert export.job.status == Job.Status.SUCCEEDED, (code, fmt, export.job.error)


# --- presets ------------------------------------------------------------------------------------------------------


def test_the_default_columns_follow_the_role(grid_worker_a, tracer, persons_a):
    export = services.export_start(actor=grid_worker_a, source_code="persons", format="csv")
    assert export.columns == ["name", "building", "household", "status"]
    assert _read_csv(ExportLog.objects.get(pk=export.pk))[0] == ["Name", "Building", "Door", "Management status"]
    export = services.export_start(actor=tracer, source_code="persons", format="csv")
    assert "id_number" in export.columns and "phone" in export.columns


def test_presets_per_role_and_per_user(city, officer_a, officer_b, persons_a):
    from conftest import make_user

    admin = make_user("admin", "admin", city.city)
    source = get_source("persons")
    services.preset_save(actor=admin, source_code="persons", name="街道上报", columns=["status", "name"],
                         role="officer")
    services.preset_save(actor=officer_a, source_code="persons", name="我的", columns=["name", "phone"])
    names_a = [c.name for c in preset_choices(user=officer_a, source=source)]
    names_b = [c.name for c in preset_choices(user=officer_b, source=source)]
    assert "街道上报" in names_a and "我的" in names_a
    assert "街道上报" in names_b and "我的" not in names_b
    preset = ColumnPreset.objects.get(name="街道上报")
    assert preset.columns == ["name", "status"]  # the source's order


def test_only_an_admin_sets_a_roles_preset(officer_a):
    with pytest.raises(PermissionDenied):
        services.preset_save(actor=officer_a, source_code="persons", name="x", columns=["name"], role="grid_worker")
    with pytest.raises(ValidationError):
        services.preset_save(actor=officer_a, source_code="persons", name="x", columns=["nope"])
    assert not ColumnPreset.objects.exists()


# --- retention ----------------------------------------------------------------------------------------------------


def test_files_past_their_retention_are_removed_and_the_log_stays(officer_a, persons_a):
    from datetime import timedelta

    from django.utils import timezone

    from fangkong.exports.jobs import expire_exports_job

    export = _export(officer_a)
    path = services.exports_dir() / export.file_name
    assert expire_exports_job() == 0 and path.exists()
    ExportLog.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert expire_exports_job() == 1
    assert not path.exists()
    export.refresh_from_db()
    assert export.state == "expired" and export.row_count == 3
    assert expire_exports_job() == 0


def test_csv_is_excel_friendly_utf8(officer_a, persons_a):
    export = _export(officer_a, columns=["name"])
    raw = (services.exports_dir() / export.file_name).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))[0] == ["Name"]


def test_a_value_that_looks_like_a_formula_stays_text(tmp_path):
    from fangkong.exports.writers import CsvWriter, XlsxWriter

    row = [["=HYPERLINK(\"http://x\")", "+86 138", "张三\x07"]]
    writer = CsvWriter(tmp_path / "x.csv", keys=["a", "b", "c"], labels=["A", "B", "C"], types=["str"] * 3)
    writer.write_batch(row)
    writer.close()
    with open(tmp_path / "x.csv", encoding="utf-8-sig", newline="") as fh:
        assert list(csv.reader(fh))[1] == ["'=HYPERLINK(\"http://x\")", "'+86 138", "张三\x07"]
    writer = XlsxWriter(tmp_path / "x.xlsx", keys=["a", "b", "c"], labels=["A", "B", "C"], types=["str"] * 3)
    writer.write_batch(row)
    writer.close()
    sheet = load_workbook(tmp_path / "x.xlsx").worksheets[0]
    assert sheet["A2"].data_type == "s" and sheet["A2"].value == "=HYPERLINK(\"http://x\")"
    assert sheet["C2"].value == "张三"


@settings_h(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(st.integers(-2**40, 2**40), st.text(max_size=30)), max_size=30),
       chunk=st.integers(1, 7))
def test_csv_reads_back_what_was_written_batch_by_batch(tmp_path_factory, rows, chunk):
    from fangkong.exports.writers import FORMULA_START, CsvWriter

    path = tmp_path_factory.mktemp("csv") / "x.csv"
    writer = CsvWriter(path, keys=["n", "s"], labels=["N", "S"], types=["int", "str"])
    for start in range(0, len(rows), chunk):
        writer.write_batch(rows[start:start + chunk])
    writer.close()
    with open(path, encoding="utf-8-sig", newline="") as fh:
        back = list(csv.reader(fh))[1:]

    def expected(text):
        return "'" + text if text and text[0] in FORMULA_START else text

    assert [(int(n), s) for n, s in back] == [(n, expected(s)) for n, s in rows]
