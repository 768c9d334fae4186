"""Co-presence (时空伴随): everyone who shared a place with a case long enough, within the case's window.

The definition is in docs/copresence.md. `find_copresence` reads CSV or Parquet files (visits may be a directory
or glob of hive-partitioned Parquet) and writes CSV or Parquet; `find_copresence_rows` does the same on rows in
memory. Both run the stages of `copresence_query` on an embedded DuckDB with bounded memory; the same SQL runs on
Spark through `copresence_spark`.
"""

import csv
import glob
import gzip
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fangkong.tracing.engine import copresence_query as Q
from fangkong.tracing.engine.copresence_reference import min_seconds as _min_seconds

Progress = Callable[[str, int, int], None]

STAGES = ("read cases", "find case visits", "merge case visits", "find visits near cases", "merge their visits",
          "join and write")
DEFAULT_BIN_MINUTES = 60
COARSE_BIN_MINUTES = 24 * 60


class CopresenceInputError(ValueError):
    """Input the engine cannot use; the message names the file, the row and the column."""


@dataclass
class Summary:
    visits_read: int = 0
    cases: int = 0
    case_visits: int = 0
    visits_near_cases: int = 0
    pairs: int = 0
    seconds: float = 0.0
    engine: str = "duckdb"
    stage_seconds: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Params:
    min_seconds: int
    dwell_seconds: int
    timezone: str
    bin_seconds: int
    coarse_seconds: int


def make_params(min_minutes, default_dwell_minutes, timezone, bin_minutes) -> Params:
    if not min_minutes > 0:
        raise CopresenceInputError(f"min_minutes must be more than 0 (got {min_minutes}).")
    if default_dwell_minutes < 0:
        raise CopresenceInputError(f"default_dwell_minutes cannot be negative (got {default_dwell_minutes}).")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CopresenceInputError(f"Unknown time zone {timezone!r}.") from exc
    bin_minutes = int(bin_minutes or DEFAULT_BIN_MINUTES)
    if bin_minutes < 1:
        raise CopresenceInputError("bin_minutes must be at least 1.")
    # The coarse bins of the second pass are whole multiples of the join's bins.
    coarse_minutes = bin_minutes * max(1, round(COARSE_BIN_MINUTES / bin_minutes))
    return Params(_min_seconds(min_minutes), round(default_dwell_minutes * 60), timezone, bin_minutes * 60,
                  coarse_minutes * 60)


# --- the stages, on any engine ------------------------------------------------------------------------------


class Runner:
    """What the stages need from an engine: materialize a table from SQL, and read a few rows."""

    dialect: Q.Dialect

    def table(self, name: str, sql: str) -> int: ...

    def rows(self, sql: str) -> list[tuple]: ...

    def columns_of(self, table: str) -> list[str]: ...

    def locate(self, source: "Source", rows: list[dict], keys: tuple[str, ...], limit: int) -> list[dict]:
        """The rows with their row numbers, in file order; engines that read rows unnumbered find them."""
        return rows[:limit]


@dataclass
class Source:
    label: str  # what messages call the input
    view: str  # a view or table the normalizing query reads
    kinds: dict[str, str]
    file_expr: str
    row_expr: str
    is_csv: bool = False
    columns: tuple[str, ...] = ()


def run_stages(runner: Runner, visits: Source, cases: Source, params: Params, summary: Summary,
               progress: Progress | None, finish: Callable[[], None]) -> None:
    """Builds the pairs in table `result`, then calls `finish` (which writes or reads them) as part of the last
    stage; raises CopresenceInputError on bad input."""
    d = runner.dialect
    clock = time.monotonic()

    def stage(index: int) -> None:
        nonlocal clock
        if index:
            summary.stage_seconds[STAGES[index - 1]] = time.monotonic() - clock
        clock = time.monotonic()
        if progress is not None:
            progress(STAGES[index] if index < len(STAGES) else "done", index, len(STAGES))

    stage(0)
    runner.table("cases_n", Q.normalized_cases(d, cases.view, cases.kinds, cases.file_expr, cases.row_expr))
    _raise_bad(runner, cases, "cases_n")
    dup = runner.rows(Q.duplicate_cases("cases_n"))
    if dup:
        names = runner.columns_of("cases_n")
        rows = runner.locate(cases, [dict(zip(names, r, strict=True)) for r in dup], ("case_id",), 2)
        where = " and ".join(_where(cases, row) for row in rows)
        raise CopresenceInputError(f"{cases.label}: case_id {dup[0][0]!r} is listed twice: {where}.")
    summary.cases = runner.table("cases", Q.cases("cases_n"))

    stage(1)
    visits_n = Q.normalized_visits(d, visits.view, visits.kinds, params.dwell_seconds, visits.file_expr,
                                   visits.row_expr)
    visits_n = f"({visits_n})"
    runner.table("scan1", Q.scan1(visits_n))
    _raise_bad(runner, visits, "scan1")
    stage(2)
    summary.case_visits = runner.table("case_iv", Q.case_intervals())
    stage(3)
    runner.table("presence", Q.presence(d, params.coarse_seconds))
    summary.visits_near_cases = runner.table("near", Q.near(d, visits_n, params.coarse_seconds))
    stage(4)
    runner.table("others_iv", Q.others_intervals())
    stage(5)
    summary.pairs = runner.table("result", Q.result(d, params.bin_seconds, params.min_seconds))
    finish()
    stage(6)


