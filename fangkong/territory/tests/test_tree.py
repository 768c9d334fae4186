"""The materialised-path tree: subtree queries, renames and moves."""

import contextlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fangkong.audit.models import AuditEntry
from fangkong.core.paths import subtree_q
from fangkong.territory.models import Level, Unit
from fangkong.territory.services import unit_create, unit_move, unit_update

pytestmark = pytest.mark.django_db


def _paths_consistent():
    """Every node's path is its parent's path plus its own id, and depth is the number of ancestors."""
    by_id = {u.pk: u for u in Unit.objects.all()}
    for unit in by_id.values():
        parent_path = by_id[unit.parent_id].path if unit.parent_id else "/"
        assert unit.path == f"{parent_path}{unit.pk}/", unit
        assert unit.depth == (by_id[unit.parent_id].depth + 1 if unit.parent_id else 0), unit


def test_subtree_of_a_district_is_its_branch(city):
    names = set(Unit.objects.filter(subtree_q("path", city.a.district.path)).values_list("name", flat=True))
    assert names == {"东城区", "东城街道", "东城一社区", "东城网格1", "东城1号楼"}


def test_move_rewrites_paths_and_depths_of_the_whole_subtree(city, hq):
    # given a second street in A with a community
    street2 = unit_create(parent=city.a.district, level=Level.STREET, name="东城二街道", code="630801002")
    # when the first community (with its grid and building) moves under the new street, then under the district
    unit_move(unit=city.a.community, new_parent=street2, actor=hq)
    # then the grid and building follow
    building = Unit.objects.get(pk=city.a.building.pk)
    assert building.path.startswith(street2.path)
    assert set(Unit.objects.filter(subtree_q("path", street2.path)).values_list("name", flat=True)) == {
        "东城二街道", "东城一社区", "东城网格1", "东城1号楼"}
    assert not Unit.objects.filter(subtree_q("path", city.a.street.path)).exclude(pk=city.a.street.pk).exists()
    _paths_consistent()

    moved = unit_move(unit=Unit.objects.get(pk=city.a.grid.pk), new_parent=city.a.street, actor=hq)
    assert moved.depth == 3 and Unit.objects.get(pk=city.a.building.pk).depth == 4
    _paths_consistent()
    assert AuditEntry.objects.filter(action="move", object_id=city.a.grid.pk).exists()


def test_move_uses_one_update_for_the_subtree(city, hq, django_assert_max_num_queries):
    street2 = unit_create(parent=city.a.district, level=Level.STREET, name="东城二街道", code="630801002")
    for i in range(30):
        unit_create(parent=city.a.grid, level=Level.BUILDING, name=f"{i}号楼", code=f"B{i}")
    with django_assert_max_num_queries(12):
        unit_move(unit=city.a.community, new_parent=street2, actor=hq)
    _paths_consistent()


def test_move_under_own_descendant_is_refused(city, hq):
    with pytest.raises(ValidationError):
        unit_move(unit=city.a.street, new_parent=city.a.grid, actor=hq)
    with pytest.raises(ValidationError):
        unit_move(unit=city.a.street, new_parent=city.a.street, actor=hq)
    assert Unit.objects.get(pk=city.a.grid.pk).path == city.a.grid.path


def test_move_must_keep_levels_descending(city, hq):
    with pytest.raises(ValidationError):
        unit_move(unit=city.a.community, new_parent=city.b.grid, actor=hq)


def test_move_outside_scope_changes_nothing(city, officer_a):
    before = dict(Unit.objects.values_list("pk", "path"))
    with pytest.raises(PermissionDenied):
        unit_move(unit=city.a.community, new_parent=city.b.street, actor=officer_a)
    with pytest.raises(PermissionDenied):
        unit_move(unit=city.b.community, new_parent=city.a.street, actor=officer_a)
    assert dict(Unit.objects.values_list("pk", "path")) == before


def test_officer_cannot_move_own_scope_node(city, officer_a):
    with pytest.raises((ValidationError, PermissionDenied)):
        unit_move(unit=city.a.district, new_parent=city.city, actor=officer_a)


def test_update_renames_and_audits(city, officer_a):
    polygon = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}
    unit = unit_update(unit=city.a.street, name=" 东城新街道 ", code="630801009", geometry=polygon, actor=officer_a)
    unit.refresh_from_db()
    assert (unit.name, unit.code, unit.geometry) == ("东城新街道", "630801009", polygon)
    entry = AuditEntry.objects.get(action="update", object_id=unit.pk)
    assert entry.changes["name"] == ["东城街道", "东城新街道"]
    assert entry.actor == officer_a


@pytest.mark.parametrize("change", [
    {"name": "  "},
    {"code": "630802"},  # district B's code
    {"geometry": {"type": "Polygon"}},
    {"geometry": {"kind": "nothing"}},
])
def test_update_rejects_bad_input(city, officer_a, change):
    with pytest.raises(ValidationError):
        unit_update(unit=city.a.street, actor=officer_a, **change)
    street = Unit.objects.get(pk=city.a.street.pk)
    assert (street.name, street.code, street.geometry) == ("东城街道", "630801001", None)


def test_update_outside_scope_is_refused(city, officer_a):
    with pytest.raises(PermissionDenied):
        unit_update(unit=city.b.street, name="改名", actor=officer_a)
    assert Unit.objects.get(pk=city.b.street.pk).name == "西城街道"


# A random tree as a list of parent indexes: node i hangs under an earlier node (or is the root).
random_trees = st.integers(min_value=1, max_value=40).flatmap(
    lambda n: st.tuples(*[st.just(None)] + [st.integers(min_value=0, max_value=i - 1) for i in range(1, n)])
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parents=random_trees, moves=st.lists(st.tuples(st.integers(0, 39), st.integers(0, 39)), max_size=5))
def test_subtree_q_matches_a_prefix_walk(db, parents, moves):
    with transaction.atomic():
        _check_random_tree(parents, moves)
        transaction.set_rollback(True)


def _check_random_tree(parents, moves):
    nodes = []
    for parent_index in parents:
        parent = nodes[parent_index] if parent_index is not None else None
        # Levels are not the point here: give every node a level below its parent's, capped at building.
        level = min(parent.level + 1, Level.BUILDING) if parent else Level.CITY
        if parent is not None and parent.level == Level.BUILDING:
            parent = nodes[0]
        node = Unit(parent=parent, level=level, name=str(len(nodes)), code=f"n{len(nodes)}",
                    path=f"/tmp{len(nodes)}/", depth=parent.depth + 1 if parent else 0)
        node.save()
        node.path = f"{parent.path if parent else '/'}{node.pk}/"
        node.save(update_fields=["path"])
        nodes.append(node)
    for unit_index, parent_index in moves:
        if unit_index >= len(nodes) or parent_index >= len(nodes):
            continue
        with contextlib.suppress(ValidationError):
            unit_move(unit=nodes[unit_index], new_parent=nodes[parent_index], actor=None)

    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Unit.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    for node in Unit.objects.all():
        # Reference: walk the parent links down from the node, in plain Python.
        expected, stack = set(), [node.pk]
        while stack:
            current = stack.pop()
            expected.add(current)
            stack.extend(children.get(current, []))
        assert set(Unit.objects.filter(subtree_q("path", node.path)).values_list("pk", flat=True)) == expected
    _paths_consistent()
