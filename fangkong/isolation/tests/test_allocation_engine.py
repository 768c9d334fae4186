"""Room allocation: every rule by example, then properties on random queues, and agreement with a plain scan."""

import os
import random
from collections import Counter, defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fangkong.isolation.engine.allocation import (
    FAMILY_CATEGORIES,
    KINDS,
    NO_FAMILY_ROOM,
    NO_ROOM,
    RESERVE,
    Candidate,
    FreeRoom,
    SiteInfo,
    allocate,
    floor_rank,
)

CC, SC, AR, IN, OT = "close_contact", "secondary_contact", "arrival", "inbound", "other"
STREET = "/1/2/5/"  # a street in district /1/2/ of city /1/


def person(id, category=CC, group="", path=STREET + "9/", at=None):
    return Candidate(id=id, category=category, group=group, path=path, queued_at=float(id if at is None else at))


def room(id, site=1, floor=1, beds=1, kind="single", category=""):
    return FreeRoom(id=id, site=site, floor=floor, beds=beds, kind=kind, category=category)


def site(id=1, path=STREET, reserve=0, category="", occupied=None):
    return SiteInfo(id=id, path=path, reserve=reserve, category=category, occupied_categories=occupied or {})


def allocate_by_scan(candidates, rooms, sites, *, family_categories=FAMILY_CATEGORIES, split_families=False):
    """The same rules as the engine, written as one scan of every free room per household (the benchmark's
    plain alternative too)."""
    sites = {s.id: s for s in sites}
    free = sorted(rooms, key=lambda r: r.id)
    left = Counter(r.site for r in free)
    living = defaultdict(Counter)
    for s in sites.values():
        for floor, categories in s.occupied_categories.items():
            living[(s.id, floor)].update(categories)

    def allowed(r):
        site_category = sites[r.site].category
        if site_category and r.category and site_category != r.category:
            return None
        return site_category or r.category

    def near(a, b):
        a, b = a.strip("/").split("/"), b.strip("/").split("/")
        return len(os.path.commonprefix([a, b]))

    def best(category, size, path):
        fits = [r for r in free if allowed(r) in (category, "") and r.beds >= size]
        open_ = [r for r in fits if left[r.site] > sites[r.site].reserve]
        if not open_:
            return None, RESERVE if fits else NO_ROOM
        kinds = KINDS if size == 1 else KINDS[::-1]
        closeness = {s.id: near(path, s.path) for s in sites.values()}
        return min(open_, key=lambda r: (kinds.index(r.kind), -closeness[r.site], r.site,
                                         floor_rank(living[(r.site, r.floor)], category), allowed(r) != category,
                                         r.beds, r.floor, r.id)), ""

    def take(r, category):
        free.remove(r)
        left[r.site] -= 1
        living[(r.site, r.floor)][category] += 1

    units = defaultdict(list)
    for c in candidates:
        units[(c.group, c.category) if c.group and c.category in family_categories else c.id].append(c)
    assignments, unplaced = {}, {}
    for members in sorted((sorted(m, key=lambda c: (c.queued_at, c.id)) for m in units.values()),
                          key=lambda m: (m[0].queued_at, m[0].id)):
        category, path = members[0].category, members[0].path
        r, reason = best(category, len(members), path)
        if r:
            take(r, category)
            assignments.update((m.id, r.id) for m in members)
            continue
        if len(members) > 1 and split_families:
            saved_free, saved_left, saved_living = list(free), Counter(left), {k: Counter(v) for k, v in living.items()}
            placed = {}
            for m in members:
                single, member_reason = best(category, 1, path)
                if single is None:
                    break
                take(single, category)
                placed[m.id] = single.id
            else:
                assignments.update(placed)
                continue
            free[:], left, living = saved_free, saved_left, defaultdict(Counter, saved_living)
            reason = RESERVE if RESERVE in (reason, member_reason) else NO_ROOM
        elif len(members) > 1 and reason == NO_ROOM:
            reason = NO_FAMILY_ROOM
        unplaced.update((m.id, reason) for m in members)
    return assignments, unplaced


# --- categories -------------------------------------------------------------------------------------------------

def test_one_household_of_two_categories_gets_two_rooms():
    result = allocate([person(1, CC, "h"), person(2, AR, "h")], [room(10, beds=4, kind="family"), room(11)], [site()])
    assert result.assignments == {1: 11, 2: 10}  # each is a household of one: the single first


def test_room_and_site_reserved_for_a_category_only_get_it():
    rooms = [room(10, category=IN), room(11, site=2), room(20, site=3)]
    sites = [site(1), site(2, path="/1/2/6/", category=IN), site(3, path="/9/")]
    result = allocate([person(1, CC), person(2, IN), person(3, IN)], rooms, sites)
    assert result.assignments == {1: 20, 2: 10, 3: 11}


