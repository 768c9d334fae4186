"""The roster engine against a brute-force reference written straight from the definitions (no database)."""

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from fangkong.workforce.engine.roster import RosterShift, Rules, roster_validate

T0 = datetime(2026, 12, 1, tzinfo=UTC)
WEEK = timedelta(days=7)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def reference(shifts, rules: Rules) -> set[tuple]:
    """All pairs, every window, no sorting tricks."""
    found = set()
    for s in shifts:
        mine = [o for o in shifts if o.person == s.person]
        length = (s.ends_at - s.starts_at).total_seconds() / 3600
        if length > rules.max_shift_hours:
            found.add((s.person, s.shift_id, "shift_hours"))
        w0, w1 = s.ends_at - WEEK, s.ends_at
        week = sum(max(0.0, (min(o.ends_at, w1) - max(o.starts_at, w0)).total_seconds() / 3600) for o in mine)
        if week > rules.max_week_hours + 1e-9:
            found.add((s.person, s.shift_id, "week_hours"))
        earlier = [o for o in mine if (o.starts_at, o.shift_id) < (s.starts_at, s.shift_id)]
        if earlier:
            rest = (s.starts_at - max(o.ends_at for o in earlier)).total_seconds() / 3600
            if rest < 0:
                found.add((s.person, s.shift_id, "overlap"))
            elif rest < rules.min_rest_hours:
                found.add((s.person, s.shift_id, "rest"))
    return found


shift_lists = st.lists(
    st.tuples(st.sampled_from(["u:1", "u:2", "v:3"]), st.integers(0, 24 * 20), st.integers(1, 16)),
    max_size=40,
).map(lambda rows: [RosterShift(i + 1, person, at(start), at(start + hours)) for i, (person, start, hours)
                    in enumerate(rows)])
rule_sets = st.builds(Rules, max_shift_hours=st.integers(4, 14), max_week_hours=st.integers(12, 80),
                      min_rest_hours=st.integers(0, 16))


@settings(max_examples=300, deadline=None)
@given(shift_lists, rule_sets)
def test_engine_matches_the_brute_force_reference(shifts, rules):
    got = {(v.person, v.shift_id, v.rule) for v in roster_validate(shifts, rules)}
    assert got == reference(shifts, rules)


@settings(max_examples=100, deadline=None)
@given(shift_lists, rule_sets)
def test_report_for_keeps_only_those_shifts_but_counts_the_others(shifts, rules):
    keep = {s.shift_id for s in shifts[::2]}
    got = {(v.person, v.shift_id, v.rule) for v in roster_validate(shifts, rules, report_for=keep)}
    assert got == {r for r in reference(shifts, rules) if r[1] in keep}


def test_six_twelve_hour_days_break_a_sixty_hour_week_on_the_sixth():
    shifts = [RosterShift(d + 1, "u:1", at(24 * d + 8), at(24 * d + 20)) for d in range(6)]
    found = roster_validate(shifts, Rules(max_shift_hours=12, max_week_hours=60, min_rest_hours=8))
    assert [(v.shift_id, v.rule, v.value, v.limit) for v in found] == [(6, "week_hours", 72.0, 60)]


def test_a_night_after_a_day_shift_has_no_rest():
    shifts = [RosterShift(1, "v:3", at(8), at(20)), RosterShift(2, "v:3", at(22), at(30))]
    found = roster_validate(shifts, Rules(min_rest_hours=8))
    assert [(v.person, v.shift_id, v.rule, v.value, v.related_shift_id) for v in found] == [
        ("v:3", 2, "rest", 2.0, 1)]


def test_a_missing_or_stale_test_is_flagged_only_when_the_rule_asks():
    shifts = [RosterShift(1, "u:1", at(48), at(56)), RosterShift(2, "u:2", at(48), at(56))]
    rules = Rules(test_within_hours=24)
    found = roster_validate(shifts, rules, tests={"u:1": [at(10)], "u:2": [at(40)]})
    assert [(v.person, v.rule, v.value) for v in found] == [("u:1", "test", 38.0)]
    assert roster_validate(shifts, rules) == []
    assert [v.value for v in roster_validate(shifts[:1], rules, tests={"u:1": []})] == [-1]
