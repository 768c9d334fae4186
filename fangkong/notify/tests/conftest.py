"""People in districts A and B with phones, their grid workers on file, a locmem outbox and a fixed clock."""

import datetime

import pytest
from django.utils import timezone
from stdnum.cn import ric

from fangkong.notify.backends import locmem, reset_backends
from fangkong.people.services import household_create, person_create
from fangkong.territory.models import Responsibility

# 10:00 in Shanghai on a weekday: outside quiet hours.
MORNING = timezone.make_aware(datetime.datetime(2026, 12, 1, 10, 0))


def id_number(n: int) -> str:
    body = f"11010119800101{n:03d}"[:17]
    return body + ric.calc_check_digit(body + "0")


@pytest.fixture(autouse=True)
def _notify_settings(settings):
    settings.NOTIFY_BACKEND = "fangkong.notify.backends.locmem.Backend"
    settings.NOTIFY_QUIET_HOURS = ""  # tests of quiet hours set them; the others run at any real hour
    settings.NOTIFY_RATE_PER_HOUR = 5
    reset_backends()
    locmem.outbox.clear()
    yield
    reset_backends()
    locmem.outbox.clear()


@pytest.fixture
def morning():
    return MORNING


@pytest.fixture
def make_person(city):
    counter = iter(range(1, 999))

    def make(branch=None, *, phone="13800001111", name="张三"):
        branch = branch or city.a
        n = next(counter)
        home = household_create(unit=branch.building, number=f"{n}01", actor=None)
        return person_create(name=name, id_number=id_number(n), household=home, phone=phone, actor=None)

    return make


@pytest.fixture
def grid_a(city, grid_worker_a):
    Responsibility.objects.create(unit=city.a.grid, role=Responsibility.Role.GRID_WORKER, user=grid_worker_a,
                                  name="网格员甲", phone="13900001111")
    return grid_worker_a
