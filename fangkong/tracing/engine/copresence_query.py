"""The co-presence query, as SQL text that runs unchanged on DuckDB and on Spark SQL.

Only the few functions the two dialects spell differently are substituted (see `Dialect`); everything else,
stage by stage, is the same text. Times are integer epoch seconds throughout; an interval is [s, e).

Stages (each one a table the next reads):
  cases        case_id, ws, we                     the cases and their windows
  scan1        case visits + any bad visit row      first pass over the visits (also the validation)
  case_iv      case_id, place_id, s, e             case visits clipped to the window, merged
  presence     place_id, cbin, s, e                where some case is, merged across cases, cut into coarse bins
  near         person_id, place_id, s, e           second pass: visits overlapping a case's presence (semi-join)
  others_iv    person_id, place_id, s, e           those merged per person and place
  result       the pairs: (place, bin) equi-join, exact overlap counted once (in the bin where it starts)
"""

from dataclasses import dataclass

VISIT_COLUMNS = ("person_id", "place_id", "start", "end")
CASE_COLUMNS = ("case_id", "window_start", "window_end")

# A column's values, as far as the query cares.
STRING, INTEGER, FLOAT, TIMESTAMP, TIMESTAMPTZ, NULL = "string", "integer", "float", "timestamp", "timestamptz", "null"


@dataclass(frozen=True)
class Dialect:
    name: str
    tstz: str  # the type of an instant; naive text cast to it is read in the session time zone
    semi_join: str

    def quote(self, column: str) -> str:
        return f'"{column}"' if self.name == "duckdb" else f"`{column}`"

    def epoch(self, instant: str) -> str:
        if self.name == "duckdb":
            return f"CAST(floor(epoch({instant})) AS BIGINT)"
        return f"unix_seconds({instant})"

    def is_integer(self, text: str) -> str:
        if self.name == "duckdb":
            return f"regexp_full_match({text}, '-?[0-9]+')"
        return f"({text} RLIKE '^-?[0-9]+$')"

    def explode_range(self, first: str, last: str) -> str:
        if self.name == "duckdb":
            return f"unnest(generate_series({first}, {last}))"
        return f"explode(sequence({first}, {last}))"

    def sorted_distinct_joined(self, column: str) -> str:
        if self.name == "duckdb":
            return f"array_to_string(array_sort(array_distinct(array_agg({column}))), ';')"
        return f"array_join(array_sort(collect_set({column})), ';')"

    def instant(self, seconds: str) -> str:
        return f"to_timestamp({seconds})" if self.name == "duckdb" else f"timestamp_seconds({seconds})"

    def iso_text(self, seconds: str) -> str:
        """ISO-8601 with the session time zone's offset, e.g. 2024-01-01T08:00:00+08:00."""
        if self.name == "spark":
            return f"date_format(timestamp_seconds({seconds}), \"yyyy-MM-dd'T'HH:mm:ssxxx\")"
        ts = f"to_timestamp({seconds})"
        offset = f"date_part('timezone', {ts})"
        return (f"strftime({ts}, '%Y-%m-%dT%H:%M:%S') || printf('%s%02d:%02d', "
                f"CASE WHEN {offset} < 0 THEN '-' ELSE '+' END, abs({offset}) // 3600, abs({offset}) % 3600 // 60)")


DUCKDB = Dialect("duckdb", tstz="TIMESTAMPTZ", semi_join="SEMI JOIN")
SPARK = Dialect("spark", tstz="TIMESTAMP", semi_join="LEFT SEMI JOIN")


def seconds_expr(d: Dialect, column: str, kind: str) -> str:
    """Epoch seconds of a time column, NULL where it does not parse (sub-second parts are dropped)."""
    x = d.quote(column)
    if kind == STRING:
        # The time cast first: for the usual ISO text the integer test is then never run. No text is both.
        t = f"trim({x})"
        return (f"COALESCE({d.epoch(f'try_cast({t} AS {d.tstz})')}, "
                f"CASE WHEN {d.is_integer(t)} THEN try_cast({t} AS BIGINT) END)")
    if kind == INTEGER:
        return f"CAST({x} AS BIGINT)"
    if kind == FLOAT:
        return f"CAST(floor({x}) AS BIGINT)"
    if kind == TIMESTAMP:
        return d.epoch(f"CAST({x} AS {d.tstz})")
    if kind == TIMESTAMPTZ:
        return d.epoch(x)
    return "CAST(NULL AS BIGINT)"


