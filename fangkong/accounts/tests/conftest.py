import pytest

from fangkong.accounts.models import AccessLog, User
from fangkong.accounts.roles import Role

PASSWORD = "correct-horse-battery"


def make_user(username: str, role: str, scope) -> User:
    return User.objects.create_user(username=username, password=PASSWORD, role=role, scope=scope,
                                    display_name=username)


@pytest.fixture
def admin_a(city):
    return make_user("admin_a", Role.ADMIN, city.a.district)


@pytest.fixture
def admin_city(city):
    return make_user("admin", Role.ADMIN, city.city)


@pytest.fixture
def access_rows(city, grid_worker_a, grid_worker_b):
    a = AccessLog.objects.create(actor=grid_worker_a, kind=AccessLog.Kind.REVEAL, object_repr="东城居民",
                                 fields="id_number", reason="上门核查")
    b = AccessLog.objects.create(actor=grid_worker_b, kind=AccessLog.Kind.EXPORT, object_repr="西城名单",
                                 reason="报送", row_count=30)
    return a, b