_MESSAGES = {
    "person_id": "person_id is empty", "place_id": "place_id is empty", "case_id": "case_id is empty",
    "start": "start is not a time", "end": "end is not a time", "end before start": "end is before start",
    "window_start": "window_start is not a time", "window_end": "window_end is not a time",
    "window_end before window_start": "window_end is before window_start",
}
_BAD_COLUMN = {"end before start": "end", "window_end before window_start": "window_end"}


def _raise_bad(runner: Runner, source: Source, table: str) -> None:
    found = runner.rows(Q.bad_rows(table))
    if not found:
        return
    names = runner.columns_of(table)
    bad = [dict(zip(names, row, strict=True)) for row in found]
    first = runner.locate(source, bad, source.columns, 1)[0]
    column = _BAD_COLUMN.get(first["bad"], first["bad"])
    raw = first.get(f"raw_{column}")
    shown = "" if raw is None or first["bad"] in _BAD_COLUMN else f" ({raw!r})"
    raise CopresenceInputError(f"{_where(source, first)}, column {column}: {_MESSAGES[first['bad']]}{shown}.")


def _where(source: Source, row: dict) -> str:
    file = row.get("_file") or source.label
    if row.get("_row") is None:
        return f"{file}, a row"
    return f"{file}, {'line' if source.is_csv else 'row'} {row['_row']}"


# --- DuckDB -------------------------------------------------------------------------------------------------

_DUCK_KINDS = {"VARCHAR": Q.STRING, '"NULL"': Q.NULL, "NULL": Q.NULL, "DOUBLE": Q.FLOAT, "FLOAT": Q.FLOAT,
               "TIMESTAMP WITH TIME ZONE": Q.TIMESTAMPTZ}


def _duck_kind(type_name: str) -> str:
    t = type_name.upper()
    if t in _DUCK_KINDS:
        return _DUCK_KINDS[t]
    if t.startswith("DECIMAL"):
        return Q.FLOAT
    if t.startswith("TIMESTAMP"):
        return Q.TIMESTAMP
    if t in {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}:
        return Q.INTEGER
    return "unsupported:" + type_name


