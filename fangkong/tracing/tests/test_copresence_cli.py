"""`fangkong copresence` on CSV and Parquet files; no database."""

import csv
import subprocess
import sys
from io import StringIO
from pathlib import Path

import duckdb
import pytest
from django.core.management import CommandError, call_command

VISITS = """person_id,place_id,start,end
case1,grid-0815,2024-05-01T08:00:00,2024-05-01T09:00:00
case1,mall-7,2024-05-02T14:00:00,2024-05-02T15:00:00
n1,grid-0815,2024-05-01T08:20:00,
n1,mall-7,2024-05-02T14:50:00,2024-05-02T16:00:00
n2,grid-0815,1714521600,1714522200
n3,mall-7,2024-05-02T06:00:00+00:00,2024-05-02T06:05:00+00:00
"""
CASES = """case_id,window_start,window_end
case1,2024-04-28T00:00:00,2024-05-03T00:00:00
"""


@pytest.fixture
def files(tmp_path):
    (tmp_path / "visits.csv").write_text(VISITS)
    (tmp_path / "cases.csv").write_text(CASES)
    return tmp_path


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("copresence", *args, stdout=out, stderr=err)
    return out.getvalue()


def test_csv_in_csv_out(files):
    printed = run("--visits", str(files / "visits.csv"), "--cases", str(files / "cases.csv"),
                  "--out", str(files / "pairs.csv"))
    assert "[1/6] read cases" in printed and "2 pairs written" in printed
    with open(files / "pairs.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    # n1: 30 min at home (the default dwell) + 10 min at the mall; n2 10 min; n3 only 5 min.
    assert [(r["contact_id"], float(r["copresent_minutes"]), r["places"]) for r in rows] == [
        ("n1", 40.0, "grid-0815;mall-7"), ("n2", 10.0, "grid-0815")]
    assert rows[0]["first_contact"] == "2024-05-01T08:20:00+08:00"
    assert rows[0]["last_contact"] == "2024-05-02T15:00:00+08:00"


def test_parquet_in_parquet_out_with_a_lower_threshold(files):
    for name in ("visits", "cases"):
        duckdb.sql(f"COPY (FROM read_csv('{files / name}.csv', all_varchar=true)) TO '{files / name}.parquet'")
    run("--visits", str(files / "visits.parquet"), "--cases", str(files / "cases.parquet"),
        "--out", str(files / "pairs.parquet"), "--min-minutes", "5", "--default-dwell-minutes", "15",
        "--memory-limit", "1GB", "--threads", "1")
    rows = duckdb.sql(f"SELECT contact_id, copresent_minutes FROM '{files / 'pairs.parquet'}'").fetchall()
    assert rows == [("n1", 25.0), ("n2", 10.0), ("n3", 5.0)]


def test_bad_input_fails_and_leaves_no_output(files):
    (files / "visits.csv").write_text(VISITS + "n4,mall-7,2024-05-02T15:00:00,2024-05-02T14:00:00\n")
    with pytest.raises(CommandError, match=r"visits.csv, line 8, column end: end is before start"):
        run("--visits", str(files / "visits.csv"), "--cases", str(files / "cases.csv"),
            "--out", str(files / "pairs.csv"))
    assert sorted(p.name for p in files.iterdir()) == ["cases.csv", "visits.csv"]


def test_the_console_script_exits_non_zero_with_the_message_on_stderr(files):
    (files / "cases.csv").write_text(CASES + "case1,2024-04-29T00:00:00,2024-05-03T00:00:00\n")
    manage = Path(__file__).resolve().parents[3] / "manage.py"
    done = subprocess.run([sys.executable, str(manage), "copresence", "--visits", str(files / "visits.csv"),
                           "--cases", str(files / "cases.csv"), "--out", str(files / "pairs.csv")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "case_id 'case1' is listed twice" in done.stderr and "line 2 and" in done.stderr
    assert not (files / "pairs.csv").exists()
