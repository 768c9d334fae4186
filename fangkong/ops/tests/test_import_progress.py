"""`fangkong import people` and `fangkong import_people` draw a progress bar (ops.progress.TqdmProgress)."""

import io

import pytest
from django.core.management import call_command

from fangkong.ops import progress as progress_module
from fangkong.people.models import Person
from fangkong.people.tests.conftest import make_id
from fangkong.territory.models import Unit

ROWS = 1200


@pytest.fixture
def bar_calls(monkeypatch):
    calls = []
    real_init, real_call = progress_module.TqdmProgress.__init__, progress_module.TqdmProgress.__call__

    def init(bar, label="", **options):
        bar.label = label
        real_init(bar, label, **options)

    def record(bar, done, total=None):
        calls.append((bar.label, done, total))
        real_call(bar, done, total)

    monkeypatch.setattr(progress_module.TqdmProgress, "__init__", init)
    monkeypatch.setattr(progress_module.TqdmProgress, "__call__", record)
    return calls


@pytest.fixture
def people_csv(city, tmp_path):
    path = tmp_path / "people.csv"
    lines = ["name,id_number,building_code,door"]
    lines += [f"居民{i},{make_id(birth=f'19{50 + i // 1000}0101', seq=f'{i % 1000:03d}')},{city.a.building.code},{i}"
              for i in range(ROWS)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("command", [("import", "people"), ("import_people",)])
def test_people_import_from_the_shell_shows_its_progress(command, people_csv, bar_calls):
    call_command(*command, str(people_csv), stdout=io.StringIO())

    assert Person.objects.count() == ROWS
    descs = {desc for desc, _done, _total in bar_calls}
    assert len(descs) == 1 and "people" in descs.pop().lower()
    counts = [(done, total) for _desc, done, total in bar_calls]
    # The rows are checked in steps of 500, then all are written.
    assert counts == [(0, ROWS), (500, ROWS), (1000, ROWS), (ROWS, ROWS)]


def test_no_progress_hides_the_bar(people_csv, bar_calls, capsys):
    call_command("import", "people", str(people_csv), "--no-progress", stdout=io.StringIO())

    assert Person.objects.count() == ROWS
    assert "it/s" not in capsys.readouterr().err


@pytest.fixture
def tree_csv(tmp_path, db):
    path = tmp_path / "tree.csv"
    lines = ["code,parent_code,level,name", "C1,,1,测试市", "D1,C1,2,测试区", "S1,D1,3,测试街道", "M1,S1,4,测试社区"]
    lines += [f"G{g},M1,5,网格{g}" for g in range(TREE_GRIDS)]
    lines += [f"G{g}B{b},G{g},6,{b}号楼" for g in range(TREE_GRIDS) for b in range(TREE_BUILDINGS)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, len(lines) - 1


TREE_GRIDS, TREE_BUILDINGS = 30, 40


@pytest.mark.parametrize("command", [("import", "tree"), ("import_tree",)])
def test_tree_import_from_the_shell_shows_its_progress(command, tree_csv, bar_calls):
    path, rows = tree_csv

    call_command(*command, str(path), stdout=io.StringIO())

    assert Unit.objects.count() == rows
    assert {label for label, _done, _total in bar_calls} == {"Import tree"}
    counts = [done for _label, done, total in bar_calls]
    assert {total for _label, _done, total in bar_calls} == {2 * rows}
    # Each row counts once checked (in steps of 1,000) and once written (per level of the tree).
    assert counts[:3] == [0, 1000, rows]
    assert counts == sorted(counts) and counts[-1] == 2 * rows
    assert len(counts) > 5
