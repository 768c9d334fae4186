"""The co-presence engine agrees with the brute-force reference, and refuses bad input by row and column."""

import csv
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fangkong.tracing.engine.copresence import CopresenceInputError, find_copresence, find_copresence_rows
from fangkong.tracing.engine.copresence_reference import copresence_reference

T0 = 1_704_067_200  # 2024-01-01 08:00 in Shanghai
SHANGHAI = ZoneInfo("Asia/Shanghai")
PEOPLE = ["a", "b", "c", "d"]
PLACES = ["p1", "p1", "p2", "cell-9"]  # p1 most often, so that people meet


def as_time(seconds: int, form: str):
    moment = datetime.fromtimestamp(seconds, UTC)
    if form == "epoch":
        return seconds
    if form == "epoch-text":
        return str(seconds)
    if form == "naive":
        return moment.astimezone(SHANGHAI).replace(tzinfo=None).isoformat()
    if form == "utc":
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.astimezone(ZoneInfo("Asia/Tokyo")).isoformat()  # an offset other than the default zone's


forms = st.sampled_from(["epoch", "epoch-text", "naive", "utc", "offset"])
window_lengths = st.one_of(st.sampled_from([24 * 3600, 8 * 3600, 3 * 3600]), st.integers(0, 8 * 3600))


@st.composite
def visit(draw, person=None):
    start = T0 + draw(st.integers(0, 24)) * 15 * 60 + draw(st.integers(0, 59))
    # integers() shrinks to 0 (zero-length visits); None is a missing end.
    length = draw(st.one_of(st.sampled_from([3600, 2 * 3600]), st.integers(0, 6 * 3600), st.none()))
    return {"person_id": person or draw(st.sampled_from(PEOPLE)), "place_id": draw(st.sampled_from(PLACES)),
            "start": as_time(start, draw(forms)),
            "end": None if length is None else as_time(start + length, draw(forms))}


@st.composite
def inputs(draw):
    case_ids = draw(st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=3, unique=True))
    visits = [draw(visit(person)) for person in case_ids for _ in range(draw(st.integers(1, 3)))]
    visits += draw(st.lists(visit(), min_size=2, max_size=20))
    visits = draw(st.permutations(visits))
    cases = []
    for case_id in case_ids:
        ws = T0 + draw(st.integers(-3600, 5 * 3600))  # windows straddle the visits' edges
        cases.append({"case_id": case_id, "window_start": as_time(ws, draw(forms)),
                      "window_end": as_time(ws + draw(window_lengths), draw(forms))})
    return visits, cases


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=inputs(), min_minutes=st.sampled_from([0.5, 10, 45]), dwell=st.sampled_from([30, 5]),
       bin_minutes=st.sampled_from([60, 7, 1440]))
def test_engine_agrees_with_the_reference(data, min_minutes, dwell, bin_minutes):
    visits, cases = data
    kwargs = dict(min_minutes=min_minutes, default_dwell_minutes=dwell)
    expected = copresence_reference(visits, cases, **kwargs)
    assert find_copresence_rows(visits, cases, bin_minutes=bin_minutes, threads=1, **kwargs) == expected


def test_overlapping_visits_of_one_person_count_once_and_a_case_can_be_a_contact():
    day = "2024-03-01T"
    visits = [
        {"person_id": "case1", "place_id": "mall", "start": day + "10:00:00", "end": day + "11:00:00"},
        {"person_id": "case2", "place_id": "mall", "start": day + "10:30:00", "end": day + "11:30:00"},
        {"person_id": "case2", "place_id": "mall", "start": day + "10:40:00", "end": day + "10:50:00"},
        {"person_id": "x", "place_id": "mall", "start": day + "10:55:00", "end": day + "12:00:00"},
    ]
    cases = [{"case_id": "case1", "window_start": day + "00:00:00", "window_end": day + "23:00:00"},
             {"case_id": "case2", "window_start": day + "00:00:00", "window_end": day + "23:00:00"}]
    got = find_copresence_rows(visits, cases, min_minutes=1)
    assert [(r["case_id"], r["contact_id"], r["copresent_minutes"]) for r in got] == [
        ("case1", "case2", 30.0), ("case1", "x", 5.0), ("case2", "case1", 30.0), ("case2", "x", 35.0)]
    assert got[0]["first_contact"] == datetime(2024, 3, 1, 10, 30, tzinfo=SHANGHAI)
    assert got[0]["places"] == "mall"


