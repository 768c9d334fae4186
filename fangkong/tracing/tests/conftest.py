"""A case in district A with its tracer, five neighbours who may become its contacts, and someone in district B."""

import datetime

import pytest
from django.utils import timezone

from conftest import make_user
from fangkong.accounts.roles import Role
from fangkong.people.services import household_create, person_create
from fangkong.people.tests.conftest import make_id
from fangkong.territory.models import Responsibility
from fangkong.tracing import services


def resident_id(n: int) -> str:
    return make_id("110101", "19850412", f"{n:03d}")


@pytest.fixture
def tracer_a(city):
    return make_user("tracer_a", Role.TRACER, city.a.district, display_name="李流调")


@pytest.fixture
def tracer_b(city):
    return make_user("tracer_b", Role.TRACER, city.b.district)


@pytest.fixture
def grid_a(city, grid_worker_a):
    Responsibility.objects.create(unit=city.a.grid, role=Responsibility.Role.GRID_WORKER, user=grid_worker_a,
                                  name="王网格", phone="13900001111")
    return grid_worker_a


@pytest.fixture
def people_a(city, grid_a):
    """Six residents of 东城1号楼: [0] becomes the case; 1–2 share its home (301), 3–5 live in 302."""
    h301 = household_create(unit=city.a.building, number="301", address="东城一社区1号楼301", actor=None)
    h302 = household_create(unit=city.a.building, number="302", address="东城一社区1号楼302", actor=None)
    return [person_create(name=f"住户{n}", id_number=resident_id(n), phone=f"1370000{n:04d}",
                          household=h301 if n < 3 else h302, actor=None) for n in range(6)]


@pytest.fixture
def person_b(city):
    household = household_create(unit=city.b.building, number="501", address="西城一社区1号楼501", actor=None)
    return person_create(name="西城住户", id_number=resident_id(90), household=household, actor=None)


@pytest.fixture
def reported_at():
    """An hour ago, but never before local midnight: "reported today" holds at any hour the suite runs."""
    now = timezone.now()
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(now - datetime.timedelta(hours=1), midnight)


@pytest.fixture
def case_a(people_a, tracer_a, reported_at):
    """Case C…-0001: 住户0, sampled 3 hours ago, positive an hour ago, traced by tracer_a."""
    return services.case_open(person=people_a[0], first_positive_at=reported_at - datetime.timedelta(hours=2),
                              reported_at=reported_at, source="testing_round", actor=tracer_a, tracer=tracer_a,
                              classification="confirmed", onset_date=timezone.localdate() - datetime.timedelta(days=1))
