"""The transmission-graph engine against brute-force references on random small graphs."""

import datetime
from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fangkong.tracing.engine.chains import (
    cluster_growth,
    clusters,
    generations,
    serial_intervals,
    would_create_cycle,
)

NODES = 8
nodes_st = st.sets(st.integers(0, NODES - 1), max_size=NODES)
edges_st = st.lists(st.tuples(st.integers(0, NODES - 1), st.integers(0, NODES - 1)).filter(lambda e: e[0] != e[1]),
                    max_size=14)
# Acyclic: every link goes from a lower to a higher id.
dag_st = edges_st.map(lambda edges: [(min(a, b), max(a, b)) for a, b in edges])


def reach(edges, nodes):
    """Transitive closure by Floyd–Warshall: reach[a][b] when b can be reached from a by one or more links."""
    r = {a: {b: False for b in nodes} for a in nodes}
    for a, b in edges:
        r[a][b] = True
    for k, i, j in product(nodes, nodes, nodes):
        if r[i][k] and r[k][j]:
            r[i][j] = True
    return r


def all_nodes(cases, edges):
    return set(cases) | {n for e in edges for n in e}


@settings(max_examples=200, deadline=None)
@given(nodes_st, edges_st)
def test_clusters_match_undirected_reachability(cases, edges):
    nodes = all_nodes(cases, edges)
    undirected = edges + [(b, a) for a, b in edges]
    r = reach(undirected, nodes)
    expected = {n: min([n] + [m for m in nodes if r[n][m]]) for n in nodes}
    assert clusters(cases, edges) == expected


@settings(max_examples=200, deadline=None)
@given(nodes_st, edges_st)
def test_generations_are_the_shortest_chain_from_an_index_case(cases, edges):
    nodes = all_nodes(cases, edges)
    infectors = {n: {a for a, b in edges if b == n} for n in nodes}
    # Bellman–Ford from every index case at once; nodes no index case reaches (on a circle) stay 0.
    gen = {n: 1 if not infectors[n] else None for n in nodes}
    for _round in range(len(nodes)):
        for a, b in edges:
            if gen[a] and (gen[b] is None or gen[a] + 1 < gen[b]) and infectors[b]:
                gen[b] = gen[a] + 1
    expected = {n: g or 0 for n, g in gen.items()}
    assert generations(cases, edges) == expected


@settings(max_examples=200, deadline=None)
@given(dag_st, st.integers(0, NODES - 1), st.integers(0, NODES - 1))
def test_would_create_cycle_matches_reachability(edges, infector, infectee):
    nodes = set(range(NODES))
    r = reach(edges, nodes)
    expected = infector == infectee or r[infectee][infector]
    assert would_create_cycle(edges, infector, infectee) == expected


@settings(max_examples=100, deadline=None)
@given(edges_st)
def test_links_added_through_the_check_never_make_a_circle(candidates):
    accepted = []
    for a, b in candidates:
        if not would_create_cycle(accepted, a, b):
            accepted.append((a, b))
    r = reach(accepted, set(range(NODES)))
    assert not any(r[n][n] for n in range(NODES))


def test_generations_of_a_small_chain():
    # 1 → 2 → 3, 1 → 3 (3 is second generation through the direct link), 4 alone.
    assert generations([1, 2, 3, 4], [(1, 2), (2, 3), (1, 3)]) == {1: 1, 2: 2, 3: 2, 4: 1}


D = datetime.date


def test_serial_intervals_keep_negative_values_and_skip_missing_onsets():
    onsets = {1: D(2026, 11, 1), 2: D(2026, 11, 5), 3: D(2026, 11, 4), 4: None, 5: D(2026, 11, 7)}
    result = serial_intervals([(1, 2), (1, 3), (2, 5), (5, 3), (1, 4)], onsets)
    assert result.days == (-3, 2, 3, 4)
    assert result.count == 4
    assert result.mean == pytest.approx(1.5)
    assert result.sd == pytest.approx((((-4.5) ** 2 + 0.5 ** 2 + 1.5 ** 2 + 2.5 ** 2) / 4) ** 0.5)


def test_serial_intervals_of_nothing_and_of_one_pair():
    assert serial_intervals([], {}).mean is None
    one = serial_intervals([(1, 2)], {1: D(2026, 11, 1), 2: D(2026, 11, 6)})
    assert (one.days, one.mean, one.sd) == ((5,), 5.0, 0.0)


def test_cluster_growth_is_cumulative_per_report_day():
    reported = {1: D(2026, 11, 1), 2: D(2026, 11, 1), 3: D(2026, 11, 3), 4: D(2026, 11, 4), 9: D(2026, 11, 2)}
    assert cluster_growth(reported, [1, 2, 3, 4, 7]) == [(D(2026, 11, 1), 2), (D(2026, 11, 3), 3),
                                                        (D(2026, 11, 4), 4)]
    assert cluster_growth(reported, []) == []
