"""The mass-testing numbers of a rule set: the re-check deadline of a positive pool and a round's result deadline."""

import pytest

from fangkong.protocols.engine.rules import RulesError, rules_from_dict, rules_to_dict


def _rules(**over):
    return {"lookback_days": 4, "fever_threshold": "37.3", "pool_size": 10, **over}


def test_older_rule_sets_get_the_defaults():
    rules = rules_from_dict(_rules())
    assert (rules.pool_recheck_hours, rules.round_result_hours) == (2, 24)


def test_the_numbers_round_trip():
    rules = rules_from_dict(_rules(pool_recheck_hours=6, round_result_hours=12))
    again = rules_from_dict(rules_to_dict(rules))
    assert (again.pool_recheck_hours, again.round_result_hours) == (6, 12)


@pytest.mark.parametrize("name,value", [("pool_recheck_hours", 0), ("pool_recheck_hours", "x"),
                                        ("round_result_hours", 100)])
def test_out_of_range_is_refused_naming_the_field(name, value):
    with pytest.raises(RulesError) as exc:
        rules_from_dict(_rules(**{name: value}))
    assert exc.value.field == name
