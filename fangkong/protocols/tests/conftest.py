import pytest
from stdnum.cn import ric

from fangkong.people.services import household_create, person_create
from fangkong.territory.models import Responsibility


def make_id(body: str = "11010119800101123") -> str:
    return body + ric.calc_check_digit(body + "0")


@pytest.fixture
def chen(city, grid_worker_a):
    Responsibility.objects.create(unit=city.a.grid, role=Responsibility.Role.GRID_WORKER, user=grid_worker_a,
                                  name="网格员甲", phone="13900000001")
    home = household_create(unit=city.a.building, number="1-101", address="东城区东街道1号楼1-101", actor=None)
    return person_create(name="陈纲", id_number=make_id(), phone="13812345678", household=home, actor=None)