def test_the_threshold_is_exact_on_seconds():
    visits = [{"person_id": "c", "place_id": "p", "start": T0, "end": T0 + 3600},
              {"person_id": "x", "place_id": "p", "start": T0, "end": T0 + 600},
              {"person_id": "y", "place_id": "p", "start": T0, "end": T0 + 599}]
    cases = [{"case_id": "c", "window_start": T0, "window_end": T0 + 3600}]
    assert [r["contact_id"] for r in find_copresence_rows(visits, cases)] == ["x"]


def write_csv(path, rows, columns):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


GOOD_CASES = [{"case_id": "a", "window_start": "2024-01-01T00:00:00", "window_end": "2024-01-05T00:00:00"}]
GOOD_VISITS = [
    {"person_id": "a", "place_id": "p1", "start": "2024-01-01T08:00:00", "end": "2024-01-01T09:00:00"},
    {"person_id": "b", "place_id": "p1", "start": "2024-01-01T08:00:00", "end": ""},
    {"person_id": "c", "place_id": "p2", "start": "2024-01-01T08:00:00", "end": "2024-01-01T09:00:00"},
]


@pytest.mark.parametrize(("row", "column", "words"), [
    ({"start": "2024-01-01T10:00:00", "end": "2024-01-01T09:00:00"}, "end", "before start"),
    ({"start": "yesterday"}, "start", "not a time"),
    ({"end": "2024-13-01T00:00:00"}, "end", "not a time"),
    ({"person_id": ""}, "person_id", "empty"),
    ({"place_id": ""}, "place_id", "empty"),
])
def test_a_bad_visit_is_named_by_line_and_column_and_nothing_is_written(tmp_path, row, column, words):
    bad = {**GOOD_VISITS[1], **row}
    visits = write_csv(tmp_path / "visits.csv", [*GOOD_VISITS, bad, GOOD_VISITS[0]], list(GOOD_VISITS[0]))
    cases = write_csv(tmp_path / "cases.csv", GOOD_CASES, list(GOOD_CASES[0]))
    out = tmp_path / "out.csv"
    with pytest.raises(CopresenceInputError) as raised:
        find_copresence(visits, cases, out)
    message = str(raised.value)
    assert "visits.csv, line 5" in message and f"column {column}" in message and words in message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cases.csv", "visits.csv"]


def test_a_bad_row_in_memory_is_named_by_its_number():
    with pytest.raises(CopresenceInputError, match=r"visits, row 3, column start"):
        find_copresence_rows([*GOOD_VISITS[:2], {**GOOD_VISITS[2], "start": "soon"}], GOOD_CASES)


def test_a_missing_column_is_named(tmp_path):
    visits = write_csv(tmp_path / "visits.csv", [{"person_id": "a", "place_id": "p", "start": T0}],
                       ["person_id", "place_id", "start"])
    cases = write_csv(tmp_path / "cases.csv", GOOD_CASES, list(GOOD_CASES[0]))
    with pytest.raises(CopresenceInputError, match=r"visits.csv: no column end"):
        find_copresence(visits, cases, tmp_path / "out.parquet")
    assert not (tmp_path / "out.parquet").exists()


def test_a_case_listed_twice_names_both_rows(tmp_path):
    visits = write_csv(tmp_path / "visits.csv", GOOD_VISITS, list(GOOD_VISITS[0]))
    cases = write_csv(tmp_path / "cases.csv", [GOOD_CASES[0], {**GOOD_CASES[0], "case_id": "b"}, GOOD_CASES[0]],
                      list(GOOD_CASES[0]))
    with pytest.raises(CopresenceInputError, match=r"'a' is listed twice: .*cases.csv, line 2 and .*line 4"):
        find_copresence(visits, cases, tmp_path / "out.csv")


