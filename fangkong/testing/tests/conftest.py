"""A district-A round of 10-in-1 tubes: twelve residents of 东城1号楼, a point, a lab and its staff."""

import datetime

import pytest
from django.utils import timezone

from conftest import make_user
from fangkong.accounts.roles import Role
from fangkong.people.services import household_create, person_create
from fangkong.people.tests.conftest import make_id
from fangkong.territory.models import Responsibility
from fangkong.testing import services
from fangkong.testing.models import LabStaff


def resident_id(n: int) -> str:
    return make_id("110101", "19900307", f"{n:03d}")


@pytest.fixture
def residents_a(city):
    """Twelve residents of 东城1号楼: 101 has ten, 102 has two."""
    h101 = household_create(unit=city.a.building, number="101", address="东城一社区1号楼101", actor=None)
    h102 = household_create(unit=city.a.building, number="102", address="东城一社区1号楼102", actor=None)
    return [person_create(name=f"居民{n}", id_number=resident_id(n), phone=f"1390000{n:04d}",
                          household=h101 if n <= 10 else h102, actor=None) for n in range(1, 13)]


@pytest.fixture
def resident_b(city):
    household = household_create(unit=city.b.building, number="201", address="西城一社区1号楼201", actor=None)
    return person_create(name="西城居民", id_number=resident_id(99), household=household, actor=None)


@pytest.fixture
def grid_a(city, grid_worker_a):
    Responsibility.objects.create(unit=city.a.grid, role=Responsibility.Role.GRID_WORKER, user=grid_worker_a,
                                  name="王网格", phone="13900001111")
    return grid_worker_a


@pytest.fixture
def sampler_a(city):
    return make_user("sampler_a", Role.SAMPLER, city.a.street)


@pytest.fixture
def sampler_b(city):
    return make_user("sampler_b", Role.SAMPLER, city.b.street)


@pytest.fixture
def point_a(city):
    return services.point_create(code="P-A1", name="东一社区广场采样点", unit=city.a.community,
                                 opens_at=datetime.time(7), closes_at=datetime.time(22), actor=None,
                                 latitude=36.4, longitude=94.9)


@pytest.fixture
def point_b(city):
    return services.point_create(code="P-B1", name="西一社区采样点", unit=city.b.community,
                                 opens_at=datetime.time(7), closes_at=datetime.time(22), actor=None)


@pytest.fixture
def lab(city):
    return services.lab_create(code="LAB1", name="市疾控中心实验室", unit=city.city, actor=None)


@pytest.fixture
def other_lab(city):
    return services.lab_create(code="LAB2", name="第三方检测实验室", unit=city.city, actor=None)


@pytest.fixture
def lab_staff(lab, lab_user):
    LabStaff.objects.create(lab=lab, user=lab_user)
    return lab_user


@pytest.fixture
def round_a(city, residents_a, resident_b):
    now = timezone.now()
    return services.round_create(code="R-A-1", name="东城区第一轮全员核酸", nodes=[city.a.district],
                                 starts_at=now - datetime.timedelta(hours=1), ends_at=now + datetime.timedelta(days=1),
                                 pool_size=10, actor=None)


def fill_tube(round_, point, code, people, actor=None):
    tube = services.tube_open(round_=round_, point=point, code=code, actor=actor)
    for person in people:
        services.sample_add(tube=tube, id_number=person.id_number, actor=actor)
    tube.refresh_from_db()
    return tube


def send_and_result(tube, lab, result="negative", **ct):
    if tube.status == tube.Status.OPEN:
        services.tube_close(tube=tube, actor=None)
    handover = services.handover_send(lab=lab, codes=[tube.code], declared_count=1, actor=None)
    services.handover_receive(handover=handover, codes=[tube.code], actor=None)
    tube.refresh_from_db()
    tube, _changed = services.tube_result_record(tube=tube, result=result, actor=None, lab=lab, **ct)
    return tube


# --- HQ and officer pages --------------------------------------------------------------------------------------


@pytest.fixture
def street_officer_a(city):
    """An officer of 东街道 (district A's street)."""
    return make_user("street_officer_a", Role.OFFICER, city.a.street)


@pytest.fixture
def city_round(city, residents_a, resident_b):
    """A round over the whole city: district A's twelve and district B's one."""
    now = timezone.now()
    return services.round_create(code="R-CITY-1", name="全市第一轮全员核酸", nodes=[city.city],
                                 starts_at=now - datetime.timedelta(hours=1), ends_at=now + datetime.timedelta(days=1),
                                 pool_size=10, actor=None)


@pytest.fixture
def positive_tube_a(round_a, point_a, residents_a, lab):
    """Tube T0000010 of round_a: 101's ten residents, positive."""
    tube = fill_tube(round_a, point_a, "T0000010", residents_a[:10])
    return send_and_result(tube, lab, result="positive", ct_orf1ab="28.5", ct_n="30.1")


# --- field pages ---------------------------------------------------------------------------------------------


@pytest.fixture
def other_lab_staff(other_lab, city):
    """A lab user of the other lab: none of LAB1's batches or tubes are theirs."""
    user = make_user("lab2", Role.LAB, city.city)
    LabStaff.objects.create(lab=other_lab, user=user)
    return user


def sent_batch(tubes, lab, actor=None):
    """Close these tubes if needed and hand them to `lab` in one batch."""
    for tube in tubes:
        if tube.status == tube.Status.OPEN:
            services.tube_close(tube=tube, actor=actor)
    return services.handover_send(lab=lab, codes=[t.code for t in tubes], declared_count=len(tubes), actor=actor)
