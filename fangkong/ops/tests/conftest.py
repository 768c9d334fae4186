import pytest
from django.test import override_settings

from conftest import make_user
from fangkong.accounts.roles import Role


@pytest.fixture
def admin_user(city):
    return make_user("admin", Role.ADMIN, city.city)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture(autouse=True)
def _fast_jobs():
    """Progress is written on every call and retries do not wait."""
    with override_settings(OPS_PROGRESS_MIN_INTERVAL=0, OPS_RETRY_BASE_SECONDS=0):
        yield
