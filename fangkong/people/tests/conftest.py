import pytest
from stdnum.cn import ric

from fangkong.people.services import household_create, person_create


def make_id(area: str = "110101", birth: str = "19900307", seq: str = "123") -> str:
    body = area + birth + seq
    return body + ric.calc_check_digit(body + "0")


@pytest.fixture
def home_a(city):
    return household_create(unit=city.a.building, number="1-101", address="东城区东街道东一社区1号楼1-101", actor=None)


@pytest.fixture
def home_b(city):
    return household_create(unit=city.b.building, number="2-202", address="西城区西街道西一社区1号楼2-202", actor=None)


@pytest.fixture
def chen(home_a):
    """陈纲, district A: the person searched for by 陳綱, cg and chengang."""
    return person_create(name="陈纲", id_number=make_id("110101", "19800101", "123"), phone="13812345678",
                         household=home_a, actor=None)


@pytest.fixture
def zhang(home_a):
    return person_create(name="张三", id_number=make_id("440305", "19920202", "246"), phone="13987654321",
                         household=home_a, actor=None)


@pytest.fixture
def li_b(home_b):
    """李四, district B: officer_a never sees him."""
    return person_create(name="李四", id_number=make_id("310104", "19750505", "357"), phone="13600009999",
                         household=home_b, actor=None)