def missing_expr(d: Dialect, column: str, kind: str) -> str:
    x = d.quote(column)
    return f"({x} IS NULL OR trim({x}) = '')" if kind == STRING else f"({x} IS NULL)"


def normalized_visits(d: Dialect, source: str, kinds: dict[str, str], dwell_seconds: int, file_expr: str,
                      row_expr: str) -> str:
    """One row per visit: ids, s, e (end filled in), `bad` = the first column at fault or NULL, and the source's
    time columns as they are. Each time is parsed once, in the inner query; the outer one only compares."""
    q = d.quote
    return f"""
SELECT person_id, place_id, s, CASE WHEN end_missing THEN s + {dwell_seconds} ELSE end_s END AS e,
       CASE WHEN person_id IS NULL OR person_id = '' THEN 'person_id'
            WHEN place_id IS NULL OR place_id = '' THEN 'place_id'
            WHEN s IS NULL THEN 'start'
            WHEN NOT end_missing AND end_s IS NULL THEN 'end'
            WHEN NOT end_missing AND end_s < s THEN 'end before start'
       END AS bad,
       _file, _row, start_src, end_src
FROM (
  SELECT CAST({q('person_id')} AS STRING) AS person_id, CAST({q('place_id')} AS STRING) AS place_id,
         {seconds_expr(d, 'start', kinds['start'])} AS s, {seconds_expr(d, 'end', kinds['end'])} AS end_s,
         {missing_expr(d, 'end', kinds['end'])} AS end_missing,
         {file_expr} AS _file, {row_expr} AS _row, {q('start')} AS start_src, {q('end')} AS end_src
  FROM {source}
) parsed"""


def normalized_cases(d: Dialect, source: str, kinds: dict[str, str], file_expr: str, row_expr: str) -> str:
    q = d.quote
    return f"""
SELECT case_id, ws, we,
       CASE WHEN case_id IS NULL OR case_id = '' THEN 'case_id'
            WHEN ws IS NULL THEN 'window_start'
            WHEN we IS NULL THEN 'window_end'
            WHEN we < ws THEN 'window_end before window_start'
       END AS bad,
       _file, _row, case_id AS raw_case_id, raw_window_start, raw_window_end
FROM (
  SELECT CAST({q('case_id')} AS STRING) AS case_id,
         {seconds_expr(d, 'window_start', kinds['window_start'])} AS ws,
         {seconds_expr(d, 'window_end', kinds['window_end'])} AS we,
         {file_expr} AS _file, {row_expr} AS _row,
         CAST({q('window_start')} AS STRING) AS raw_window_start, CAST({q('window_end')} AS STRING) AS raw_window_end
  FROM {source}
) parsed"""


def bad_rows(table: str, limit: int = 1000) -> str:
    return f"SELECT * FROM {table} WHERE bad IS NOT NULL ORDER BY _file, _row LIMIT {limit}"


def duplicate_cases(cases_n: str) -> str:
    return f"""
SELECT c.* FROM {cases_n} c
WHERE c.case_id IN (SELECT case_id FROM {cases_n} GROUP BY case_id HAVING COUNT(*) > 1)
ORDER BY c.case_id, c._file, c._row LIMIT 2"""


def cases(cases_n: str) -> str:
    return f"SELECT case_id, ws, we FROM {cases_n}"


def scan1(visits_n: str) -> str:
    """Every visit of a case person, and any bad row: one pass over the visits does both. The raw text (for
    messages) is made only for the rows kept."""
    return f"""
SELECT person_id, place_id, s, e, bad, _file, _row, person_id AS raw_person_id, place_id AS raw_place_id,
       CAST(start_src AS STRING) AS raw_start, CAST(end_src AS STRING) AS raw_end
FROM {visits_n} vn
WHERE bad IS NOT NULL OR person_id IN (SELECT case_id FROM cases)"""


