"""What every importer returns, so pages, the CLI and jobs report rejected rows the same way.

Importers are all-or-nothing: if any row is rejected, nothing is written and the report lists every
rejected row with its line number (line 1 is the header).
"""

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    # Set when this very file was imported before (ImportRecord): nothing was written this time.
    already_imported_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def reject(self, line: int, message: str) -> None:
        self.errors.append(RowError(line, message))


class ImportRejected(Exception):
    """Raised inside the import transaction so that nothing is written; carries the report."""

    def __init__(self, report: ImportReport):
        super().__init__(f"{len(report.errors)} rows rejected")
        self.report = report


def read_csv_rows(source) -> tuple[list[str], list[tuple[int, dict]]]:
    """(header, [(line_number, row), ...]) from a path, bytes, text or file; UTF-8 with or without BOM, or GB18030."""
    if hasattr(source, "read"):
        source = source.read()
    elif not isinstance(source, bytes | str):
        with open(source, "rb") as fh:
            source = fh.read()
    if isinstance(source, bytes):
        try:
            source = source.decode("utf-8-sig")
        except UnicodeDecodeError:
            # Excel on Chinese Windows saves CSV in GB18030.
            source = source.decode("gb18030")
    reader = csv.DictReader(io.StringIO(source))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    rows = [(index + 2, {k: (v or "").strip() for k, v in row.items() if k}) for index, row in enumerate(reader)]
    return header, rows


def import_job_result(report: ImportReport, imported: str) -> dict:
    """What an import job returns for its progress box: the report, and one line saying how it ended
    (`imported`: the caller's "N … imported." for a good file)."""
    result = report_as_json(report)
    if report.already_imported_at:
        result["message"] = _("This file was already imported; nothing was imported again.")
    elif report.ok:
        result["message"] = imported
    else:
        result["message"] = ngettext("Nothing was imported: %(count)d row is wrong.",
                                     "Nothing was imported: %(count)d rows are wrong.",
                                     len(report.errors)) % {"count": len(report.errors)}
    return result


def file_checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def previous_import(kind: str, checksum: str):
    from fangkong.core.models import ImportRecord

    return ImportRecord.objects.filter(kind=kind, checksum=checksum).first()


def record_import(kind: str, checksum: str, rows: int) -> None:
    """Call inside the import's transaction."""
    from fangkong.core.models import ImportRecord

    ImportRecord.objects.create(kind=kind, checksum=checksum, rows=rows)


def report_as_json(report: ImportReport) -> dict:
    return {"created": report.created, "updated": report.updated,
            "errors": [{"line": e.line, "message": e.message} for e in report.errors],
            "already_imported_at": report.already_imported_at.isoformat() if report.already_imported_at else None}


def save_upload(upload, *, kind: str) -> str:
    """Keeps an uploaded file under MEDIA_ROOT/imports for a background job to read; returns its path."""
    from django.conf import settings
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    folder = settings.MEDIA_ROOT / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{kind}-{timezone.now():%Y%m%d-%H%M%S}-{get_random_string(8)}.csv"
    with open(path, "wb") as fh:
        for chunk in upload.chunks():
            fh.write(chunk)
    return str(path)


# Files up to this size are imported while the page waits; larger ones go to the worker with progress.
INLINE_MAX_BYTES = 256 * 1024


def rows_by_column(header: list[str], rows, *, aliases: dict[str, str], required: list[str], expected: list[str],
                   report: ImportReport):
    """Rows keyed by canonical column names (Chinese headers mapped through `aliases`), or None after rejecting
    line 1 when a required column is missing or there are no rows."""
    columns = [aliases.get(h, h.lower()) for h in header]
    missing = [c for c in required if c not in columns]
    if missing:
        report.reject(1, _("Missing columns: %(columns)s. Expected: %(expected)s.")
                      % {"columns": ", ".join(missing), "expected": ",".join(expected)})
        return None
    keyed = [(line, {columns[header.index(k)]: v for k, v in row.items() if k in header}) for line, row in rows]
    if not keyed:
        report.reject(1, _("The file has no rows."))
        return None
    return keyed


# --- tables of any format ------------------------------------------------------------------------------------


def table_format(data: bytes, filename: str = "") -> str:
    """"xlsx", "parquet" or "csv", from the file name's suffix or else the first bytes."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        return "xlsx"
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    if name.endswith((".csv", ".txt")):
        return "csv"
    if data[:4] == b"PAR1":
        return "parquet"
    if data[:2] == b"PK":
        return "xlsx"
    return "csv"


def table_cell(value) -> str:
    """A cell of a workbook or a Parquet file as the text a CSV would hold: times keep their time of day."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(data, filename: str = "") -> tuple[list[str], list[tuple[int, dict]]]:
    """(header, [(line_number, row), ...]) from a CSV (UTF-8 with or without BOM, or GB18030), an .xlsx workbook
    (its first sheet) or a Parquet file, as `read_csv_rows` gives them: values are stripped text, line 1 is the
    header, and blank rows of a workbook are skipped but keep the numbering. Raises ValueError (or the reader's
    own error) for a file it cannot read."""
    if hasattr(data, "read"):
        data = data.read()
    elif not isinstance(data, bytes | str):
        with open(data, "rb") as fh:
            data = fh.read()
    if isinstance(data, str):
        return read_csv_rows(data)
    kind = table_format(data, filename)
    if kind == "xlsx":
        return _read_xlsx(data)
    if kind == "parquet":
        return _read_parquet(data)
    return read_csv_rows(data)


def _read_xlsx(data: bytes):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [table_cell(h) for h in next(rows, ())]
        out = []
        for index, values in enumerate(rows):
            if values is None or all(v in (None, "") for v in values):
                continue
            out.append((index + 2, {h: table_cell(v) for h, v in zip(header, values, strict=False) if h}))
    finally:
        book.close()
    return header, out


def _read_parquet(data: bytes):
    """Through DuckDB, which reads Parquet without pyarrow; the bytes go through a temporary file."""
    import os
    import tempfile

    import duckdb

    fd, path = tempfile.mkstemp(suffix=".parquet")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        with duckdb.connect() as con:
            try:
                cursor = con.execute("SELECT * FROM read_parquet(?)", [path])
            except duckdb.Error as exc:
                raise ValueError(str(exc).splitlines()[0]) from None
            header = [str(column[0]).strip() for column in cursor.description]
            out = []
            line = 1
            while batch := cursor.fetchmany(10000):
                for values in batch:
                    line += 1
                    out.append((line, {h: table_cell(v) for h, v in zip(header, values, strict=True) if h}))
    finally:
        os.unlink(path)
    return header, out
