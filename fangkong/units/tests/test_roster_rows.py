"""The row checks of the staff list against a plain reference: which lines a file with repeated and mistyped IDs
must reject."""

from hypothesis import given, settings
from hypothesis import strategies as st

from fangkong.core.imports import ImportReport
from fangkong.units.roster import _check_row
from fangkong.units.tests.conftest import make_id

IDS = [make_id(n) for n in range(1, 9)]


def _broken(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(IDS) - 1), st.booleans()), min_size=1, max_size=12))
def test_rejected_lines_are_the_mistyped_ids_and_every_repeat_after_the_first(rows):
    # given: the reference — a line is wrong if its ID is mistyped, or a valid ID already seen on an earlier line
    expected, seen = set(), set()
    for line, (index, mistyped) in enumerate(rows, 2):
        if mistyped or IDS[index] in seen:
            expected.add(line)
        else:
            seen.add(IDS[index])
    # when
    report, first_line = ImportReport(), {}
    for line, (index, mistyped) in enumerate(rows, 2):
        number = _broken(IDS[index]) if mistyped else IDS[index]
        _check_row(line, {"name": "甲", "id_number": number}, first_line, report)
    # then
    assert {e.line for e in report.errors} == expected