def merged(source: str, keys: str) -> str:
    """Union of intervals per key (gaps and islands): overlapping or touching intervals become one."""
    return f"""
SELECT {keys}, MIN(s) AS s, MAX(e) AS e FROM (
  SELECT {keys}, s, e,
         SUM(CASE WHEN prev_end >= s THEN 0 ELSE 1 END)
           OVER (PARTITION BY {keys} ORDER BY s, e ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS island
  FROM (
    SELECT {keys}, s, e,
           MAX(e) OVER (PARTITION BY {keys} ORDER BY s, e ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
             AS prev_end
    FROM ({source}) src
  ) ordered
) islands
GROUP BY {keys}, island"""


def case_intervals() -> str:
    clipped = """
SELECT v.person_id AS case_id, v.place_id, GREATEST(v.s, c.ws) AS s, LEAST(v.e, c.we) AS e
FROM scan1 v JOIN cases c ON v.person_id = c.case_id
WHERE GREATEST(v.s, c.ws) < LEAST(v.e, c.we)"""
    return merged(clipped, "case_id, place_id")


def _bin(seconds: str, width: int) -> str:
    return f"CAST(floor(CAST({seconds} AS DOUBLE) / {width}) AS BIGINT)"


def presence(d: Dialect, coarse_seconds: int) -> str:
    """Where and when any case is, cut into coarse bins: the keys of the semi-join of the second pass."""
    union = merged("SELECT place_id, s, e FROM case_iv", "place_id")
    cut = f"""
SELECT place_id, s, e, {_bin('s', coarse_seconds)} AS first_bin, {_bin('e - 1', coarse_seconds)} AS last_bin
FROM ({union}) u"""
    return f"""
SELECT place_id, cbin, GREATEST(s, cbin * {coarse_seconds}) AS s, LEAST(e, (cbin + 1) * {coarse_seconds}) AS e
FROM (SELECT place_id, s, e, {d.explode_range("first_bin", "last_bin")} AS cbin FROM ({cut}) c) x"""


def near(d: Dialect, visits_n: str, coarse_seconds: int) -> str:
    """Second pass: visits at a place, in a coarse bin, overlapping a case's presence there (others' and cases')."""
    cb = d.explode_range(_bin("v.s", coarse_seconds), _bin("v.e - 1", coarse_seconds))
    return f"""
SELECT DISTINCT x.person_id, x.place_id, x.s, x.e FROM (
  SELECT v.person_id, v.place_id, v.s, v.e, {cb} AS cbin
  FROM {visits_n} v
  WHERE v.s < v.e AND v.place_id IN (SELECT place_id FROM presence)
) x {d.semi_join} presence p
  ON p.place_id = x.place_id AND p.cbin = x.cbin AND p.s < x.e AND x.s < p.e"""


def others_intervals() -> str:
    return merged("SELECT person_id, place_id, s, e FROM near", "person_id, place_id")


def result(d: Dialect, bin_seconds: int, min_seconds: int) -> str:
    """The pairs. Each overlapping (case interval, other interval) meets in every bin both touch; it is counted
    only in the bin where the overlap starts, so no DISTINCT is needed."""
    case_bins = d.explode_range(_bin("s", bin_seconds), _bin("e - 1", bin_seconds))
    return f"""
SELECT case_id, contact_id, SUM(oe - os) AS seconds, MIN(os) AS first_s, MAX(oe) AS last_s,
       {d.sorted_distinct_joined('place_id')} AS places
FROM (
  SELECT c.case_id, o.person_id AS contact_id, c.place_id,
         GREATEST(c.s, o.s) AS os, LEAST(c.e, o.e) AS oe, c.bin
  FROM (SELECT case_id, place_id, s, e, {case_bins} AS bin FROM case_iv) c
  JOIN (SELECT person_id, place_id, s, e, {case_bins} AS bin FROM others_iv) o
    ON o.place_id = c.place_id AND o.bin = c.bin
  WHERE o.person_id <> c.case_id AND GREATEST(c.s, o.s) < LEAST(c.e, o.e)
) pairs
WHERE {_bin('os', bin_seconds)} = bin
GROUP BY case_id, contact_id
HAVING SUM(oe - os) >= {min_seconds}"""


def output(d: Dialect, as_text: bool) -> str:
    when = d.iso_text if as_text else d.instant
    return f"""
SELECT case_id, contact_id, CAST(seconds AS DOUBLE) / 60 AS copresent_minutes,
       {when('first_s')} AS first_contact, {when('last_s')} AS last_contact, places
FROM result ORDER BY case_id, contact_id"""
