import pytest

from fangkong.people.services import household_create, person_create
from fangkong.people.tests.conftest import make_id


@pytest.fixture(autouse=True)
def _exports_dir(settings, tmp_path):
    settings.EXPORTS_DIR = tmp_path / "exports"


@pytest.fixture
def persons_a(city):
    """Three persons in district A: 陈纲, 张三 (home isolation), 王五."""
    home = household_create(unit=city.a.building, number="1-101", address="东城区东街道东一社区1号楼1-101", actor=None)
    return [
        person_create(name="陈纲", id_number=make_id("110101", "19800101", "123"), phone="13812345678",
                      address="东城区东街道东一社区1号楼1-101", household=home, actor=None),
        person_create(name="张三", id_number=make_id("440305", "19920202", "246"), phone="13987654321",
                      household=home, actor=None),
        person_create(name="王五", id_number=make_id("110101", "19700707", "135"), phone="13700001111",
                      household=home, actor=None),
    ]


@pytest.fixture
def person_b(city):
    home = household_create(unit=city.b.building, number="2-202", address="西城区西街道西一社区1号楼2-202", actor=None)
    return person_create(name="李四", id_number=make_id("310104", "19750505", "357"), phone="13600009999",
                         household=home, actor=None)
