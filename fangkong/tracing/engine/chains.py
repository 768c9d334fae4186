"""The transmission graph as plain data: clusters, generations, serial intervals and cluster growth.

No Django here. A link is (infector, infectee); a case appears as any hashable id. The command module reads
`serial_intervals` for Rt.
"""

from collections import defaultdict, deque
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import date
from statistics import fmean, pstdev

Edge = tuple[Hashable, Hashable]


def would_create_cycle(edges: Iterable[Edge], infector: Hashable, infectee: Hashable) -> bool:
    """True when infectee already reaches infector (or is it): adding infector → infectee closes a circle."""
    if infector == infectee:
        return True
    downstream = defaultdict(list)
    for a, b in edges:
        downstream[a].append(b)
    seen, queue = {infectee}, deque([infectee])
    while queue:
        node = queue.popleft()
        for nxt in downstream.get(node, ()):
            if nxt == infector:
                return True
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return False


def clusters(cases: Iterable[Hashable], edges: Iterable[Edge]) -> dict[Hashable, Hashable]:
    """Connected components of the links (direction ignored): case → the smallest case id of its component.
    Cases with no link are clusters of one."""
    parent: dict = {}

    def find(x):
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for case in cases:
        parent.setdefault(case, case)
    for a, b in edges:
        parent.setdefault(a, a)
        parent.setdefault(b, b)
        ra, rb = find(a), find(b)
        if ra != rb:
            # Keep the smaller id as the root, so the label does not depend on the order of the links.
            if rb < ra:
                ra, rb = rb, ra
            parent[rb] = ra
    members = defaultdict(list)
    for case in parent:
        members[find(case)].append(case)
    return {case: min(group) for group in members.values() for case in group}


def generations(cases: Iterable[Hashable], edges: Iterable[Edge]) -> dict[Hashable, int]:
    """Generation of each case: 1 for a case nobody is known to have infected, else one more than the lowest
    generation among its infectors (the shortest chain from an index case). The links must have no cycle."""
    upstream = defaultdict(list)
    downstream = defaultdict(list)
    nodes = set(cases)
    for a, b in edges:
        upstream[b].append(a)
        downstream[a].append(b)
        nodes.update((a, b))
    result = {node: 1 for node in nodes if not upstream.get(node)}
    queue = deque(sorted(result, key=repr))
    while queue:
        node = queue.popleft()
        for nxt in downstream.get(node, ()):
            if nxt not in result:
                result[nxt] = result[node] + 1
                queue.append(nxt)
    for node in nodes:  # on a cycle with no index case: left unplaced by BFS, reported as 0
        result.setdefault(node, 0)
    return result


@dataclass(frozen=True)
class SerialIntervals:
    days: tuple[int, ...]  # infectee onset minus infector onset, one per linked pair with both onsets known
    mean: float | None
    sd: float | None

    @property
    def count(self) -> int:
        return len(self.days)


def serial_intervals(edges: Iterable[Edge], onsets: dict[Hashable, date | None]) -> SerialIntervals:
    """Serial intervals from linked pairs; negative values (the infectee's symptoms first) are kept."""
    days = tuple(sorted((onsets[b] - onsets[a]).days for a, b in edges if onsets.get(a) and onsets.get(b)))
    if not days:
        return SerialIntervals((), None, None)
    return SerialIntervals(days, fmean(days), pstdev(days) if len(days) > 1 else 0.0)


def cluster_growth(reported: dict[Hashable, date], members: Iterable[Hashable]) -> list[tuple[date, int]]:
    """Cumulative size of a cluster by report date: [(day, size so far)], one row per day with a new case."""
    per_day = defaultdict(int)
    for case in members:
        if case in reported:
            per_day[reported[case]] += 1
    total, rows = 0, []
    for day in sorted(per_day):
        total += per_day[day]
        rows.append((day, total))
    return rows
