"""Tree CSV import and export: all or nothing, any row order, round trip."""

import csv
import io
import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError

from fangkong.core.paths import subtree_q
from fangkong.territory.models import Level, Unit
from fangkong.territory.selectors import tree_export_rows
from fangkong.territory.services import tree_import_csv

pytestmark = pytest.mark.django_db

HEADER = "code,parent_code,level,name,geometry\n"


def _csv(*lines: str) -> bytes:
    return (HEADER + "\n".join(lines) + "\n").encode()


def _paths_consistent():
    by_id = {u.pk: u for u in Unit.objects.all()}
    for unit in by_id.values():
        parent = by_id.get(unit.parent_id)
        assert unit.path == f"{parent.path if parent else '/'}{unit.pk}/"
        assert unit.depth == (parent.depth + 1 if parent else 0)


def test_import_creates_a_branch_given_children_before_parents(city, officer_a):
    polygon = json.dumps({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]})
    source = _csv(
        "G9,C9,网格,东城九网格",
        f'B9,G9,6,九号楼,"{polygon.replace(chr(34), chr(34) * 2)}"',
        "C9,S9,community,东城九社区",
        "S9,630801,街道,东城九街道",
    )
    report = tree_import_csv(source=source, actor=officer_a)
    assert report.ok, report.errors
    assert (report.created, report.updated) == (4, 0)
    building = Unit.objects.get(code="B9")
    assert building.level == Level.BUILDING and building.geometry["type"] == "Polygon"
    assert [u.code for u in Unit.objects.filter(pk__in=building.ancestor_ids).order_by("depth")] == [
        "630800", "630801", "S9", "C9", "G9", "B9"]
    _paths_consistent()


def test_import_updates_existing_codes(city, officer_a):
    report = tree_import_csv(source=_csv("630801001,630801,3,东城新街道,", "N1,630801001,4,新社区,"),
                             actor=officer_a)
    assert report.ok, report.errors
    assert (report.created, report.updated) == (1, 1)
    assert Unit.objects.get(code="630801001").name == "东城新街道"


def test_rows_without_parent_code_go_under_the_root(city, officer_a):
    report = tree_import_csv(source=_csv("S7,,street,东城七街道,"), actor=officer_a, root=city.a.district)
    assert report.ok, report.errors
    assert Unit.objects.get(code="S7").parent == city.a.district


def test_bad_rows_are_each_reported_and_nothing_is_written(city, officer_a):
    count = Unit.objects.count()
    source = _csv(
        "S1,630801,street,好街道,",             # line 2: fine
        "S2,NOPE,street,无父街道,",              # line 3: unknown parent
        "S3,630801,floor,错级街道,",             # line 4: bad level
        "S4,630801,city,高级别,",                # line 5: level not below the parent's
        "S1,630801,street,重复,",                # line 6: duplicate code in the file
        "S5,630801,street,,",                    # line 7: empty name
        "S6,630801,street,坏多边形,{not json",  # line 8: malformed GeoJSON
        'S8,630801,street,缺坐标,"{""type"": ""Polygon""}"',  # line 9: GeoJSON without coordinates
        "S9,630802,street,外区街道,",            # line 10: parent in district B
    )
    report = tree_import_csv(source=source, actor=officer_a)
    assert not report.ok
    assert [e.line for e in report.errors] == [3, 4, 5, 6, 7, 8, 9, 10]
    messages = {e.line: e.message for e in report.errors}
    assert "NOPE" in messages[3]
    assert "floor" in messages[4]
    assert "line 2" in messages[6]
    assert "630802" in messages[10]
    assert Unit.objects.count() == count


def test_import_under_a_parent_outside_scope_is_refused(city, officer_a):
    count = Unit.objects.count()
    report = tree_import_csv(source=_csv("X1,630802001,4,外区社区,"), actor=officer_a)
    assert [e.line for e in report.errors] == [2]
    with pytest.raises(PermissionDenied):
        tree_import_csv(source=_csv("X1,,4,外区社区,"), actor=officer_a, root=city.b.street)
    assert Unit.objects.count() == count


def test_existing_code_outside_scope_cannot_be_renamed(city, officer_a):
    report = tree_import_csv(source=_csv("630802001,630802,3,被改名,"), actor=officer_a)
    assert [e.line for e in report.errors] == [2]
    assert Unit.objects.get(code="630802001").name == "西城街道"


def test_cycles_and_moves_are_rejected(city, officer_a):
    count = Unit.objects.count()
    report = tree_import_csv(source=_csv("P,Q,4,甲,", "Q,P,5,乙,", "630801001001,630801,4,搬家,"), actor=officer_a)
    assert {e.line for e in report.errors} >= {2, 3, 4}
    assert Unit.objects.count() == count


