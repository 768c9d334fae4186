import csv
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

START = date(2026, 3, 1)


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def run(incidence, out, *extra):
    stdout = StringIO()
    arguments = ["--incidence", str(incidence), "--si-mean", "4", "--si-sd", "2", "--out", str(out), *extra]
    call_command("rt", *arguments, stdout=stdout)
    return stdout.getvalue()


def test_good_file_gives_one_row_per_window_with_missing_days_counted_as_zero(tmp_path):
    lines = ["date,cases,imported"]
    for i in range(20):
        if i == 5:
            continue  # a day nobody reported: a day with no cases
        lines.append(f"{START + timedelta(days=i)},{10 + 2 * i},{1 if i < 3 else 0}")
    incidence = write(tmp_path / "incidence.csv", "\n".join(lines) + "\n")
    out = tmp_path / "rt.csv"

    message = run(incidence, out)

    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["t_start", "t_end", "mean", "sd", "q025", "q50", "q975", "status"]
    assert len(rows) == 20 - 7  # all 20 days, the unreported one included
    assert rows[0]["t_start"] == "2026-03-02" and rows[0]["t_end"] == "2026-03-08"
    assert rows[-1]["t_end"] == "2026-03-20"
    assert all(row["status"] == "ok" for row in rows)
    assert all(float(row["q025"]) < float(row["q50"]) < float(row["q975"]) for row in rows)
    assert "13 windows" in message


def test_windows_without_enough_cases_are_written_with_their_reason_and_empty_numbers(tmp_path):
    body = "date,cases\n" + "".join(f"{START + timedelta(days=i)},1\n" for i in range(10))
    out = tmp_path / "rt.csv"
    run(write(tmp_path / "incidence.csv", body), out, "--window", "3")
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["status"] for row in rows} == {"too_few_cases"}
    assert all(row["mean"] == "" for row in rows)


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ("day,cases\n2026-03-01,1\n", "line 1: missing column 'date'"),
        ("date,imported\n2026-03-01,1\n", "line 1: missing column 'cases'"),
        ("date,cases\n2026-03-01,1\n2026-03-02,-3\n", "line 3, column 'cases': negative count"),
        ("date,cases,imported\n2026-03-01,1,0\n2026-03-02,1,two\n", "line 3, column 'imported': not a whole number"),
        ("date,cases\n2026-03-01,1\n2026-03-02,1.5\n", "line 3, column 'cases': not a whole number"),
        ("date,cases\n2026-03-01,1\n03/02/2026,1\n", "line 3, column 'date': not a date"),
        ("date,cases\n2026-03-01,1\n2026-03-03,1\n2026-03-02,1\n", "line 4, column 'date': date before"),
        ("date,cases\n2026-03-01,1\n2026-03-02,1\n2026-03-02,4\n", "line 4, column 'date': duplicate date"),
    ],
)
def test_bad_input_names_the_line_and_column_and_writes_nothing(tmp_path, body, where):
    out = tmp_path / "rt.csv"
    with pytest.raises(CommandError, match=where):
        run(write(tmp_path / "incidence.csv", body), out)
    assert not out.exists()


def test_too_short_a_series_for_the_window_is_refused(tmp_path):
    body = "date,cases\n" + "".join(f"{START + timedelta(days=i)},5\n" for i in range(7))
    out = tmp_path / "rt.csv"
    with pytest.raises(CommandError, match="at least 8 days"):
        run(write(tmp_path / "incidence.csv", body), out)
    assert not out.exists()
