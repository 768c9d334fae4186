"""Writers that take rows batch by batch and keep only the current batch in memory: the csv module to a
file, an openpyxl write-only workbook, a pyarrow ParquetWriter with one row group per batch.

Each writer gets, per column, its type ("int", "str", "date", "datetime": what the cells hold once `steps` ran)
and an optional step (masking, choice label) from exports.rows; it composes the step with its own formatting once,
so that a cell goes through one function: the rows go through them a million times. Values read from the
database are int, str, datetime.date, aware datetime.datetime, or None."""

import csv
from collections.abc import Callable
from pathlib import Path

from django.utils import timezone
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# A cell a spreadsheet would run as a formula (CSV injection) starts so.
FORMULA_START = frozenset("=+-@\t\r")
# Excel's sheet holds 1,048,576 rows: the header and this many rows, then a new sheet.
XLSX_SHEET_ROWS = 1_048_575


def _then(step: Callable | None, formatter: Callable) -> Callable:
    if step is None:
        return formatter
    return lambda value: formatter(step(value))


def _identity(value):
    return value


def _csv_formatters(types: list[str]) -> list[Callable]:
    tz = timezone.get_current_timezone()

    def text(value):
        if not value:
            return ""
        return "'" + value if value[0] in FORMULA_START else value

    def number(value):
        return "" if value is None else str(value)

    def day(value):
        return "" if value is None else value.isoformat()

    def moment(value):
        return "" if value is None else value.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")

    return [{"int": number, "date": day, "datetime": moment}.get(t, text) for t in types]


class CsvWriter:
    extension = "csv"
    content_type = "text/csv; charset=utf-8"

    def __init__(self, path: Path, *, keys: list[str], labels: list[str], types: list[str],
                 steps: list[Callable | None] | None = None):
        # The BOM lets Excel open the Chinese text as UTF-8.
        self._file = open(path, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115 (closed by close())
        self._csv = csv.writer(self._file)
        self._csv.writerow(labels)
        steps = steps or [None] * len(types)
        self._cells = [_then(s, f) for s, f in zip(steps, _csv_formatters(types), strict=True)]

    def write_batch(self, rows: list[tuple]) -> None:
        cells = self._cells
        self._csv.writerows([f(v) for f, v in zip(cells, row)] for row in rows)  # noqa: B905

    def close(self) -> None:
        self._file.close()


class XlsxWriter:
    extension = "xlsx"
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def __init__(self, path: Path, *, keys: list[str], labels: list[str], types: list[str],
                 steps: list[Callable | None] | None = None, sheet_rows: int = XLSX_SHEET_ROWS):
        from openpyxl import Workbook

        self._path = path
        self._labels = labels
        self._sheet_rows = sheet_rows
        self._book = Workbook(write_only=True)
        self._sheet = None
        self._in_sheet = 0
        self._new_sheet()
        tz = timezone.get_current_timezone()

        def text(value):
            if not value:
                return value
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
            if value.startswith("="):
                # Text, not a formula: a name typed as "=HYPERLINK(…)" stays a name.
                cell = WriteOnlyCell(self._sheet, value=value)
                cell.data_type = "s"
                return cell
            return value

        def moment(value):
            # Excel has no time zones: the local time, as the user reads it.
            return None if value is None else value.astimezone(tz).replace(tzinfo=None)

        formatters = [{"str": text, "datetime": moment}.get(t, _identity) for t in types]
        steps = steps or [None] * len(types)
        self._cells = [_then(s, f) for s, f in zip(steps, formatters, strict=True)]

    def _new_sheet(self) -> None:
        number = len(self._book.worksheets) + 1
        self._sheet = self._book.create_sheet(title=str(number))
        self._sheet.append(self._labels)
        self._in_sheet = 0

    def write_batch(self, rows: list[tuple]) -> None:
        cells = self._cells
        for row in rows:
            if self._in_sheet >= self._sheet_rows:
                self._new_sheet()
            self._sheet.append([f(v) for f, v in zip(cells, row)])  # noqa: B905
            self._in_sheet += 1

    def close(self) -> None:
        self._book.save(self._path)


class ParquetWriter:
    extension = "parquet"
    content_type = "application/vnd.apache.parquet"

    def __init__(self, path: Path, *, keys: list[str], labels: list[str], types: list[str],
                 steps: list[Callable | None] | None = None):
        import pyarrow as pa
        import pyarrow.parquet as pq

        self._pa = pa
        arrow_types = {"int": pa.int64(), "str": pa.string(), "date": pa.date32(),
                       "datetime": pa.timestamp("s", tz=timezone.get_current_timezone_name())}
        # Column names are the stable keys; the labels the user saw travel in the metadata.
        self._schema = pa.schema([pa.field(k, arrow_types[t]) for k, t in zip(keys, types, strict=True)],
                                 metadata={"labels": "\t".join(labels).encode()})
        self._steps = steps or [None] * len(types)
        self._writer = pq.ParquetWriter(str(path), self._schema, compression="zstd")

    def write_batch(self, rows: list[tuple]) -> None:
        if not rows:
            return
        arrays = []
        for index, (step, field) in enumerate(zip(self._steps, self._schema, strict=True)):
            values = [row[index] for row in rows]
            if step is not None:
                values = [step(v) for v in values]
            arrays.append(self._pa.array(values, type=field.type))
        self._writer.write_table(self._pa.Table.from_arrays(arrays, schema=self._schema))

    def close(self) -> None:
        self._writer.close()


WRITERS = {"csv": CsvWriter, "xlsx": XlsxWriter, "parquet": ParquetWriter}
