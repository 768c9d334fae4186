import random
from collections import Counter, defaultdict
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fangkong.core.paths import child_path
from fangkong.demo.city import plan_city
from fangkong.demo.geometry import polygons_for, seed_geometry
from fangkong.territory.models import Level, Unit
from fangkong.territory.services import geometry_error

LON, LAT = (110.9, 112.2), (35.5, 36.6)


@pytest.fixture(scope="module")
def plan():
    return plan_city(persons=300_000, seed=7, first_unit_id=1)


@pytest.fixture(scope="module")
def polygons(plan):
    return polygons_for(plan.units)


def _ring(polygon):
    return [tuple(p) for p in polygon["coordinates"][0]]


def _signed_area(ring):
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False)) / 2


def _bbox(ring):
    xs, ys = [x for x, _ in ring], [y for _, y in ring]
    return min(xs), min(ys), max(xs), max(ys)


def _children(units):
    children = defaultdict(list)
    for unit in units:
        if unit.level <= Level.GRID:
            children[unit.parent_id].append(unit.id)
    return children


def assert_tiles_exactly(units, polygons):
    """Siblings cover their parent exactly: inner borders cancel out, what is left is the parent's own ring."""
    for parent_id, kids in _children(units).items():
        if parent_id is None:
            continue
        edges = Counter()
        for kid in kids:
            ring = _ring(polygons[kid])
            edges.update(zip(ring, ring[1:], strict=False))
        assert max(edges.values()) == 1, "two siblings run along the same border in the same direction (overlap)"
        outer = {edge for edge in edges if (edge[1], edge[0]) not in edges}
        parent_ring = _ring(polygons[parent_id])
        assert outer == set(zip(parent_ring, parent_ring[1:], strict=False)), "a gap or an overlap between siblings"
        areas = sum(_signed_area(_ring(polygons[kid])) for kid in kids)
        assert areas == pytest.approx(_signed_area(parent_ring), rel=1e-9)
        x0, y0, x1, y1 = _bbox(parent_ring)
        for kid in kids:
            for x, y in _ring(polygons[kid]):
                assert x0 <= x <= x1 and y0 <= y <= y1


def assert_valid(polygon):
    assert geometry_error(polygon) is None
    assert polygon["type"] == "Polygon" and len(polygon["coordinates"]) == 1
    ring = polygon["coordinates"][0]
    assert len(ring) >= 5 and ring[0] == ring[-1], "the ring is not closed"
    assert len(set(map(tuple, ring))) == len(ring) - 1, "the ring passes twice through a point"
    assert _signed_area(_ring(polygon)) > 0, "exterior rings run counter-clockwise (RFC 7946)"
    for lon, lat in ring:
        assert LON[0] < lon < LON[1] and LAT[0] < lat < LAT[1]
        assert round(lon, 5) == lon and round(lat, 5) == lat


def test_every_node_down_to_the_grid_has_a_valid_polygon_and_buildings_none(plan, polygons):
    expected = {unit.id for unit in plan.units if unit.level <= Level.GRID}
    assert set(polygons) == expected
    assert any(unit.level == Level.BUILDING for unit in plan.units)
    for polygon in polygons.values():
        assert_valid(polygon)


def test_siblings_tile_their_parent_exactly(plan, polygons):
    assert_tiles_exactly(plan.units, polygons)


def test_areas_follow_the_number_of_grids_below(plan, polygons):
    grids = Counter()
    by_id = {unit.id: unit for unit in plan.units}
    for unit in plan.units:
        if unit.level == Level.GRID:
            grids[unit.id] += 1
            parent = by_id[unit.parent_id]
            while parent is not None:
                grids[parent.id] += 1
                parent = by_id.get(parent.parent_id)
    city_density = grids[plan.city.id] / _signed_area(_ring(polygons[plan.city.id]))
    for district in plan.districts:
        density = grids[district.id] / _signed_area(_ring(polygons[district.id]))
        assert 0.8 < density / city_density < 1.25


def test_weights_set_the_areas():
    units = [SimpleNamespace(id=1, parent_id=None, level=Level.CITY),
             SimpleNamespace(id=2, parent_id=1, level=Level.DISTRICT),
             SimpleNamespace(id=3, parent_id=1, level=Level.DISTRICT),
             SimpleNamespace(id=4, parent_id=3, level=Level.STREET),
             SimpleNamespace(id=5, parent_id=3, level=Level.STREET)]
    polygons = polygons_for(units, weights={2: 3, 4: 0.5, 5: 0.5})
    ratio = _signed_area(_ring(polygons[2])) / _signed_area(_ring(polygons[3]))
    assert 2.5 < ratio < 3.5
    assert_tiles_exactly(units, polygons)


def test_the_same_tree_gives_the_same_polygons_whatever_the_order(plan, polygons):
    shuffled = list(plan.units)
    random.Random(3).shuffle(shuffled)
    assert polygons_for(shuffled) == polygons


@st.composite
def trees(draw):
    units = [SimpleNamespace(id=1, parent_id=None, level=Level.CITY)]
    frontier = [units[0]]
    for level in (Level.DISTRICT, Level.STREET, Level.COMMUNITY, Level.GRID):
        next_frontier = []
        for parent in frontier:
            for _ in range(draw(st.integers(1 if parent.level == Level.CITY else 0, 5))):
                unit = SimpleNamespace(id=len(units) + 1, parent_id=parent.id, level=level)
                units.append(unit)
                next_frontier.append(unit)
        frontier = next_frontier
    weights = draw(st.dictionaries(st.sampled_from([u.id for u in units]),
                                   st.floats(min_value=0, max_value=1000, allow_nan=False), max_size=10))
    return units, weights


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(trees())
def test_any_tree_is_tiled_exactly_by_valid_polygons(tree):
    units, weights = tree
    polygons = polygons_for(units, weights=weights)
    assert set(polygons) == {unit.id for unit in units}
    for polygon in polygons.values():
        assert_valid(polygon)
    assert_tiles_exactly(units, polygons)


def test_seed_geometry_writes_the_city_and_leaves_other_trees_alone(db):
    plan = plan_city(persons=2_000, seed=5, first_unit_id=1000)
    Unit.objects.bulk_create(plan.units)
    other = Unit.objects.create(id=1, level=Level.CITY, name="别处", code="OTHER", path=child_path("", 1), depth=0)

    written = seed_geometry(plan.city)

    expected = polygons_for(plan.units)
    assert written == len(expected)
    stored = dict(Unit.objects.filter(id__in=expected).values_list("id", "geometry"))
    assert stored == expected
    assert not Unit.objects.filter(level=Level.BUILDING, geometry__isnull=False).exists()
    other.refresh_from_db()
    assert other.geometry is None