def test_a_bad_parquet_row_is_named_by_row_number(tmp_path):
    import duckdb

    source = tmp_path / "visits.parquet"
    duckdb.sql(f"""COPY (SELECT * FROM (VALUES ('a', 'p1', {T0}, {T0 + 60}), ('b', 'p1', {T0}, {T0 - 60}))
                        t(person_id, place_id, start, "end")) TO '{source}' (FORMAT parquet)""")
    cases = write_csv(tmp_path / "cases.csv", GOOD_CASES, list(GOOD_CASES[0]))
    with pytest.raises(CopresenceInputError, match=r"visits.parquet, row 2, column end: end is before start"):
        find_copresence(source, cases, tmp_path / "out.csv")


def test_csv_times_carry_the_offset_and_parquet_holds_instants(tmp_path):
    import duckdb

    visits = write_csv(tmp_path / "visits.csv", GOOD_VISITS, list(GOOD_VISITS[0]))
    cases = write_csv(tmp_path / "cases.csv", GOOD_CASES, list(GOOD_CASES[0]))
    summary = find_copresence(visits, cases, tmp_path / "out.csv")
    assert (summary.visits_read, summary.cases, summary.pairs) == (3, 1, 1)
    with open(tmp_path / "out.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows == [{"case_id": "a", "contact_id": "b", "copresent_minutes": "30.0",
                     "first_contact": "2024-01-01T08:00:00+08:00", "last_contact": "2024-01-01T08:30:00+08:00",
                     "places": "p1"}]
    find_copresence(visits, cases, tmp_path / "out.parquet")
    first = duckdb.sql(f"SELECT epoch(first_contact) FROM '{tmp_path / 'out.parquet'}'").fetchall()[0][0]
    assert first == T0


def test_headers_match_as_the_engines_match_them_and_empty_inputs_find_nobody(tmp_path):
    (tmp_path / "visits.csv").write_text("\ufeffPerson_ID, place_id ,Start,END\r\na,p1,2024-01-01T08:00:00,\r\n"
                                         "b,p1,2024-01-01T08:00:00,\r\n", encoding="utf-8")
    cases = write_csv(tmp_path / "cases.csv", GOOD_CASES, list(GOOD_CASES[0]))
    assert find_copresence(tmp_path / "visits.csv", cases, tmp_path / "out.csv").pairs == 1
    (tmp_path / "empty.csv").write_text("person_id,place_id,start,end\n")
    summary = find_copresence(tmp_path / "empty.csv", cases, tmp_path / "none.csv")
    assert (summary.visits_read, summary.pairs) == (0, 0)
    assert (tmp_path / "none.csv").read_text().splitlines() == [
        "case_id,contact_id,copresent_minutes,first_contact,last_contact,places"]


def test_progress_is_reported_between_stages():
    calls = []
    find_copresence_rows(GOOD_VISITS, GOOD_CASES, progress=lambda *a: calls.append(a))
    assert calls[0] == ("read cases", 0, 6) and calls[-1] == ("done", 6, 6)
    assert [done for _, done, _ in calls] == list(range(7))


def test_a_bad_row_in_a_glob_of_csv_files_names_its_file(tmp_path):
    write_csv(tmp_path / "visits-0.csv", GOOD_VISITS, list(GOOD_VISITS[0]))
    write_csv(tmp_path / "visits-1.csv", [GOOD_VISITS[0], {**GOOD_VISITS[0], "place_id": ""}], list(GOOD_VISITS[0]))
    cases = write_csv(tmp_path / "cases.csv", GOOD_CASES, list(GOOD_CASES[0]))
    with pytest.raises(CopresenceInputError, match=r"visits-1.csv, line 3, column place_id: place_id is empty"):
        find_copresence(tmp_path / "visits-*.csv", cases, tmp_path / "out.csv")
