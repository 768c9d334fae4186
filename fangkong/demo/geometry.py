"""Synthetic polygons for the demo city: every node down to the grid gets a GeoJSON polygon.

Each node's rectangle is cut among its children by a squarified treemap, so siblings tile their parent exactly and
their areas follow their size (grids below them, or the weights passed in). The rectangles are laid out on an
integer lattice (1e-5 degree, the precision of the output), then bent by one smooth, invertible warp so that borders
wiggle like real ones. Every edge carries every lattice corner that lies on it, plus sample points at fixed global
positions; two cells sharing a border therefore list the same vertices along it, and the warp, applied vertex by
vertex, keeps it shared exactly (no gaps, no overlap).
"""

import math
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping

from django.db import transaction

from fangkong.core.paths import subtree_q
from fangkong.territory.models import Level, Unit

SCALE = 100_000  # lattice units per degree: coordinates come out rounded to 5 decimals
# The fictional city's box (lon, lat), kept inside 110.9–112.2 × 35.5–36.6 with room for the warp.
CITY_BOX = (11_095_000, 3_555_000, 11_215_000, 3_655_000)
# A degree of longitude is shorter than a degree of latitude here (cos 36° ≈ 0.81): cells are squarified as drawn.
LON_ASPECT = 0.81
SAMPLE_STEP = 250  # lattice units between sample points on long edges, so that the warp shows as a curve
# The smallest share a child gets, as a fraction of its siblings' mean: a node with nothing below it stays visible.
MIN_SHARE = 0.05
# (amplitude in degrees, wavelength in degrees, direction, phase). Σ 2π·amplitude/wavelength stays below 0.4 per axis,
# well below 1, so the warp stays one-to-one and no cell folds over.
WARP_X = ((0.020, 0.90, (0.6, 0.8), 0.3), (0.0030, 0.15, (-0.7, 0.7), 1.9), (0.0003, 0.020, (0.2, 1.0), 4.1))
WARP_Y = ((0.020, 1.00, (0.9, -0.4), 2.2), (0.0030, 0.14, (0.5, 0.9), 0.7), (0.0003, 0.022, (1.0, 0.1), 5.3))

Rect = tuple[int, int, int, int]  # x0, y0, x1, y1 in lattice units


def polygons_for(units: Iterable, weights: Mapping[int, float] | None = None) -> dict[int, dict]:
    """A GeoJSON Polygon for every unit of level ≤ GRID, by unit id. Buildings are skipped.

    `units` need `id`, `parent_id` and `level` (Unit objects as plan_city makes them, saved or not). A node's size is
    `weights[id]` when given, else the sum of its children's sizes, a childless node counting 1 (so by default the
    number of grids below it). Nodes whose parent is not among `units` share the city's box.
    """
    nodes = [(u.id, u.parent_id, u.level) for u in units if u.level <= Level.GRID]
    ids = {node_id for node_id, _, _ in nodes}
    children: dict[int | None, list[int]] = defaultdict(list)
    for node_id, parent_id, _ in sorted(nodes):
        children[parent_id if parent_id in ids else None].append(node_id)
    sizes = _sizes(children, weights or {})
    rects: dict[int, Rect] = {}
    stack = [(None, CITY_BOX)]
    while stack:
        parent, rect = stack.pop()
        kids = children.get(parent)
        if not kids:
            continue
        for child, child_rect in _squarify(kids, sizes, rect):
            rects[child] = child_rect
            stack.append((child, child_rect))
    return _polygons(rects)


def seed_geometry(city: Unit) -> int:
    """Give the city and every node below it down to the grid its synthetic polygon; returns how many."""
    rows = Unit.objects.filter(subtree_q("path", city.path), level__lte=Level.GRID).values_list(
        "id", "parent_id", "level")
    units = [Unit(id=unit_id, parent_id=parent_id, level=level) for unit_id, parent_id, level in rows]
    polygons = polygons_for(units)
    for unit in units:
        unit.geometry = polygons[unit.id]
    with transaction.atomic():
        Unit.objects.bulk_update(units, ["geometry"], batch_size=1000)
    return len(units)


def _sizes(children: Mapping[int | None, list[int]], weights: Mapping[int, float]) -> dict[int, float]:
    order: list[int] = []  # parents before children
    frontier = list(children.get(None, []))
    while frontier:
        order += frontier
        frontier = [kid for node in frontier for kid in children.get(node, [])]
    sizes: dict[int, float] = {}
    for node in reversed(order):
        if node in weights:
            sizes[node] = float(weights[node])
        else:
            kids = children.get(node)
            sizes[node] = sum(sizes[kid] for kid in kids) if kids else 1.0
    return sizes


