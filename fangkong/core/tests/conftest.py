from datetime import timedelta

import pytest
from django.utils import timezone

from fangkong.people.models import Household, ManagementStatus, Person
from fangkong.tasks.models import Task
from fangkong.territory.models import Level, Responsibility
from fangkong.territory.services import unit_create


def add_household(building, number: str, statuses: list[str]) -> Household:
    household = Household.objects.create(unit=building, number=number, address=f"{building.name}{number}")
    for i, status in enumerate(statuses):
        Person.objects.create(name=f"居民{number}-{i}", id_number=f"63080119900101{i:03d}X"[:18],
                              household=household, unit=building, status=status)
    return household


def add_task(unit, *, owner=None, overdue=False, status=Task.Status.OPEN) -> Task:
    due = timezone.now() + (timedelta(hours=-2) if overdue else timedelta(hours=6))
    return Task.objects.create(kind="visit", title="上门核查", unit=unit, owner=owner, due_at=due, status=status)


@pytest.fixture
def populated(city, grid_worker_a):
    """District A: 2 households (3 persons, one isolated at home), a staffed grid and a second unstaffed grid,
    2 open tasks (one overdue) and one done; district B: 1 household, 1 person, 1 overdue task."""
    add_household(city.a.building, "101", [ManagementStatus.NORMAL, ManagementStatus.HOME_ISOLATION])
    add_household(city.a.building, "102", [ManagementStatus.NORMAL])
    Responsibility.objects.create(unit=city.a.grid, role=Responsibility.Role.GRID_WORKER, name="张网格",
                                  user=grid_worker_a)
    unit_create(parent=city.a.community, level=Level.GRID, name="东城网格2", code="630801001001G2")
    add_task(city.a.grid, owner=grid_worker_a)
    add_task(city.a.building, owner=grid_worker_a, overdue=True)
    add_task(city.a.grid, owner=grid_worker_a, status=Task.Status.DONE)
    add_household(city.b.building, "201", [ManagementStatus.CENTRAL_ISOLATION])
    add_task(city.b.grid, overdue=True)
    return city
