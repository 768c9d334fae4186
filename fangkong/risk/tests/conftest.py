from collections import namedtuple
from dataclasses import dataclass

import pytest

from fangkong.risk import registry
from fangkong.risk.services import risk_area_declare

# The shape of protocols.engine.rules.Lifting (the contract), so these tests do not wait for that app.
Lifting = namedtuple("Lifting", "from_level to_level days_without_infection negative_round_required")


@dataclass(frozen=True)
class FakeRules:
    risk_lifting: tuple
    levels: tuple = ("high", "medium", "low")


# Edition 9: high → medium after 7 days and a negative round; a downgraded area → low after 3 more days.
EDITION_9 = FakeRules(risk_lifting=(Lifting("high", "medium", 7, True), Lifting("medium", "low", 3, False),
                                    Lifting("medium", "low", 7, True)))


@pytest.fixture(autouse=True)
def _clean_registry():
    """Each test starts with the providers other apps registered, and leaves them as it found them."""
    providers, sources = list(registry._criteria_providers), list(registry._itinerary_sources)
    registry._criteria_providers.clear()
    registry._itinerary_sources.clear()
    yield
    registry._criteria_providers[:] = providers
    registry._itinerary_sources[:] = sources


@pytest.fixture
def outside(db):
    """Outside regions declared by the system: a province, a city, a county and a township of Henan."""

    def declare(code, level, name=""):
        return risk_area_declare(level=level, actor=None, reason="通告", code=code, name=name)

    return declare

