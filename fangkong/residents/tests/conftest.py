"""A household under home isolation in district A (head, spouse, child, grandmother), one in district B, their
grid workers on the responsibility map, and a client signed in as a resident."""

import datetime
import re

import pytest
from django.utils import timezone
from stdnum.cn import ric

from fangkong.people.services import person_create, person_status_change
from fangkong.territory.models import Responsibility


def make_id(birth: datetime.date, seq: str = "123", area: str = "110101") -> str:
    body = f"{area}{birth:%Y%m%d}{seq}"
    return body + ric.calc_check_digit(body + "0")


def years_ago(years: int, days: int = 10) -> datetime.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - datetime.timedelta(days=days)


@pytest.fixture(autouse=True)
def _notify_locmem(settings):
    from fangkong.notify.backends import locmem

    settings.NOTIFY_BACKEND = "fangkong.notify.backends.locmem.Backend"
    settings.NOTIFY_QUIET_HOURS = ""
    locmem.outbox.clear()
    yield locmem.outbox
    locmem.outbox.clear()


@pytest.fixture
def outbox(_notify_locmem):
    return _notify_locmem


def _person(name, birth, seq, *, household=None, unit=None, phone="", status="home_isolation", door=""):
    person = person_create(name=name, id_number=make_id(birth, seq), actor=None, household=household, unit=unit,
                           phone=phone, door=door, birth_date=birth)
    if status != "normal":
        person_status_change(person=person, to_status=status, cause="test", actor=None)
        person.refresh_from_db()
    return person


class Family:
    def __init__(self, city):
        self.head = _person("王建国", years_ago(45), "111", unit=city.a.building, door="101", phone="13800000001")
        household = self.head.household
        self.spouse = _person("李秀英", years_ago(43), "222", household=household, phone="13800000002")
        self.child = _person("王小明", years_ago(8), "333", household=household)
        self.grandmother = _person("张桂兰", years_ago(72), "444", household=household, phone="13800000004",
                                   status="home_monitoring")
        self.released_child = _person("王小红", years_ago(5), "555", household=household, status="normal")
        self.household = household


@pytest.fixture
def grid_a(city, grid_worker_a):
    return Responsibility.objects.create(unit=city.a.grid, role=Responsibility.Role.GRID_WORKER, user=grid_worker_a,
                                         name="张网格", phone="13900000001")


@pytest.fixture
def grid_b(city, grid_worker_b):
    return Responsibility.objects.create(unit=city.b.grid, role=Responsibility.Role.GRID_WORKER, user=grid_worker_b,
                                         name="李网格", phone="13900000002")


@pytest.fixture
def family(city, grid_a, grid_b):
    return Family(city)


@pytest.fixture
def neighbour_b(city, grid_b):
    """Someone under home isolation in district B."""
    return _person("赵西城", years_ago(30), "666", unit=city.b.building, door="202", phone="13800000009")


def code_from(outbox) -> str:
    return re.search(r"\d{6}", outbox[-1].text).group(0)


def sign_in(client, person, outbox) -> None:
    client.post("/residents/", {"id_number": person.id_number})
    response = client.post("/residents/code/", {"code": code_from(outbox)})
    assert response.status_code == 302 and response["Location"] == "/residents/me/", response


@pytest.fixture
def resident_client(client, family, outbox):
    """The head of the family, signed in."""
    sign_in(client, family.head, outbox)
    return client
