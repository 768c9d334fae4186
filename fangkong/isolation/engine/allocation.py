"""Rooms proposed for the whole placement queue at once (宁让房间等人，决不可让人等房间); an officer confirms or edits.

The rules, in the order they decide:
- A household (same `group`, same category, the category in `family_categories`) is one unit and gets one room with
  beds >= its size; anyone else is a unit of one. Units are served in queue order: the earliest member's
  `queued_at`, then the smallest id. A room holds one unit, so categories are never mixed in a room and no room is
  used twice; a room (or its site) reserved for a category only gets that category.
- Room type before distance: a person alone gets a single room wherever one is free, a family room only when no
  single fits anywhere; a household gets a family room before a (multi-bed) single. This keeps family rooms for
  families, at the price of sending someone alone further away.
- Then the nearest site: the one whose node path shares the most segments with the unit's (its earliest member's),
  ties by site id. A site never gives away its last `reserve` free rooms (all free rooms count, of any type).
- Within the site: a floor holding only this category, then an empty floor, then a floor already mixed with this
  category, then a floor holding only others (soft: mixing a floor is allowed, just tried last); then a room
  reserved for the category before an unrestricted one; then the fewest beds that fit; then floor and room id.
- A household with no room big enough is unplaced ("no_family_room", or "reserve" if only a reserve room is), or
  with `split_families=True` placed member by member as people alone, near its earliest member — all or none.

Reasons for the unplaced: "no_room" (nothing free fits), "reserve" (only a site's reserve would fit),
"no_family_room" (no room has beds for the whole household). Output depends only on the inputs' values, not their
order. Free rooms are indexed by (site, category, type) → floor → beds, so a unit costs a few dozen look-ups per
site tried, never a scan of all rooms.
"""

import bisect
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

CATEGORIES = frozenset({"close_contact", "secondary_contact", "arrival", "inbound", "other"})
KINDS = ("single", "family")
FAMILY_CATEGORIES = frozenset({"close_contact", "secondary_contact", "arrival", "inbound"})

NO_ROOM = "no_room"
RESERVE = "reserve"
NO_FAMILY_ROOM = "no_family_room"


@dataclass(frozen=True)
class Candidate:
    id: int
    category: str
    group: str  # household key; "" = alone
    path: str  # the person's node path, "/1/2/5/9/"
    queued_at: float


@dataclass(frozen=True)
class FreeRoom:
    id: int
    site: int
    floor: int
    beds: int
    kind: str  # "single" or "family"
    category: str  # "" = any, else only that category


@dataclass(frozen=True)
class SiteInfo:
    id: int
    path: str
    reserve: int = 0
    category: str = ""  # "" = any, else the whole site holds only this category
    occupied_categories: dict[int, frozenset[str]] = field(default_factory=dict)  # floor -> categories living there


@dataclass(frozen=True)
class Allocation:
    assignments: dict[int, int]  # candidate id -> room id
    unplaced: dict[int, str]  # candidate id -> reason code


def allocate(candidates: Iterable[Candidate], rooms: Iterable[FreeRoom], sites: Iterable[SiteInfo], *,
             family_categories: frozenset[str] = FAMILY_CATEGORIES, split_families: bool = False) -> Allocation:
    free = _FreeRooms(list(rooms), list(sites))
    assignments: dict[int, int] = {}
    unplaced: dict[int, str] = {}
    for category, members in households(candidates, family_categories):
        path = members[0].path
        room, reason = free.find(category, len(members), path)
        if room is not None:
            free.take(room, category)
            assignments.update((m.id, room) for m in members)
            continue
        if len(members) > 1 and split_families:
            taken = []
            for _ in members:
                room, member_reason = free.find(category, 1, path)
                if room is None:
                    break
                free.take(room, category)
                taken.append(room)
            else:
                assignments.update((m.id, r) for m, r in zip(members, taken, strict=True))
                continue
            for room in reversed(taken):
                free.give_back(room, category)
            reason = RESERVE if RESERVE in (reason, member_reason) else NO_ROOM
        elif len(members) > 1 and reason == NO_ROOM:
            reason = NO_FAMILY_ROOM
        unplaced.update((m.id, reason) for m in members)
    return Allocation(assignments=assignments, unplaced=unplaced)


def households(candidates: Iterable[Candidate], family_categories=FAMILY_CATEGORIES):
    """(category, members) per unit in queue order; members sorted by (queued_at, id)."""
    units: dict[tuple, list[Candidate]] = defaultdict(list)
    seen: set[int] = set()
    for c in candidates:
        if c.id in seen:
            raise ValueError(f"candidate {c.id} is in the queue twice")
        if c.category not in CATEGORIES:
            raise ValueError(f"candidate {c.id}: unknown category {c.category!r}")
        seen.add(c.id)
        key = ("household", c.group, c.category) if c.group and c.category in family_categories else ("alone", c.id)
        units[key].append(c)
    ordered = [sorted(members, key=lambda m: (m.queued_at, m.id)) for members in units.values()]
    ordered.sort(key=lambda members: (members[0].queued_at, members[0].id))
    return [(members[0].category, tuple(members)) for members in ordered]