def test_a_room_reserved_for_the_category_is_used_before_an_open_one():
    result = allocate([person(1, IN)], [room(10), room(11, category=IN)], [site()])
    assert result.assignments == {1: 11}


def test_keeping_floors_apart_comes_before_using_reserved_rooms():
    sites = [site(occupied={1: frozenset({IN}), 2: frozenset({CC})})]
    result = allocate([person(1, CC)], [room(10, floor=1, category=CC), room(20, floor=2)], sites)
    assert result.assignments == {1: 20}


def test_floors_keep_one_category_when_they_can():
    sites = [site(occupied={1: frozenset({IN}), 3: frozenset({CC})})]
    rooms = [room(10, floor=1), room(20, floor=2), room(30, floor=3)]
    result = allocate([person(1, CC), person(2, AR), person(3, SC)], rooms, sites)
    # the close contact joins floor 3, the arrival takes the empty floor 2, the last one has to mix
    assert result.assignments == {1: 30, 2: 20, 3: 10}


def test_floors_filled_in_this_run_count_too():
    rooms = [room(10, floor=1), room(11, floor=1), room(20, floor=2), room(21, floor=2)]
    result = allocate([person(1, CC), person(2, AR), person(3, CC), person(4, AR)], rooms, [site()])
    assert result.assignments == {1: 10, 2: 20, 3: 11, 4: 21}


def test_floor_rank():
    assert [floor_rank(Counter(c), CC) for c in ([CC], [], [CC, IN], [IN])] == [0, 1, 2, 3]


# --- households -------------------------------------------------------------------------------------------------

def test_household_shares_the_smallest_family_room_that_fits():
    rooms = [room(10, beds=5, kind="family"), room(11, beds=3, kind="family"), room(12, beds=2, kind="family")]
    result = allocate([person(1, AR, "h"), person(2, AR, "h"), person(3, AR, "h"), person(4, AR)], rooms, [site()])
    assert result.assignments == {1: 11, 2: 11, 3: 11, 4: 12}


def test_household_too_big_for_every_room_waits_unless_splitting_is_allowed():
    queue = [person(1, CC, "h"), person(2, CC, "h"), person(3, CC, "h"), person(4, CC)]
    rooms = [room(10, beds=2, kind="family"), room(11), room(12)]
    kept = allocate(queue, rooms, [site()])
    assert kept.unplaced == {1: NO_FAMILY_ROOM, 2: NO_FAMILY_ROOM, 3: NO_FAMILY_ROOM}
    assert kept.assignments == {4: 11}
    split = allocate(queue, rooms, [site()], split_families=True)
    assert split.assignments == {1: 11, 2: 12, 3: 10} and split.unplaced == {4: NO_ROOM}


def test_a_split_that_cannot_place_everyone_places_no_one():
    queue = [person(1, CC, "h"), person(2, CC, "h"), person(3, CC, "h"), person(4, CC)]
    result = allocate(queue, [room(11), room(12)], [site()], split_families=True)
    assert result.unplaced == {1: NO_ROOM, 2: NO_ROOM, 3: NO_ROOM}
    assert result.assignments == {4: 11}


def test_categories_outside_the_protocol_family_rule_are_placed_alone():
    queue = [person(1, OT, "h"), person(2, OT, "h"), person(3, CC, "k"), person(4, CC, "k")]
    rooms = [room(10, beds=2, kind="family"), room(11), room(12), room(13)]
    result = allocate(queue, rooms, [site()])
    assert result.assignments == {1: 11, 2: 12, 3: 10, 4: 10}
    alone = allocate(queue, rooms, [site()], family_categories=frozenset({OT}))
    assert alone.assignments == {1: 10, 2: 10, 3: 11, 4: 12}


def test_person_alone_takes_a_single_anywhere_before_a_family_room():
    rooms = [room(10, site=1, beds=3, kind="family"), room(20, site=2)]
    sites = [site(1), site(2, path="/7/")]
    assert allocate([person(1)], rooms, sites).assignments == {1: 20}
    assert allocate([person(1), person(2)], rooms, sites).assignments == {1: 20, 2: 10}


def test_household_takes_a_family_room_before_a_twin_single():
    rooms = [room(10, beds=2), room(11, beds=2, kind="family", site=2)]
    sites = [site(1), site(2, path="/7/")]
    result = allocate([person(1, IN, "h"), person(2, IN, "h")], rooms, sites)
    assert result.assignments == {1: 11, 2: 11}
    only_twin = allocate([person(1, IN, "h"), person(2, IN, "h")], rooms[:1], sites)
    assert only_twin.assignments == {1: 10, 2: 10}