class DuckRunner(Runner):
    dialect = Q.DUCKDB

    def __init__(self, *, timezone: str, memory_limit=None, threads=None, temp_directory=None):
        import duckdb

        self.duckdb = duckdb
        # What a bad file makes DuckDB raise (unreadable, ragged CSV, a value that does not convert).
        self.input_errors = (duckdb.IOException, duckdb.InvalidInputException, duckdb.ConversionException)
        self.con = duckdb.connect(config={"autoinstall_known_extensions": False})
        self.con.execute(f"SET TimeZone = '{timezone}'")
        self.con.execute("SET preserve_insertion_order = false")
        if memory_limit:
            self.con.execute(f"SET memory_limit = '{_sql_text(str(memory_limit))}'")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        if temp_directory:
            self.con.execute(f"SET temp_directory = '{_sql_text(str(temp_directory))}'")

    def table(self, name: str, sql: str) -> int:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
        return self.con.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0]

    def rows(self, sql: str) -> list[tuple]:
        return self.con.execute(sql).fetchall()

    def columns_of(self, table: str) -> list[str]:
        return [r[0] for r in self.con.execute(f"DESCRIBE {table}").fetchall()]

    def locate(self, source: Source, rows: list[dict], keys: tuple[str, ...], limit: int) -> list[dict]:
        """CSV rows come without numbers: find these rows in the file itself (first ones first)."""
        if not source.is_csv:
            return rows[:limit]
        wanted = {}
        for row in rows:
            wanted.setdefault((row.get("_file"), tuple(row.get(f"raw_{c}") or "" for c in keys)), row)
        found = []
        for file in sorted({row.get("_file") for row in rows}):
            opener = gzip.open if file.lower().endswith(".gz") else open
            with opener(file, "rt", newline="", encoding="utf-8-sig") as fh:
                reader = csv.reader(fh)
                header = [name.strip().lower() for name in next(reader, [])]
                at = [header.index(c) if c in header else None for c in keys]
                for record in reader:
                    values = tuple(record[i] if i is not None and i < len(record) else "" for i in at)
                    row = wanted.get((file, values))
                    if row is not None:
                        found.append({**row, "_row": reader.line_num})
                        if len(found) == limit:
                            return found
        return found or rows[:limit]

    def source(self, name: str, path, columns: tuple[str, ...], label: str) -> Source:
        text, is_csv = _duck_reader(path)
        try:
            self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM {text}")
            described = self.con.execute(f"DESCRIBE {name}").fetchall()
        except self.input_errors as exc:
            raise CopresenceInputError(f"{label}: cannot read it: {exc}") from exc
        kinds = _check_columns(label, {r[0]: _duck_kind(r[1]) for r in described}, columns)
        row_expr = "CAST(NULL AS BIGINT)" if is_csv else "file_row_number + 1"
        return Source(label, name, kinds, "filename", row_expr, is_csv=is_csv, columns=columns)

    def rows_source(self, name: str, rows: list[dict], columns: tuple[str, ...], label: str) -> Source:
        import pandas as pd

        frame = pd.DataFrame({c: [_as_text(r.get(c)) for r in rows] for c in columns}, dtype=object)
        frame["_row"] = range(1, len(frame) + 1)
        self.con.register(f"{name}_frame", frame)
        casts = ", ".join(f"CAST({Q.DUCKDB.quote(c)} AS VARCHAR) AS {Q.DUCKDB.quote(c)}" for c in columns)
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT {casts}, _row FROM {name}_frame")
        return Source(label, name, {c: Q.STRING for c in columns}, f"'{label}'", "_row", columns=columns)

    def write(self, out: Path, as_csv: bool) -> None:
        self.con.execute("SET preserve_insertion_order = true")
        fmt = "FORMAT csv, HEADER true" if as_csv else "FORMAT parquet"
        self.con.execute(f"COPY ({Q.output(self.dialect, as_text=as_csv)}) TO '{_sql_text(str(out))}' ({fmt})")

    def close(self) -> None:
        self.con.close()


def _sql_text(text: str) -> str:
    return text.replace("'", "''")


def _as_text(value):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _check_columns(label: str, kinds: dict[str, str], columns: tuple[str, ...]) -> dict[str, str]:
    """The kinds of the needed columns; names match as both engines match them, ignoring case."""
    by_name = {name.strip().lower(): kind for name, kind in kinds.items()}
    missing = [c for c in columns if c not in by_name]
    if missing:
        raise CopresenceInputError(f"{label}: no column {', '.join(missing)} (it has: {', '.join(kinds)}).")
    for c in columns:
        if by_name[c].startswith("unsupported:"):
            raise CopresenceInputError(f"{label}: column {c} has type {by_name[c].split(':', 1)[1]}, "
                                       "which is not a text, a number or a timestamp.")
    return {c: by_name[c] for c in columns}


def _is_csv(name: str) -> bool:
    return name.lower().endswith((".csv", ".csv.gz"))


def _duck_reader(path) -> tuple[str, bool]:
    text = str(path)
    if os.path.isdir(text):
        files = sorted(glob.glob(os.path.join(text, "**", "*.parquet"), recursive=True))
        if not files:
            raise CopresenceInputError(f"{text}: no Parquet files in this directory.")
        pattern = os.path.join(text, "**", "*.parquet")
    elif any(ch in text for ch in "*?["):
        if not glob.glob(text, recursive=True):
            raise CopresenceInputError(f"{text}: no file matches.")
        pattern = text
    else:
        if not os.path.isfile(text):
            raise CopresenceInputError(f"{text}: no such file.")
        pattern = text
    lit = _sql_text(pattern)
    if _is_csv(pattern):
        return (f"read_csv('{lit}', header = true, all_varchar = true, delim = ',', quote = '\"', "
                f"escape = '\"', filename = true)"), True
    return (f"read_parquet('{lit}', hive_partitioning = true, union_by_name = true, filename = true, "
            f"file_row_number = true)"), False