def shared_segments(a: str, b: str) -> int:
    """How many leading node ids two materialised paths share ("/1/2/5/" and "/1/2/7/" share 2)."""
    n = 0
    for x, y in zip(a.strip("/").split("/"), b.strip("/").split("/"), strict=False):
        if x != y or not x:
            break
        n += 1
    return n


def floor_rank(present: Counter, category: str) -> int:
    """0 only this category on the floor, 1 empty, 2 this and others, 3 only others."""
    same = present[category] > 0
    others = any(n > 0 for c, n in present.items() if c != category)
    if not others:
        return 0 if same else 1
    return 2 if same else 3


class _FreeRooms:
    def __init__(self, rooms: list[FreeRoom], sites: list[SiteInfo]):
        self.sites = {}
        for s in sites:
            if s.id in self.sites:
                raise ValueError(f"site {s.id} given twice")
            if s.category and s.category not in CATEGORIES:
                raise ValueError(f"site {s.id}: unknown category {s.category!r}")
            self.sites[s.id] = s
        self.rooms: dict[int, FreeRoom] = {}
        self.left: Counter = Counter()  # free rooms per site, of any type and category
        self.floors: dict[tuple[int, int], Counter] = defaultdict(Counter)  # (site, floor) -> categories living
        # (site, category the room may hold or "", kind) -> floor -> beds -> room ids, ascending
        self.index: dict[tuple[int, str, str], dict[int, dict[int, list[int]]]] = defaultdict(dict)
        for s in self.sites.values():
            for floor, categories in s.occupied_categories.items():
                self.floors[(s.id, floor)].update(categories)
        for r in sorted(rooms, key=lambda r: r.id):
            if r.id in self.rooms:
                raise ValueError(f"room {r.id} given twice")
            if r.site not in self.sites:
                raise ValueError(f"room {r.id} is on unknown site {r.site}")
            if r.kind not in KINDS or r.beds < 1 or (r.category and r.category not in CATEGORIES):
                raise ValueError(f"room {r.id}: kind {r.kind!r}, beds {r.beds}, category {r.category!r}")
            self.rooms[r.id] = r
            self.left[r.site] += 1
            site_category = self.sites[r.site].category
            if site_category and r.category and site_category != r.category:
                continue  # reserved for two different categories: it can hold nobody
            self._put(r, site_category or r.category)
        self.nearest = lru_cache(maxsize=None)(self._nearest)

    def _nearest(self, path: str) -> tuple[int, ...]:
        return tuple(sorted(self.sites, key=lambda s: (-shared_segments(path, self.sites[s].path), s)))

    def _put(self, r: FreeRoom, allowed: str):
        bisect.insort(self.index[(r.site, allowed, r.kind)].setdefault(r.floor, {}).setdefault(r.beds, []), r.id)

    def find(self, category: str, size: int, path: str) -> tuple[int | None, str]:
        at_reserve = []
        for kind in (KINDS if size == 1 else KINDS[::-1]):
            for site in self.nearest(path):
                if self.left[site] <= self.sites[site].reserve:
                    at_reserve.append((site, kind))
                    continue
                room = self._best_in_site(site, category, kind, size)
                if room is not None:
                    return room, ""
        if any(self._best_in_site(site, category, kind, size) is not None for site, kind in at_reserve):
            return None, RESERVE
        return None, NO_ROOM

    def _best_in_site(self, site: int, category: str, kind: str, size: int) -> int | None:
        best = None
        for reserved_rank, allowed in enumerate((category, "")):
            for floor, by_beds in self.index.get((site, allowed, kind), {}).items():
                beds = min((b for b in by_beds if b >= size), default=None)
                if beds is None:
                    continue
                key = (floor_rank(self.floors[(site, floor)], category), reserved_rank, beds, floor,
                       by_beds[beds][0])
                if best is None or key < best:
                    best = key
        return None if best is None else best[-1]

    def _allowed(self, r: FreeRoom) -> str:
        return self.sites[r.site].category or r.category

    def take(self, room_id: int, category: str):
        r = self.rooms[room_id]
        floors = self.index[(r.site, self._allowed(r), r.kind)]
        ids = floors[r.floor][r.beds]
        ids.remove(room_id)
        if not ids:
            del floors[r.floor][r.beds]
            if not floors[r.floor]:
                del floors[r.floor]
        self.left[r.site] -= 1
        self.floors[(r.site, r.floor)][category] += 1

    def give_back(self, room_id: int, category: str):
        r = self.rooms[room_id]
        self._put(r, self._allowed(r))
        self.left[r.site] += 1
        self.floors[(r.site, r.floor)][category] -= 1