def test_empty_parent_without_root_needs_the_system(city, officer_a):
    assert [e.line for e in tree_import_csv(source=_csv("R,,1,新市,"), actor=officer_a).errors] == [2]
    report = tree_import_csv(source=_csv("R,,1,新市,", "R1,R,2,新区,"), actor=None)
    assert report.ok and Unit.objects.get(code="R1").parent.code == "R"


def test_missing_columns_and_grid_worker_refused(city, officer_a, grid_worker_a):
    report = tree_import_csv(source=b"code,name\nX,Y\n", actor=officer_a)
    assert report.errors[0].line == 1 and "parent_code" in report.errors[0].message
    with pytest.raises(PermissionDenied):
        tree_import_csv(source=_csv("X,630801001001G1,6,楼,"), actor=grid_worker_a)


def test_export_then_import_round_trips(city, hq):
    polygon = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}
    Unit.objects.filter(pk=city.a.grid.pk).update(geometry=polygon)
    rows = list(tree_export_rows(user=hq))
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    exported = buffer.getvalue()
    before = {u.code: (u.name, u.level, u.parent.code if u.parent else "", u.geometry)
              for u in Unit.objects.select_related("parent")}

    # Re-importing into the same tree changes nothing.
    report = tree_import_csv(source=exported, actor=hq)
    assert report.ok and (report.created, report.updated) == (0, 0)

    # Importing into an empty tree rebuilds it identically.
    hq.delete()
    Unit.objects.update(parent=None)
    Unit.objects.all().delete()
    report = tree_import_csv(source=exported.encode("utf-8-sig"), actor=None)
    assert report.ok, report.errors
    assert report.created == len(before)
    after = {u.code: (u.name, u.level, u.parent.code if u.parent else "", u.geometry)
             for u in Unit.objects.select_related("parent")}
    assert after == before
    _paths_consistent()


def test_officer_export_is_own_district_only(city, officer_a):
    codes = [row[0] for row in tree_export_rows(user=officer_a)][1:]
    assert set(codes) == {"630801", "630801001", "630801001001", "630801001001G1", "630801001001G1B1"}
    assert codes[0] == "630801"  # parents first


def test_large_import_runs_a_bounded_number_of_queries(city, django_assert_max_num_queries):
    lines = []
    for s in range(4):
        lines.append(f"S{s},630801,3,街道{s},")
        for c in range(5):
            lines.append(f"S{s}C{c},S{s},4,社区{c},")
            for g in range(5):
                lines.append(f"S{s}C{c}G{g},S{s}C{c},5,网格{g},")
                lines += [f"S{s}C{c}G{g}B{b},S{s}C{c}G{g},6,{b}号楼," for b in range(10)]
    lines.reverse()
    with django_assert_max_num_queries(40):
        report = tree_import_csv(source=_csv(*lines), actor=None)
    assert report.ok and report.created == len(lines) == 1124
    assert Unit.objects.filter(subtree_q("path", city.a.district.path)).count() == 1124 + 5
    _paths_consistent()


def test_import_command(city, tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_bytes(_csv("S1,630801,3,命令街道,"))
    call_command("import_tree", str(good))
    assert "1 nodes created" in capsys.readouterr().out

    bad = tmp_path / "bad.csv"
    bad.write_bytes(_csv("S2,NOPE,3,坏街道,", "S3,630801,9,坏级别,"))
    with pytest.raises(CommandError) as excinfo:
        call_command("import_tree", str(bad))
    assert excinfo.value.returncode == 1
    err = capsys.readouterr().err
    assert "bad.csv:2:" in err and "bad.csv:3:" in err
    assert not Unit.objects.filter(code__in=["S2", "S3"]).exists()


def test_a_large_tree_file_is_imported_by_a_job_and_the_page_shows_its_report(client, city, officer_a, monkeypatch,
                                                                               settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    import fangkong.territory.views

    monkeypatch.setattr(fangkong.territory.views, "INLINE_MAX_BYTES", 0)
    settings.MEDIA_ROOT = tmp_path
    client.force_login(officer_a)
    data = _csv(f"630801002,{city.a.district.code},street,东城二街道", "630801002001,630801002,community,二社区")

    response = client.post("/territory/import/", {"file": SimpleUploadedFile("tree.csv", data)})

    page = response.content.decode()
    assert "job-succeeded" in page and "2 nodes created" in page
    assert Unit.objects.get(code="630801002001").parent.code == "630801002"
