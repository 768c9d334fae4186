import uuid

import pytest

from fangkong.arrivals.models import Checkpoint
from fangkong.people.tests.conftest import make_id
from fangkong.risk.services import risk_area_declare
from fangkong.territory.models import Responsibility

ORIGIN_HIGH = "河南省驻马店市西平县柏城街道东关社区"


@pytest.fixture
def protocol(db):
    """The active rule set: edition 9 of the national protocol, which every database starts with (and which the
    live-server tests reinstall, since each of them empties the database when it ends)."""
    from fangkong.protocols.models import RuleSet, RuleSetVersion
    from fangkong.protocols.presets import install_presets
    from fangkong.protocols.selectors import active_rules

    if not RuleSet.objects.filter(is_active=True).exists():
        install_presets(RuleSet, RuleSetVersion)
    return active_rules()


@pytest.fixture
def high_area(db):
    """西平县 (411721) declared a high-risk area, as the seeds' August 2021 outbreak had it."""
    return risk_area_declare(level="high", actor=None, reason="通告", code="411721", name="")


@pytest.fixture
def grid_a(city, grid_worker_a):
    """grid_a answers for 东城网格1 (the destination of the travellers in these tests)."""
    Responsibility.objects.create(unit=city.a.grid, role=Responsibility.Role.GRID_WORKER, user=grid_worker_a,
                                  name="王网格", phone="13900001111")
    return grid_worker_a


@pytest.fixture
def checkpoint(city):
    return Checkpoint.objects.create(name="京港澳高速西平站口", kind="highway_exit", unit=city.a.district)


@pytest.fixture
def checkpoint_b(city):
    return Checkpoint.objects.create(name="西城高速口", kind="highway_exit", unit=city.b.district)


def traveller(n: int = 1, destination=None, **over) -> dict:
    data = {
        "name": f"旅客{n}", "id_number": make_id("411721", "19850101", f"{100 + n:03d}"), "phone": f"1380000{n:04d}",
        "temperature": "36.5", "health_code": "green", "negative_test_within_48h": True,
        "origin_text": ORIGIN_HIGH, "destination": destination.pk if destination else None,
        "destination_address": "东城一社区1号楼101",
    }
    data.update(over)
    return data


def key() -> str:
    return uuid.uuid4().hex