# --- capacity and sites -----------------------------------------------------------------------------------------

def test_no_room_is_used_twice_and_the_rest_wait():
    result = allocate([person(1), person(2), person(3)], [room(10), room(11)], [site()])
    assert result.assignments == {1: 10, 2: 11} and result.unplaced == {3: NO_ROOM}


def test_nearest_site_first_by_street_then_district_then_elsewhere():
    sites = [site(1, path="/8/"), site(2, path="/1/3/"), site(3, path="/1/2/6/"), site(4, path="/1/2/5/"),
             site(5, path="/1/2/5/")]
    rooms = [room(10 + s.id, site=s.id) for s in sites]
    result = allocate([person(i, path="/1/2/5/9/") for i in range(1, 6)], rooms, sites)
    assert result.assignments == {1: 14, 2: 15, 3: 13, 4: 12, 5: 11}


def test_paths_are_compared_node_by_node():
    sites = [site(1, path="/1/23/"), site(2, path="/1/2/")]
    result = allocate([person(1, path="/1/2/5/")], [room(10, site=1), room(20, site=2)], sites)
    assert result.assignments == {1: 20}


def test_the_reserve_is_never_proposed():
    sites = [site(1, reserve=2), site(2, path="/7/", reserve=1)]
    rooms = [room(10), room(11), room(12), room(20, site=2), room(21, site=2)]
    result = allocate([person(i) for i in range(1, 5)], rooms, sites)
    assert result.assignments == {1: 10, 2: 20}
    assert result.unplaced == {3: RESERVE, 4: RESERVE}


def test_reserve_counts_rooms_of_every_kind():
    rooms = [room(10, beds=2, kind="family"), room(11)]
    result = allocate([person(1, AR, "h"), person(2, AR, "h"), person(3)], rooms, [site(reserve=1)])
    assert result.assignments == {1: 10, 2: 10} and result.unplaced == {3: RESERVE}


# --- queue order and determinism --------------------------------------------------------------------------------

def test_earlier_in_the_queue_first_and_a_household_goes_at_its_earliest_member_time():
    queue = [person(1, at=5), person(2, at=1), person(3, IN, "h", at=9), person(4, IN, "h", at=0)]
    rooms = [room(10, beds=2, kind="family"), room(11)]
    result = allocate(queue, rooms, [site()])
    assert result.assignments == {3: 10, 4: 10, 2: 11} and result.unplaced == {1: NO_ROOM}


def test_equal_times_go_by_id():
    result = allocate([person(2, at=0), person(1, at=0)], [room(10)], [site()])
    assert result.assignments == {1: 10}


def test_input_order_does_not_change_the_proposal():
    queue, rooms, sites = random_city(random.Random(3), people=300, sites=5, rooms=250)
    first = allocate(queue, rooms, sites)
    for seed in range(3):
        rng = random.Random(seed)
        shuffled = [rng.sample(x, len(x)) for x in (queue, rooms, sites)]
        again = allocate(*shuffled)
        assert again.assignments == first.assignments and again.unplaced == first.unplaced


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="twice"):
        allocate([person(1), person(1)], [room(10)], [site()])
    with pytest.raises(ValueError, match="twice"):
        allocate([person(1)], [room(10), room(10)], [site()])
    with pytest.raises(ValueError, match="unknown site"):
        allocate([person(1)], [room(10, site=9)], [site()])
    with pytest.raises(ValueError, match="unknown category"):
        allocate([person(1, "visitor")], [room(10)], [site()])
    with pytest.raises(ValueError, match="kind"):
        allocate([person(1)], [room(10, kind="suite")], [site()])


# --- properties -------------------------------------------------------------------------------------------------

def random_city(rng, *, people, sites, rooms):
    """A queue of households of 1–5 and free rooms over sites on a small jurisdiction tree (used by the benchmark)."""
    categories = [CC, CC, CC, SC, SC, AR, IN, OT]
    nodes = [f"/1/{d}/{s}/" for d in range(1, 4) for s in range(1, 4)]
    site_list = [SiteInfo(id=i, path=rng.choice(nodes), reserve=rng.choice([0, 0, 1, 2, 5]),
                          category=rng.choice([""] * 8 + [CC, IN]),
                          occupied_categories={f: frozenset(rng.sample(categories, rng.randint(0, 2)))
                                               for f in range(1, 4) if rng.random() < 0.3})
                 for i in range(1, sites + 1)]
    queue, household = [], 0
    while len(queue) < people:
        household += 1
        size = min(rng.choice([1, 1, 1, 2, 2, 3, 4, 5]), people - len(queue))
        category, path, at = rng.choice(categories), rng.choice(nodes) + f"{rng.randint(1, 9)}/", rng.random()
        for _ in range(size):
            own = category if rng.random() < 0.9 else rng.choice(categories)  # now and then a household mixes
            queue.append(Candidate(id=len(queue) + 1, category=own, group=f"h{household}" if size > 1 else "",
                                   path=path, queued_at=at + rng.random() / 10))
    room_list = []
    for i in range(1, rooms + 1):
        family = rng.random() < 0.25
        room_list.append(FreeRoom(id=i, site=rng.randint(1, sites), floor=rng.randint(1, 12),
                                  beds=rng.randint(2, 5) if family else rng.choice([1, 1, 1, 1, 2]),
                                  kind="family" if family else "single",
                                  category=rng.choice([""] * 12 + categories)))
    return queue, room_list, site_list


