"""Fixtures of the clinic and disinfection tests: a hospital's fever clinic in district A with its staff user, a
pharmacy in district B with its own, and a grid worker answering for A's grid."""

import pytest

__all__ = ["clinic_a", "clinic_user_a", "clinic_b", "clinic_user_b", "grid_duty_a"]

from conftest import make_user
from fangkong.accounts.roles import Role
from fangkong.territory.models import Responsibility
from fangkong.units import services
from fangkong.units.clinics import services as clinic_services


@pytest.fixture
def clinic_a(city):
    hospital = services.organisation_create(unit=city.a.community, name="东城人民医院", kind="other",
                                            contact_name="张院长", address="东城区医院路1号", actor=None)
    return clinic_services.clinic_register(organisation=hospital, kind="fever_clinic", actor=None)


@pytest.fixture
def clinic_user_a(city, clinic_a):
    user = make_user("clinic_a", Role.CLINIC, city.a.community, display_name="东城医院预检分诊")
    clinic_services.clinic_staff_link(clinic=clinic_a, user=user, actor=None)
    return user


@pytest.fixture
def clinic_b(city):
    pharmacy = services.organisation_create(unit=city.b.community, name="西城大药房", kind="other",
                                            contact_name="钱店长", actor=None)
    return clinic_services.clinic_register(organisation=pharmacy, kind="sentinel_pharmacy", actor=None)


@pytest.fixture
def clinic_user_b(city, clinic_b):
    user = make_user("clinic_b", Role.CLINIC, city.b.community)
    clinic_services.clinic_staff_link(clinic=clinic_b, user=user, actor=None)
    return user


@pytest.fixture
def grid_duty_a(city, grid_worker_a):
    Responsibility.objects.create(unit=city.a.grid, role=Responsibility.Role.GRID_WORKER, user=grid_worker_a,
                                  name="东城网格员")
    return grid_worker_a
