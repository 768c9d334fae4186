"""District A's isolation site (two floors: ten singles and four family rooms), a household of three and a single
close contact under the protocol's measures, the site's staff and a driver."""

import datetime

import pytest
from django.utils import timezone

from conftest import make_user
from fangkong.accounts.roles import Role
from fangkong.isolation import services
from fangkong.people.services import household_create, person_create
from fangkong.people.tests.conftest import make_id
from fangkong.protocols.services import measure_start
from fangkong.territory.models import Responsibility


@pytest.fixture
def grid_a(city, grid_worker_a):
    Responsibility.objects.create(unit=city.a.grid, role=Responsibility.Role.GRID_WORKER, user=grid_worker_a,
                                  name="王网格", phone="13900001111")
    return grid_worker_a


@pytest.fixture
def site_staff(city):
    return make_user("site_staff", Role.ISOLATION, city.a.district, display_name="赵医生")


@pytest.fixture
def driver(city):
    return make_user("driver", Role.ISOLATION, city.a.district, display_name="钱师傅")


@pytest.fixture
def site_a(city, site_staff):
    site = services.site_create(code="GL-H1", name="东城宾馆隔离点", unit=city.a.district, address="东城区迎宾路1号",
                                actor=None, reserve=2, doctor=site_staff)
    rooms = [{"number": f"2{n:02d}", "floor": 2, "kind": "single", "beds": 1} for n in range(1, 11)]
    rooms += [{"number": f"3{n:02d}", "floor": 3, "kind": "family", "beds": 3} for n in range(1, 5)]
    services.rooms_create(site=site, rooms=rooms, actor=None)
    return site


@pytest.fixture
def family_a(city, grid_a):
    """A household of three (301) and a neighbour living alone (302), all close contacts since yesterday."""
    h1 = household_create(unit=city.a.building, number="301", address="东城一社区1号楼301", actor=None)
    h2 = household_create(unit=city.a.building, number="302", address="东城一社区1号楼302", actor=None)
    people = [person_create(name=name, id_number=make_id("110101", "19800101", f"{n:03d}"), household=household,
                            actor=None)
              for n, (name, household) in enumerate([("周父", h1), ("周母", h1), ("周子", h1), ("吴单", h2)], 1)]
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    for person in people:
        measure_start(person=person, category="close_contact", day_one=yesterday, actor=None, source="tracing")
    return people
