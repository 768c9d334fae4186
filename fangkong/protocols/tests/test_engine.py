"""The engine against DOMAIN.md's table, row by row, and its day arithmetic at midnight and month ends."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fangkong.protocols.engine.measures import STAGE_END, TEST, TRANSFER, arrival_category, measures_for
from fangkong.protocols.engine.rules import (
    Plan,
    Rules,
    RulesError,
    Stage,
    rules_diff,
    rules_from_dict,
    rules_to_dict,
)
from fangkong.protocols.presets import load_presets

TZ = ZoneInfo("Asia/Shanghai")
RULES = {p["key"]: rules_from_dict(p["rules"]) for p in load_presets()[1]}
E8, E9, M20, M10 = (RULES[s] for s in ("covid-ed8", "covid-ed9", "covid-20", "covid-10"))


def _plan(rules, category):
    plan = rules.plans.get(category)
    return None if plan is None else [(s.status, s.days, list(s.test_days)) for s in plan.stages]


@pytest.mark.parametrize(("rules", "category", "expected"), [
    # edition 8
    (E8, "close_contact", [("central_isolation", 14, [1, 4, 7, 14]), ("home_monitoring", 7, [2, 7])]),
    (E8, "secondary_contact", [("central_isolation", 7, [1, 4, 7])]),
    (E8, "arrival_high", [("central_isolation", 14, [1, 4, 7, 14])]),
    (E8, "arrival_medium", [("home_isolation", 14, [1, 4, 7, 14])]),
    (E8, "arrival_low", None),
    (E8, "inbound", [("central_isolation", 14, [1, 4, 7, 14]), ("home_monitoring", 7, [2, 7])]),
    (E8, "co_present", None),
    # edition 9
    (E9, "close_contact", [("central_isolation", 7, [1, 2, 3, 5, 7]), ("home_monitoring", 3, [3])]),
    (E9, "secondary_contact", [("home_isolation", 7, [1, 4, 7])]),
    (E9, "arrival_high", [("central_isolation", 7, [1, 2, 3, 5, 7])]),
    (E9, "arrival_medium", [("home_isolation", 7, [1, 4, 7])]),
    (E9, "arrival_low", [("", 3, [1, 3])]),  # 三天两检, ≥ 24 h apart
    (E9, "inbound", [("central_isolation", 7, [1, 2, 3, 5, 7]), ("home_monitoring", 3, [3])]),
    (E9, "co_present", [("", 3, [1, 3])]),
    # the 20 measures
    (M20, "close_contact", [("central_isolation", 5, [1, 2, 3, 5]), ("home_isolation", 3, [1, 3])]),
    (M20, "secondary_contact", None),
    (M20, "arrival_high", [("home_isolation", 7, [1, 3, 5, 7])]),
    (M20, "arrival_medium", None),
    (M20, "inbound", [("central_isolation", 5, [1, 2, 3, 5]), ("home_isolation", 3, [1, 3])]),
    # the 10 new measures
    (M10, "close_contact", [("home_isolation", 5, [5])]),
    (M10, "secondary_contact", None),
    (M10, "arrival_high", None),
    (M10, "inbound", None),
])
def test_each_presets_plan_is_the_table_row(rules, category, expected):
    assert _plan(rules, category) == expected


def test_preset_numbers_beyond_the_plans():
    assert (E8.lookback_days, E9.lookback_days, M20.lookback_days) == (2, 4, 4)
    assert {r.fever_threshold for r in RULES.values()} == {Decimal("37.3")}
    assert E9.pool_sizes == (1, 5, 10, 20) and E8.pool_size == E9.pool_size == M20.pool_size == 10
    assert M20.levels == ("high", "low") and E9.levels == ("high", "medium", "low")
    assert [(r.from_level, r.to_level, r.days_without_infection, r.negative_round_required)
            for r in E9.risk_lifting] == [("high", "medium", 7, True), ("medium", "low", 3, False),
                                          ("medium", "low", 7, True)]
    assert [(r.from_level, r.to_level, r.days_without_infection) for r in M20.risk_lifting] == [("high", "low", 5)]
    assert E9.plans["close_contact"].transfer_hours == 12
    assert E9.plans["secondary_contact"].release_rule == "linked_close_contact_negative"


def _at(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


def test_close_contact_under_edition_9_registered_on_day_one():
    result = measures_for(category="close_contact", day_one=date(2022, 7, 1), registered_at=_at(2022, 7, 1, 15),
                          rules=E9)

    assert result.status_now == "central_isolation"
    assert result.ends_on == date(2022, 7, 10)
    tests = [t.due_at for t in result.tasks if t.kind == TEST]
    # Days 1, 2, 3, 5, 7 of isolation and day 3 of monitoring (day 10): each due by the end of its day.
    assert tests == [_at(2022, 7, d) for d in (2, 3, 4, 6, 8, 11)]
    ends = [t.due_at for t in result.tasks if t.kind == STAGE_END]
    assert ends == [_at(2022, 7, 8), _at(2022, 7, 11)]
    transfer = next(t for t in result.tasks if t.kind == TRANSFER)
    assert transfer.due_at == _at(2022, 7, 2, 3)  # 12 hours


def test_registration_a_minute_before_and_at_midnight():
    before = measures_for(category="arrival_medium", day_one=date(2022, 7, 1), registered_at=_at(2022, 7, 1, 23, 59),
                          rules=E9)
    at_midnight = measures_for(category="arrival_medium", day_one=date(2022, 7, 1), registered_at=_at(2022, 7, 2),
                               rules=E9)

    # 23:59 on day 1: the day-1 test is still due that day.
    assert [t.due_at for t in before.tasks if t.kind == TEST] == [_at(2022, 7, 2), _at(2022, 7, 5), _at(2022, 7, 8)]
    assert not any(t.make_up for t in before.tasks)
    # 00:00 on day 2: day 1 is over, so its test is made up at the first-contact deadline (2 h).
    made_up = [t for t in at_midnight.tasks if t.make_up]
    assert len(made_up) == 1 and made_up[0].due_at == _at(2022, 7, 2, 2) and made_up[0].day_number == 2
    assert [t.due_at for t in at_midnight.tasks if t.kind == TEST and not t.make_up] == [_at(2022, 7, 5),
                                                                                         _at(2022, 7, 8)]


def test_a_fourteen_day_stage_across_the_end_of_january():
    result = measures_for(category="close_contact", day_one=date(2021, 1, 28), registered_at=_at(2021, 1, 28, 9),
                          rules=E8)

    assert [s.last for s in result.stages] == [date(2021, 2, 10), date(2021, 2, 17)]
    assert [t.due_at for t in result.tasks if t.kind == TEST] == [
        _at(2021, 1, 29), _at(2021, 2, 1), _at(2021, 2, 4), _at(2021, 2, 11),  # isolation days 1, 4, 7, 14
        _at(2021, 2, 13), _at(2021, 2, 18)]  # monitoring days 2 and 7 (days 16 and 21)
    assert result.ends_on == date(2021, 2, 17)


def test_february_of_a_leap_year():
    result = measures_for(category="arrival_high", day_one=date(2024, 2, 25), registered_at=_at(2024, 2, 25, 10),
                          rules=E9)

    assert result.stages[0].last == date(2024, 3, 2)  # 25, 26, 27, 28, 29 Feb, 1, 2 Mar
    assert result.stages[0].ends_at == _at(2024, 3, 3)


def test_an_arrival_registered_after_the_period_gets_nothing_imposed():
    result = measures_for(category="arrival_medium", day_one=date(2022, 7, 1), registered_at=_at(2022, 7, 9),
                          rules=E9)

    assert result.tasks == () and result.status_now == ""


def test_a_category_the_rules_do_not_cover_imposes_nothing():
    result = measures_for(category="secondary_contact", day_one=date(2022, 11, 20), registered_at=_at(2022, 11, 21),
                          rules=M20)

    assert result.stages == () and result.tasks == () and result.ends_on is None


def test_tests_only_stage_leaves_the_status_alone():
    result = measures_for(category="arrival_low", day_one=date(2022, 7, 1), registered_at=_at(2022, 7, 1, 8),
                          rules=E9)

    assert result.status_now == ""
    assert [t.due_at for t in result.tasks if t.kind == TEST] == [_at(2022, 7, 2), _at(2022, 7, 4)]


def test_arrival_category():
    assert arrival_category("high") == "arrival_high"
    with pytest.raises(ValueError):
        arrival_category("severe")


@pytest.mark.parametrize(("change", "field"), [
    (lambda d: d["plans"]["close_contact"]["stages"][0].update(days=-1), "plans.close_contact.stages[0].days"),
    (lambda d: d["plans"]["close_contact"]["stages"][0].update(test_days=[1, 9]),
     "plans.close_contact.stages[0].test_days[1]"),
    (lambda d: d["plans"]["close_contact"]["stages"][0].update(status="quarantine"),
     "plans.close_contact.stages[0].status"),
    (lambda d: d.update(pool_size=7), "pool_size"),
    (lambda d: d.update(fever_threshold="hot"), "fever_threshold"),
    (lambda d: d["plans"].update(tourist={}), "plans.tourist"),
    (lambda d: d["risk_lifting"].append({"from_level": "low", "to_level": "high", "days_without_infection": 3}),
     "risk_lifting[3]"),
])
def test_bad_rules_name_the_field(change, field):
    data = rules_to_dict(E9)
    change(data)
    with pytest.raises(RulesError) as error:
        rules_from_dict(data)
    assert error.value.field == field


def test_rules_round_trip_through_their_dict():
    for rules in RULES.values():
        assert rules_from_dict(rules_to_dict(rules)) == rules


# Every preset, every category: the dates of each stage and each test, registered at 10:00 on day one.
_DAY_ONE = date(2022, 12, 30)  # across the end of a year as well


@pytest.mark.parametrize("key", ["covid-ed8", "covid-ed9", "covid-20", "covid-10"])
def test_each_presets_dates_follow_its_days(key):
    rules = RULES[key]
    for category, plan in rules.plans.items():
        result = measures_for(category=category, day_one=_DAY_ONE, registered_at=_at(2022, 12, 30, 10), rules=rules)
        first = 1
        expected_tests = []
        for stage, planned in zip(plan.stages, result.stages, strict=True):
            assert planned.start == _DAY_ONE + timedelta(days=first - 1)
            assert planned.last == planned.start + timedelta(days=stage.days - 1)
            assert planned.ends_at == datetime.combine(planned.last + timedelta(days=1), datetime.min.time(), TZ)
            expected_tests += [datetime.combine(_DAY_ONE + timedelta(days=first + d - 1), datetime.min.time(), TZ)
                               for d in stage.test_days]
            first += stage.days
        assert [t.due_at for t in result.tasks if t.kind == TEST] == expected_tests, category
        assert result.ends_on == _DAY_ONE + timedelta(days=plan.days - 1)
        assert result.status_now == plan.stages[0].status
        assert (TRANSFER in {t.kind for t in result.tasks}) == (
            plan.stages[0].status == "central_isolation" and bool(plan.transfer_hours))


def test_close_contacts_and_arrivals_have_their_deadlines():
    for rules in RULES.values():
        for category, plan in rules.plans.items():
            assert plan.first_contact_hours == 2, category
            if plan.stages[0].status == "central_isolation":
                assert plan.transfer_hours == 12, category


def test_the_other_numbers_of_domain_md():
    for rules in RULES.values():
        assert (rules.report_hours, rules.lockdown_hours, rules.release_ct) == (2, 24, Decimal("35"))
    assert M10.plans["close_contact"].stages == (Stage("home_isolation", 5, (5,)),)
    assert E9.extra["copresence_cell_m"] == 800


def test_a_close_contact_registered_on_day_four_makes_up_missed_tests_once():
    result = measures_for(category="close_contact", day_one=date(2022, 7, 1), registered_at=_at(2022, 7, 4, 9, 30),
                          rules=E9)

    made_up = [t for t in result.tasks if t.make_up]
    assert len(made_up) == 1 and made_up[0].due_at == _at(2022, 7, 4, 11, 30) and made_up[0].day_number == 4
    # Days 1-3 are past; day 4 is not a test day; days 5 and 7, then monitoring day 3 (day 10) remain.
    assert [t.due_at for t in result.tasks if t.kind == TEST and not t.make_up] == [
        _at(2022, 7, 6), _at(2022, 7, 8), _at(2022, 7, 11)]


def test_registered_in_the_second_stage_starts_there():
    result = measures_for(category="close_contact", day_one=date(2022, 7, 1), registered_at=_at(2022, 7, 9, 8),
                          rules=E9)

    assert result.status_now == "home_monitoring"
    assert [t.stage_index for t in result.tasks if t.kind == STAGE_END] == [1]
    assert TRANSFER not in {t.kind for t in result.tasks}


def test_a_test_day_ending_with_its_stage_comes_before_the_stage_end():
    result = measures_for(category="close_contact", day_one=date(2022, 7, 1), registered_at=_at(2022, 7, 1, 8),
                          rules=E9)
    at_day_eight = [t.kind for t in result.tasks if t.due_at == _at(2022, 7, 8)]
    assert at_day_eight == [TEST, STAGE_END]


def test_the_secondary_contact_release_rule_is_data():
    assert E9.plans["secondary_contact"].release_rule == "linked_close_contact_negative"
    assert E8.plans["secondary_contact"].release_rule == ""
    data = rules_to_dict(E9)
    data["plans"]["secondary_contact"]["release_rule"] = "whenever"
    with pytest.raises(RulesError) as error:
        rules_from_dict(data)
    assert error.value.field == "plans.secondary_contact.release_rule"


def test_a_naive_registration_time_is_refused():
    with pytest.raises(ValueError):
        measures_for(category="close_contact", day_one=date(2022, 7, 1), registered_at=datetime(2022, 7, 1), rules=E9)


@pytest.mark.parametrize(("change", "field"), [
    (lambda d: d.update(lookback_days=-2), "lookback_days"),
    (lambda d: d.update(pool_sizes=[10, 15]), "pool_sizes"),
    (lambda d: d.update(levels=["medium", "low"]), "levels"),
    (lambda d: d["plans"]["close_contact"]["stages"][0].update(test_days=[2, 2]),
     "plans.close_contact.stages[0].test_days"),
    (lambda d: d["plans"]["close_contact"].update(stages=[]), "plans.close_contact.stages"),
    (lambda d: d["plans"]["arrival_low"]["stages"][0].update(test_days=[]), "plans.arrival_low.stages[0]"),
    (lambda d: d["plans"]["close_contact"].update(first_contact_hours="soon"),
     "plans.close_contact.first_contact_hours"),
    (lambda d: d["risk_lifting"][0].update(negative_round_required="yes"), "risk_lifting[0].negative_round_required"),
])
def test_more_bad_rules_name_the_field(change, field):
    data = rules_to_dict(E9)
    change(data)
    with pytest.raises(RulesError) as error:
        rules_from_dict(data)
    assert error.value.field == field
    assert error.value.message


def test_rules_diff_lists_what_changed():
    old = rules_to_dict(E9)
    new = rules_to_dict(E9)
    new["plans"]["close_contact"]["stages"][0]["days"] = 10
    new["pool_size"] = 20
    del new["plans"]["co_present"]

    changes = {path: (a, b) for path, a, b in rules_diff(old, new)}
    assert changes["plans.close_contact.stages[0].days"] == (7, 10)
    assert changes["pool_size"] == (10, 20)
    assert changes["plans.co_present.stages[0].days"] == (3, None)
    assert rules_diff(old, old) == []


@st.composite
def plans(draw):
    result = []
    for _ in range(draw(st.integers(1, 3))):
        days = draw(st.integers(1, 21))
        tests = draw(st.sets(st.integers(1, days), min_size=0, max_size=days))
        status = draw(st.sampled_from(["central_isolation", "home_isolation", "home_monitoring", ""]))
        if not status and not tests:
            tests = {days}
        result.append(Stage(status, days, tuple(sorted(tests))))
    return Plan(tuple(result), first_contact_hours=draw(st.integers(1, 48)),
                transfer_hours=draw(st.one_of(st.none(), st.integers(1, 24))))


@given(plan=plans(), day_one=st.dates(date(2020, 1, 1), date(2023, 12, 31)),
       delay_minutes=st.integers(0, 60 * 24 * 30))
def test_every_task_falls_inside_the_period_and_stages_are_contiguous(plan, day_one, delay_minutes):
    rules = Rules(lookback_days=4, fever_threshold=E9.fever_threshold, pool_size=10, pool_sizes=(10,),
                  plans={"close_contact": plan}, risk_lifting=())
    # The rules survive their own dict, as the database stores them.
    assert rules_from_dict(rules_to_dict(rules)) == rules
    registered_at = datetime.combine(day_one, datetime.min.time(), tzinfo=TZ) + timedelta(minutes=delay_minutes)
    result = measures_for(category="close_contact", day_one=day_one, registered_at=registered_at, rules=rules)

    assert result.stages[0].start == day_one
    for before, after in zip(result.stages, result.stages[1:], strict=False):
        assert after.start == before.last + timedelta(days=1)
        assert after.start == before.ends_at.date()
    assert result.stages[-1].last == result.ends_on == day_one + timedelta(days=plan.days - 1)
    start = datetime.combine(day_one, datetime.min.time(), tzinfo=TZ)
    end = datetime.combine(result.ends_on + timedelta(days=1), datetime.min.time(), tzinfo=TZ)
    first_contact = registered_at + timedelta(hours=plan.first_contact_hours)
    for task in result.tasks:
        assert start < task.due_at and registered_at < task.due_at
        # Planned work lies within [day one, ends on]; only first contact, transfer and a make-up run later.
        assert task.due_at <= end or task.kind in ("first_contact", TRANSFER) or task.make_up
        if task.make_up:
            assert task.due_at == first_contact
    tests = [t.due_at for t in result.tasks if t.kind == TEST and not t.make_up]
    assert tests == sorted(tests)
    assert [t.due_at for t in result.tasks] == sorted(t.due_at for t in result.tasks)
    assert sum(t.make_up for t in result.tasks) <= 1
    stage_ends = [t for t in result.tasks if t.kind == STAGE_END]
    assert [t.due_at for t in stage_ends] == [s.ends_at for s in result.stages if s.ends_at > registered_at]
    if result.tasks:
        assert result.status_now == next(s.status for s in result.stages if s.ends_at > registered_at)
    else:
        assert registered_at >= end
