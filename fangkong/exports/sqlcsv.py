"""CSV exports on PostgreSQL streamed by the server: the source's scoped queryset, each column projected, masked and
formatted by an ORM expression, run as `COPY (…) TO STDOUT WITH (FORMAT csv)`.

The bytes equal those of the Python path (exports.rows + writers.CsvWriter) for the same rows: the same masking
(core.masking with the MASK_* settings), local times, choice labels in the export's language, "'" before a
formula-like text, and the csv module's dialect. Two differences of COPY are undone here: an empty text must be NULL
(COPY writes '' as `""`, the csv module writes nothing) and COPY ends rows with LF where the csv module writes CRLF
(rows_crlf rewrites the record ends, not the newlines inside quoted values). A column this module cannot express
makes `column_expressions` return None and the export takes the Python path."""

import csv
import io
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.db import connections, transaction
from django.db.models import (
    Case,
    CharField,
    DateTimeField,
    F,
    Func,
    IntegerField,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Left, Length, NullIf, Repeat, Right
from django.db.models.lookups import Exact, GreaterThan, In
from django.utils import timezone

from fangkong.exports.rows import _field
from fangkong.exports.sources import Column, Source
from fangkong.exports.writers import FORMULA_START

TEXT_FIELDS = frozenset({"CharField", "TextField", "SlugField", "EmailField", "URLField"})
INT_FIELDS = frozenset({"AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField",
                        "SmallIntegerField", "PositiveIntegerField", "PositiveBigIntegerField",
                        "PositiveSmallIntegerField"})
# Code points of the characters that make a spreadsheet run a cell as a formula (writers.FORMULA_START).
FORMULA_CODES = sorted(ord(c) for c in FORMULA_START)
# How many rows of COPY output are gathered before they are rewritten and written to the file.
ROWS_PER_WRITE = 5000


def enabled(queryset: QuerySet) -> bool:
    return connections[queryset.db].vendor == "postgresql" and getattr(settings, "EXPORTS_SQL_CSV", True)


def _text(value) -> Value:
    return Value(value, output_field=CharField())


def _cat(*parts) -> Func:
    # `a || b`, NULL when a part is NULL (Concat coalesces NULL to '', which COPY would write as `""`).
    return Func(*parts, template="(%(expressions)s)", arg_joiner=" || ", output_field=CharField())


def _ascii(expression) -> Func:
    # PostgreSQL's ascii() is the code point of the first character (0 for '', NULL for NULL).
    return Func(expression, function="ascii", output_field=IntegerField())


def _guarded(value, shown, *, also=None):
    """`shown`, with "'" before it when the first character of `value` (the first character of `shown`, for
    the caller) starts a formula; `also` narrows when that is so. `shown` is written once: it is computed once."""
    condition = In(_ascii(value), FORMULA_CODES)
    if also is not None:
        condition = condition & also
    prefix = Case(When(condition, then=_text("'")), default=_text(""), output_field=CharField())
    # '' || NULL is NULL: an empty value stays nothing between the commas.
    return _cat(prefix, shown)


def _keep_mask(value, keep: tuple[int, int]):
    """core.masking.mask: head and tail kept, stars between; all stars when the value is that short."""
    head, tail = keep
    length = Length(value)
    # value[-0:] is the whole value in Python: a tail of 0 keeps it all.
    ends = Right(value, tail) if tail else value
    masked = _cat(Left(value, head), Repeat(_text("*"), length - head - tail), ends)
    shown = Case(When(GreaterThan(length, head + tail), then=masked), default=Repeat(_text("*"), length),
                 output_field=CharField())
    # The first character shown is the value's own only when a head is kept and the value is long enough.
    if head == 0:
        return shown
    return _guarded(value, shown, also=GreaterThan(length, head + tail))


def _masked(kind: str, value):
    value = NullIf(value, _text(""))
    if kind == "id_number":
        return _keep_mask(value, settings.MASK_ID_KEEP)
    if kind == "phone":
        return _keep_mask(value, settings.MASK_PHONE_KEEP)
    if kind == "name":
        # mask_name: the first character, then a star for each other one.
        shown = Case(When(GreaterThan(Length(value), 1),
                          then=_cat(Left(value, 1), Repeat(_text("*"), Length(value) - 1))),
                     default=value, output_field=CharField())
        return _guarded(value, shown)
    if kind == "address":
        # mask_address: the first 6 characters, then four stars.
        shown = Case(When(GreaterThan(Length(value), 6),
                          then=_cat(Left(value, 6), _text("****"))),
                     default=value, output_field=CharField())
        return _guarded(value, shown)
    return None


def _local_time(value, tzname: str) -> Func:
    """writers.CsvWriter's `astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")`: the wall time, seconds truncated.
    COPY writes a timestamp without time zone so under DateStyle ISO (set by write_csv)."""
    local = Func(_text(tzname), value, function="timezone", output_field=DateTimeField())
    return Func(_text("second"), local, function="date_trunc", output_field=DateTimeField())


def column_expression(source: Source, column: Column, *, revealed: bool, tzname: str):
    """The expression whose COPY output is the column's CSV cell, or None when there is none."""
    field = _field(source.model, column.path)
    internal = field.get_internal_type()
    value = F(column.path)
    if column.identifying and not revealed:
        if column.identifying == "birth_date":
            if internal != "DateField":
                return None
            # The year only: date::text under DateStyle ISO is YYYY-MM-DD, as date.isoformat().
            return _cat(Left(Cast(value, CharField()), 4), _text("-**-**"))
        if internal not in TEXT_FIELDS:
            return None
        return _masked(column.identifying, value)
    if column.choices:
        if internal not in TEXT_FIELDS:
            return None
        whens = []
        for stored, label in field.flatchoices:
            shown = _format_text(str(label))
            whens.append(When(Exact(value, stored), then=_text(shown or None)))
        # A value without a choice is shown as stored, as rows._choice does.
        return Case(*whens, default=_guarded(value, NullIf(value, _text(""))), output_field=CharField())
    if column.type == "int":
        return value if internal in INT_FIELDS else None
    if column.type == "date":
        return value if internal == "DateField" else None
    if column.type == "datetime":
        return _local_time(value, tzname) if internal == "DateTimeField" else None
    if column.type == "str" and internal in TEXT_FIELDS:
        return _guarded(value, NullIf(value, _text("")))
    return None


def _format_text(value: str) -> str:
    return "'" + value if value and value[0] in FORMULA_START else value


def column_expressions(source: Source, columns: list[Column], *, revealed: bool) -> list | None:
    """Per column, its expression; None when one of them has none, or when COPY's CSV cannot equal the csv
    module's: a single column (the csv module writes an empty row as `""`, COPY quotes a lone `\\.`).

    Call it under the export's language: choice labels are read then."""
    if len(columns) < 2:
        return None
    tzname = timezone.get_current_timezone_name()
    expressions = [column_expression(source, c, revealed=revealed, tzname=tzname) for c in columns]
    return None if any(e is None for e in expressions) else expressions


def copy_sql(queryset: QuerySet, expressions: list) -> tuple[str, tuple]:
    """The COPY statement of the rows of `queryset` (its scope and filters), by ascending pk."""
    projected = queryset.order_by("pk").values(**{f"fk_c{n}": e for n, e in enumerate(expressions)})
    sql, params = projected.query.sql_with_params()
    return f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER false)", params


