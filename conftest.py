"""A small city and its personas, shared by every app's tests.

城关市 (city)
├── 东城区 (district A) › 东街道 › 东一社区 › 网格1 › 1号楼
└── 西城区 (district B) › 西街道 › 西一社区 › 网格1 › 1号楼
"""

import pytest

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.territory.models import Level
from fangkong.territory.services import unit_create


class City:
    def __init__(self):
        self.city = unit_create(parent=None, level=Level.CITY, name="城关市", code="630800")
        self.a = self._branch("东城", "630801")
        self.b = self._branch("西城", "630802")

    def _branch(self, prefix: str, code: str):
        district = unit_create(parent=self.city, level=Level.DISTRICT, name=f"{prefix}区", code=code)
        street = unit_create(parent=district, level=Level.STREET, name=f"{prefix}街道", code=code + "001")
        community = unit_create(parent=street, level=Level.COMMUNITY, name=f"{prefix}一社区",
                                code=code + "001001")
        grid = unit_create(parent=community, level=Level.GRID, name=f"{prefix}网格1", code=code + "001001G1")
        building = unit_create(parent=grid, level=Level.BUILDING, name=f"{prefix}1号楼", code=code + "001001G1B1")
        return type("Branch", (), dict(district=district, street=street, community=community, grid=grid,
                                       building=building))


def reference_data_restore() -> None:
    """The reference data that data migrations load: rule sets (edition 9 active), the default checklists of
    supervision and units, the vaccine products. A live-server or transactional test empties the database when it
    ends, so a later test in the same worker would find none: put them back if they are gone."""
    from fangkong.protocols.models import RuleSet, RuleSetVersion
    from fangkong.protocols.presets import install_presets
    from fangkong.supervision.defaults import seed_default_checklists as supervision_checklists
    from fangkong.supervision.models import Checklist
    from fangkong.units.defaults import seed_default_checklists as unit_checklists
    from fangkong.units.models import UnitChecklistItem
    from fangkong.vaccination.defaults import seed_default_products
    from fangkong.vaccination.models import Product

    if not RuleSet.objects.exists():
        install_presets(RuleSet, RuleSetVersion)
    if not Checklist.objects.exists():
        supervision_checklists()
    if not UnitChecklistItem.objects.exists():
        unit_checklists()
    if not Product.objects.exists():
        seed_default_products()


@pytest.fixture
def protocol_presets(db):
    reference_data_restore()


@pytest.fixture(autouse=True)
def _protocol_presets_for_db_tests(request):
    if request.node.get_closest_marker("django_db"):
        request.getfixturevalue("protocol_presets")


@pytest.fixture(autouse=True)
def _language_reset():
    """LocaleMiddleware leaves the last request's language active in the thread: a test that asked for Chinese
    must not make the next test's messages Chinese."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Pages cache what everyone sees alike (the public list of sampling points): no test sees another's."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def city(db, protocol_presets):
    return City()


def make_user(username: str, role: str, scope, **extra) -> User:
    user = User.objects.create_user(username=username, password="correct-horse-battery", role=role,
                                    scope=scope, display_name=extra.pop("display_name", username), **extra)
    return user


@pytest.fixture
def hq(city):
    return make_user("hq", Role.HQ, city.city)


@pytest.fixture
def officer_a(city):
    return make_user("officer_a", Role.OFFICER, city.a.district)


@pytest.fixture
def officer_b(city):
    return make_user("officer_b", Role.OFFICER, city.b.district)


@pytest.fixture
def grid_worker_a(city):
    return make_user("grid_a", Role.GRID_WORKER, city.a.grid)


@pytest.fixture
def grid_worker_b(city):
    return make_user("grid_b", Role.GRID_WORKER, city.b.grid)


@pytest.fixture
def lab_user(city):
    return make_user("lab", Role.LAB, city.city)


@pytest.fixture
def checkpoint_a(city):
    """Checkpoint staff posted in district A (a highway exit there)."""
    return make_user("checkpoint_a", Role.CHECKPOINT, city.a.district)


@pytest.fixture
def tracer(city):
    return make_user("tracer", Role.TRACER, city.city)


@pytest.fixture
def api_client(client):
    """api_client(user): the test client sending that user's bearer token, as a field device does."""
    from fangkong.accounts.models import ApiToken

    def as_user(user):
        _token, raw = ApiToken.issue(user=user, name="test")
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
        return client

    return as_user
