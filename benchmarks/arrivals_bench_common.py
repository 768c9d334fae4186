"""What both arrivals benchmarks need besides the city: an active protocol rule set."""


def activate_protocol() -> None:
    """Every migrated database starts with the shipped rule sets, edition 9 active: check that one is."""
    from fangkong.protocols.selectors import active_rules

    rules = active_rules()
    assert "arrival_high" in rules.plans, "the active rule set has no plan for arrivals from high-risk areas"