def rows_per_copy() -> int:
    return max(1, int(getattr(settings, "EXPORTS_COPY_ROWS", 250_000)))


def header(labels: list[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerow(labels)
    return b"\xef\xbb\xbf" + out.getvalue().encode()


class RowEnds:
    """Turns COPY's LF record ends into CRLF and counts them, chunk after chunk.

    Outside quotes every LF ends a record; a quoted value's own newlines stay. Whether a byte is inside quotes is
    the parity of the quote characters before it (an escaped quote is two, so it changes nothing)."""

    def __init__(self):
        self.rows = 0
        self._quoted = False

    def __call__(self, data: bytes) -> bytes:
        if b'"' not in data:
            if self._quoted:
                return data
            self.rows += data.count(b"\n")
            return data.replace(b"\n", b"\r\n")
        parts = data.split(b'"')
        for index in range(1 if self._quoted else 0, len(parts), 2):
            self.rows += parts[index].count(b"\n")
            parts[index] = parts[index].replace(b"\n", b"\r\n")
        if len(parts) % 2 == 0:
            self._quoted = not self._quoted
        return b'"'.join(parts)


def _chunks(copy) -> Iterator[bytes]:
    # COPY sends a message a row; joining them in C (islice) keeps Python's own work per row to psycopg's.
    rows = iter(copy)
    while chunk := b"".join(islice(rows, ROWS_PER_WRITE)):
        yield chunk


def _pieces(queryset: QuerySet, size: int) -> Iterator[QuerySet]:
    """The rows by ascending pk, `size` at a time: `pk > last AND pk <= the size-th pk after it`.

    The connection is the COPY's while it runs, so progress is reported (and a cancel noticed) between pieces."""
    ordered = queryset.order_by("pk")
    last = None
    while True:
        page = ordered if last is None else ordered.filter(pk__gt=last)
        upper = list(page.values_list("pk", flat=True)[size - 1:size])
        if not upper:
            yield page
            return
        yield page.filter(pk__lte=upper[0])
        last = upper[0]


def write_csv(queryset: QuerySet, expressions: list, path: Path, *, labels: list[str],
              progress: Callable[[int], None]) -> int:
    """Writes the CSV file of the rows by COPY, calling `progress(rows so far)` after each piece of
    EXPORTS_COPY_ROWS rows; returns the row count (the record ends COPY wrote)."""
    ends = RowEnds()
    connection = connections[queryset.db]
    with open(path, "wb") as out:
        out.write(header(labels))
        if queryset.query.is_empty():
            return 0
        for piece in _pieces(queryset, rows_per_copy()):
            sql, params = copy_sql(piece, expressions)
            with transaction.atomic(using=queryset.db), connection.cursor() as cursor:
                # Dates and timestamps leave COPY as YYYY-MM-DD [HH:MM:SS] under ISO, whatever the server's default.
                cursor.execute("SET LOCAL DateStyle TO ISO")
                with cursor.cursor.copy(sql, params) as copy:
                    for chunk in _chunks(copy):
                        out.write(ends(chunk))
            progress(ends.rows)
    return ends.rows