def _squarify(kids: list[int], sizes: Mapping[int, float], rect: Rect) -> list[tuple[int, Rect]]:
    """Cut `rect` among `kids` (squarified treemap, Bruls et al.), on the lattice, every piece at least 1×1."""
    positive = [max(sizes.get(kid, 0.0), 0.0) for kid in kids]
    mean = sum(positive) / len(positive) or 1.0
    weighted = sorted(((max(w, MIN_SHARE * mean), kid) for w, kid in zip(positive, kids, strict=True)),
                      key=lambda item: (-item[0], item[1]))
    out: list[tuple[int, Rect]] = []
    x0, y0, x1, y1 = rect
    rest = weighted
    while rest:
        width, height = (x1 - x0) * LON_ASPECT, y1 - y0
        total = sum(w for w, _ in rest)
        scale = width * height / total  # drawn area per unit of weight
        short = min(width, height)
        row = [rest[0]]
        row_sum = rest[0][0]
        best = _worst(row_sum, rest[0][0], rest[0][0], short, scale)
        for item in rest[1:]:
            candidate = _worst(row_sum + item[0], row[0][0], item[0], short, scale)
            if candidate > best:
                break
            row.append(item)
            row_sum += item[0]
            best = candidate
        rest = rest[len(row):]
        last = not rest
        fraction = row_sum / total
        if width >= height:  # a vertical strip on the left
            cut = x1 if last else _clamp(round(x0 + fraction * (x1 - x0)), x0 + 1, x1 - 1)
            for (_, kid), (a, b) in zip(row, _cuts(y0, y1, [w for w, _ in row]), strict=True):
                out.append((kid, (x0, a, cut, b)))
            x0 = cut
        else:  # a horizontal strip at the bottom
            cut = y1 if last else _clamp(round(y0 + fraction * (y1 - y0)), y0 + 1, y1 - 1)
            for (_, kid), (a, b) in zip(row, _cuts(x0, x1, [w for w, _ in row]), strict=True):
                out.append((kid, (a, y0, b, cut)))
            y0 = cut
    return out


def _worst(row_sum: float, largest: float, smallest: float, short: float, scale: float) -> float:
    """The worst aspect ratio in a row (its items are sorted, so the extremes are its first and last)."""
    area = row_sum * scale
    side2 = short * short
    return max(side2 * largest * scale / (area * area), area * area / (side2 * smallest * scale))


def _cuts(start: int, end: int, weights: list[float]) -> list[tuple[int, int]]:
    total = sum(weights)
    spans, low, acc = [], start, 0.0
    for i, weight in enumerate(weights):
        acc += weight
        remaining = len(weights) - i - 1
        high = end if not remaining else _clamp(round(start + acc / total * (end - start)), low + 1, end - remaining)
        spans.append((low, high))
        low = high
    return spans


def _clamp(value: int, low: int, high: int) -> int:
    # A parent narrower than its children count cannot give each a lattice unit: the cut falls back to `low`.
    return max(low, min(value, high)) if low <= high else low


def _polygons(rects: Mapping[int, Rect]) -> dict[int, dict]:
    """Rings through every lattice corner on each edge (and the global sample points), warped and rounded."""
    on_x: dict[int, set[int]] = defaultdict(set)  # x → ys of corners on the vertical line x
    on_y: dict[int, set[int]] = defaultdict(set)
    for x0, y0, x1, y1 in rects.values():
        for x in (x0, x1):
            on_x[x].update((y0, y1))
        for y in (y0, y1):
            on_y[y].update((x0, x1))
    by_x = {x: sorted(ys) for x, ys in on_x.items()}
    by_y = {y: sorted(xs) for y, xs in on_y.items()}
    warped: dict[tuple[int, int], list[float]] = {}

    def point(x: int, y: int) -> list[float]:
        found = warped.get((x, y))
        if found is None:
            found = warped[(x, y)] = _warp(x, y)
        return found

    polygons = {}
    for unit_id, (x0, y0, x1, y1) in rects.items():
        ring: list[tuple[int, int]] = [(x0, y0)]
        ring += [(x, y0) for x in _between(by_y[y0], x0, x1)] + [(x1, y0)]
        ring += [(x1, y) for y in _between(by_x[x1], y0, y1)] + [(x1, y1)]
        ring += [(x, y1) for x in reversed(_between(by_y[y1], x0, x1))] + [(x0, y1)]
        ring += [(x0, y) for y in reversed(_between(by_x[x0], y0, y1))] + [(x0, y0)]
        coordinates: list[list[float]] = []
        for x, y in ring:
            p = point(x, y)
            if not coordinates or coordinates[-1] != p:  # two lattice points may round to one
                coordinates.append(p)
        polygons[unit_id] = {"type": "Polygon", "coordinates": [coordinates]}
    return polygons


def _between(corners: list[int], low: int, high: int) -> list[int]:
    """Corners and sample positions strictly between low and high, ascending."""
    inner = corners[bisect_right(corners, low):bisect_left(corners, high)]
    samples = range((low // SAMPLE_STEP + 1) * SAMPLE_STEP, high, SAMPLE_STEP)
    if not inner:
        return list(samples)
    return sorted(set(inner).union(samples))


def _warp(x: int, y: int) -> list[float]:
    lon, lat = x / SCALE, y / SCALE
    dx = sum(a * math.sin(2 * math.pi * (cx * lon + cy * lat) / length + phase)
             for a, length, (cx, cy), phase in WARP_X)
    dy = sum(a * math.sin(2 * math.pi * (cx * lon + cy * lat) / length + phase)
             for a, length, (cx, cy), phase in WARP_Y)
    return [round(lon + dx, 5), round(lat + dy, 5)]