def _temporary_beside(out: Path) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    os.unlink(name)
    return Path(name)


# --- the public functions ------------------------------------------------------------------------------------


def find_copresence(visits, cases, out, *, min_minutes: float = 10, default_dwell_minutes: float = 30,
                    timezone: str = "Asia/Shanghai", bin_minutes: int = DEFAULT_BIN_MINUTES,
                    memory_limit: str | None = None, threads: int | None = None, temp_directory=None,
                    progress: Progress | None = None) -> Summary:
    """Read visits and cases (CSV or Parquet; visits may be a directory or glob of Parquet), write the pairs to
    `out` (CSV or Parquet by its extension), all or nothing. Raises CopresenceInputError on bad input."""
    started = time.monotonic()
    params = make_params(min_minutes, default_dwell_minutes, timezone, bin_minutes)
    out = Path(out)
    if not out.parent.is_dir():
        raise CopresenceInputError(f"{out}: the directory {out.parent} does not exist.")
    spill = Path(temp_directory) if temp_directory else Path(tempfile.mkdtemp(prefix=".copresence-", dir=out.parent))
    partial = _temporary_beside(out)
    runner = DuckRunner(timezone=timezone, memory_limit=memory_limit, threads=threads, temp_directory=spill)
    summary = Summary()
    try:
        v = runner.source("visits_src", visits, Q.VISIT_COLUMNS, str(visits))
        c = runner.source("cases_src", cases, Q.CASE_COLUMNS, str(cases))
        summary.visits_read = runner.rows("SELECT COUNT(*) FROM visits_src")[0][0]
        run_stages(runner, v, c, params, summary, progress, lambda: runner.write(partial, as_csv=_is_csv(out.name)))
        os.replace(partial, out)
    except runner.input_errors as exc:
        raise CopresenceInputError(f"Cannot read the input: {exc}") from exc
    finally:
        runner.close()
        partial.unlink(missing_ok=True)
        if not temp_directory:
            shutil.rmtree(spill, ignore_errors=True)
    _finish(summary, started)
    return summary


def find_copresence_rows(visits: Iterable[dict], cases: Iterable[dict], *, min_minutes: float = 10,
                         default_dwell_minutes: float = 30, timezone: str = "Asia/Shanghai",
                         bin_minutes: int = DEFAULT_BIN_MINUTES, memory_limit: str | None = None,
                         threads: int | None = None, progress: Progress | None = None) -> list[dict]:
    """The same on rows in memory: dicts with the input columns in, dicts with the output columns out
    (first_contact/last_contact as aware datetimes in `timezone`). Errors name the row (1-based)."""
    params = make_params(min_minutes, default_dwell_minutes, timezone, bin_minutes)
    visits, cases = list(visits), list(cases)
    runner = DuckRunner(timezone=timezone, memory_limit=memory_limit, threads=threads)
    summary = Summary()
    try:
        v = runner.rows_source("visits_src", visits, Q.VISIT_COLUMNS, "visits")
        c = runner.rows_source("cases_src", cases, Q.CASE_COLUMNS, "cases")
        found = []

        def fetch():
            found.extend(runner.rows("SELECT case_id, contact_id, seconds, first_s, last_s, places FROM result "
                                     "ORDER BY case_id, contact_id"))

        run_stages(runner, v, c, params, summary, progress, fetch)
    except runner.input_errors as exc:
        raise CopresenceInputError(str(exc)) from exc
    finally:
        runner.close()
    zone = ZoneInfo(timezone)
    return [{"case_id": case_id, "contact_id": contact, "copresent_minutes": seconds / 60,
             "first_contact": datetime.fromtimestamp(first, UTC).astimezone(zone),
             "last_contact": datetime.fromtimestamp(last, UTC).astimezone(zone), "places": places}
            for case_id, contact, seconds, first, last, places in found]


def _finish(summary: Summary, started: float) -> None:
    summary.seconds = time.monotonic() - started
