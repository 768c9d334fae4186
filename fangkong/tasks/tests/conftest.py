"""Households, people and responsibilities for the tasks tests, made directly with the ORM."""

import pytest

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.people.models import Household, Person
from fangkong.people.search import name_keys, reversed_key
from fangkong.tasks.services import task_create
from fangkong.territory.models import Responsibility


def make_user(username: str, role: str, scope) -> User:
    return User.objects.create_user(username=username, password="correct-horse-battery", role=role, scope=scope,
                                    display_name=username)


def make_person(name: str, id_number: str, household=None, unit=None, **extra) -> Person:
    keys = name_keys(name)
    return Person.objects.create(
        name=name, name_simplified=keys.simplified, name_pinyin=keys.pinyin, name_initials=keys.initials,
        id_number=id_number, id_number_rev=reversed_key(id_number), household=household,
        unit=unit or household.unit, **extra,
    )


def make_household(building, number: str, *names) -> Household:
    household = Household.objects.create(unit=building, number=number, address=f"{building.name}{number}室")
    for i, name in enumerate(names):
        make_person(name, f"630801198001{int(number):04d}{i:02d}", household=household)
    return household


def assign(unit, role, user=None, household=None, name=None) -> Responsibility:
    return Responsibility.objects.create(unit=unit, role=role, user=user, household=household,
                                         name=name or (str(user) if user else "?"))


@pytest.fixture
def household_a(city):
    return make_household(city.a.building, "101", "张三", "李四")


@pytest.fixture
def household_b(city):
    return make_household(city.b.building, "201", "王五")


@pytest.fixture
def leader_a(city):
    """The area leader (包片领导) of district A's street, an officer there."""
    return make_user("leader_a", Role.OFFICER, city.a.street)


@pytest.fixture
def responsibilities(city, grid_worker_a, grid_worker_b, leader_a):
    assign(city.a.grid, Responsibility.Role.GRID_WORKER, grid_worker_a)
    assign(city.b.grid, Responsibility.Role.GRID_WORKER, grid_worker_b)
    assign(city.a.street, Responsibility.Role.AREA_LEADER, leader_a)


@pytest.fixture
def visit_a(responsibilities, household_a):
    return task_create(kind="household_visit", title="", unit=household_a.unit, household=household_a)


@pytest.fixture
def visit_b(responsibilities, household_b):
    return task_create(kind="household_visit", title="", unit=household_b.unit, household=household_b)