categories = st.sampled_from([CC, SC, AR, IN, OT])
paths = st.sampled_from(["/1/", "/1/2/", "/1/2/5/", "/1/2/5/9/", "/1/3/", "/1/3/7/", "/4/"])
sites_st = st.lists(st.builds(SiteInfo, id=st.integers(1, 4), path=paths, reserve=st.integers(0, 2),
                              category=st.sampled_from(["", "", "", CC, IN]),
                              occupied_categories=st.dictionaries(st.integers(1, 3),
                                                                  st.frozensets(categories, max_size=2),
                                                                  max_size=2)),
                    min_size=1, max_size=4, unique_by=lambda s: s.id)
rooms_st = st.lists(st.builds(FreeRoom, id=st.integers(1, 60), site=st.integers(1, 4), floor=st.integers(1, 3),
                              beds=st.integers(1, 4), kind=st.sampled_from(KINDS),
                              category=st.sampled_from(["", "", "", CC, AR])),
                    max_size=20, unique_by=lambda r: r.id)
queue_st = st.lists(st.builds(Candidate, id=st.integers(1, 200), category=categories,
                              group=st.sampled_from(["", "", "a", "b", "c"]), path=paths,
                              queued_at=st.integers(0, 6).map(float)),
                    max_size=25, unique_by=lambda c: c.id)


def check_rules(queue, rooms, sites, result, family_categories=FAMILY_CATEGORIES, split_families=False):
    by_id = {c.id: c for c in queue}
    rooms_by_id = {r.id: r for r in rooms}
    sites_by_id = {s.id: s for s in sites}
    # everyone placed or given a reason, never both
    assert set(result.assignments) | set(result.unplaced) == set(by_id)
    assert not set(result.assignments) & set(result.unplaced)
    assert set(result.unplaced.values()) <= {NO_ROOM, RESERVE, NO_FAMILY_ROOM}
    occupants = defaultdict(list)
    for cid, rid in result.assignments.items():
        occupants[rid].append(by_id[cid])
    for rid, people in occupants.items():
        r = rooms_by_id[rid]  # only free rooms are proposed
        assert len(people) <= r.beds
        assert len({p.category for p in people}) == 1  # never mixed
        category = people[0].category
        assert r.category in ("", category) and sites_by_id[r.site].category in ("", category)
        if len(people) > 1:  # one household per room, or one person
            assert len({p.group for p in people}) == 1 and people[0].group and category in family_categories
    used = Counter(rooms_by_id[rid].site for rid in occupants)
    free = Counter(r.site for r in rooms)
    for s in sites:
        assert used[s.id] <= max(0, free[s.id] - s.reserve)
    households = defaultdict(list)
    for c in queue:
        if c.group and c.category in family_categories:
            households[(c.group, c.category)].append(c.id)
    for members in households.values():
        placed = [m for m in members if m in result.assignments]
        assert placed == [] or placed == members  # all or none
        if not split_families:
            assert len({result.assignments[m] for m in placed}) <= 1


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(queue=queue_st, rooms=rooms_st, sites=sites_st, split=st.booleans(),
       family=st.sampled_from([FAMILY_CATEGORIES, frozenset({CC, OT})]))
def test_properties_and_agreement_with_a_plain_scan(queue, rooms, sites, split, family):
    known = {s.id for s in sites}
    rooms = [r for r in rooms if r.site in known]
    result = allocate(queue, rooms, sites, family_categories=family, split_families=split)
    check_rules(queue, rooms, sites, result, family, split)
    assert (result.assignments, result.unplaced) == allocate_by_scan(queue, rooms, sites, family_categories=family,
                                                                     split_families=split)


def test_a_city_sized_queue_keeps_every_rule():
    queue, rooms, sites = random_city(random.Random(11), people=2000, sites=30, rooms=1200)
    for split in (False, True):
        result = allocate(queue, rooms, sites, split_families=split)
        check_rules(queue, rooms, sites, result, split_families=split)
        assert result.assignments and result.unplaced
