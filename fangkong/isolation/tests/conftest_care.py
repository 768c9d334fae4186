"""Sites, rooms and people in the site for the care tests, built with the ORM (not through the placement services).

东城 site (district A): floor 3 has rooms 301 (张三) and 302 (李四), floor 5 has room 501 (王五); its doctor and
a staff member. 西城 site (district B): room 201 (赵六) and its staff member.
"""

import datetime

import pytest
from django.utils import timezone

from conftest import make_user
from fangkong.accounts.roles import Role
from fangkong.isolation.models import Category, Room, Site, Stay
from fangkong.people.models import Person
from fangkong.people.search import name_keys, reversed_key
from fangkong.territory.models import Responsibility


def make_person(name: str, id_number: str, unit) -> Person:
    keys = name_keys(name)
    return Person.objects.create(name=name, name_simplified=keys.simplified, name_pinyin=keys.pinyin,
                                 name_initials=keys.initials, id_number=id_number,
                                 id_number_rev=reversed_key(id_number), unit=unit)


def make_stay(site: Site, room: Room, person: Person, *, status=Stay.Status.ARRIVED) -> Stay:
    now = timezone.now()
    return Stay.objects.create(person=person, unit=person.unit, category=Category.CLOSE_CONTACT, room=room, site=site,
                               status=status, queued_at=now - datetime.timedelta(hours=20),
                               placed_at=now - datetime.timedelta(hours=18),
                               arrived_at=now - datetime.timedelta(hours=16) if status == Stay.Status.ARRIVED else None,
                               received_by="值班员")


@pytest.fixture
def doctor_a(city):
    return make_user("doctor_a", Role.ISOLATION, city.a.district, display_name="刘医生")


@pytest.fixture
def staff_a(city):
    return make_user("staff_a", Role.ISOLATION, city.a.district, display_name="东城值班员")


@pytest.fixture
def staff_b(city):
    return make_user("staff_b", Role.ISOLATION, city.b.district, display_name="西城值班员")


@pytest.fixture
def leader_a(city, officer_a):
    """officer_a answers for district A as its area leader: requests not for the doctor go to them."""
    Responsibility.objects.create(unit=city.a.district, role=Responsibility.Role.AREA_LEADER, user=officer_a,
                                  name="东城包片领导")
    return officer_a


@pytest.fixture
def site_a(city, doctor_a):
    site = Site.objects.create(code="GL-A1", name="东城宾馆", unit=city.a.district, address="东城大街1号",
                               doctor=doctor_a)
    for number, floor in (("301", 3), ("302", 3), ("303", 3), ("501", 5)):
        Room.objects.create(site=site, number=number, floor=floor, status=Room.Status.OCCUPIED)
    return site


@pytest.fixture
def site_b(city):
    site = Site.objects.create(code="GL-B1", name="西城酒店", unit=city.b.district, address="西城大街2号")
    Room.objects.create(site=site, number="201", floor=2, status=Room.Status.OCCUPIED)
    return site


@pytest.fixture
def stays_a(city, site_a):
    """{name: stay}: 张三 in 301, 李四 in 302 (floor 3), 王五 in 501 (floor 5); 孙七 was released from 303."""
    rooms = {r.number: r for r in site_a.rooms.all()}
    people = [("张三", "301", "630801199001010011"), ("李四", "302", "630801199001010022"),
              ("王五", "501", "630801199001010033")]
    stays = {name: make_stay(site_a, rooms[room], make_person(name, id_number, city.a.building))
             for name, room, id_number in people}
    stays["孙七"] = make_stay(site_a, rooms["303"], make_person("孙七", "630801199001010044", city.a.building),
                            status=Stay.Status.RELEASED)
    return stays


@pytest.fixture
def stay_b(city, site_b):
    return make_stay(site_b, site_b.rooms.get(number="201"), make_person("赵六", "630802199001010055",
                                                                         city.b.building))
