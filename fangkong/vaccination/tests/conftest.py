import pytest

from fangkong.people.services import household_create, person_create
from fangkong.people.tests.conftest import make_id

ZHAO_ID = make_id("110101", "19500101", "111")  # 76 years old in 2026
QIAN_ID = make_id("110101", "19900307", "222")
SUN_ID = make_id("110101", "20150606", "333")
LI_B_ID = make_id("310104", "19400505", "444")  # district B


@pytest.fixture
def residents_a(city):
    home = household_create(unit=city.a.building, number="101", address="东城一社区1号楼101", actor=None)
    return {
        "zhao": person_create(name="赵老伯", id_number=ZHAO_ID, household=home, actor=None),
        "qian": person_create(name="钱女士", id_number=QIAN_ID, household=home, actor=None),
        "sun": person_create(name="孙小明", id_number=SUN_ID, household=home, actor=None),
    }


@pytest.fixture
def resident_b(city):
    home = household_create(unit=city.b.building, number="201", address="西城一社区1号楼201", actor=None)
    return person_create(name="李奶奶", id_number=LI_B_ID, household=home, actor=None)


def csv_bytes(*rows, header="身份证号,姓名,疫苗,剂次,接种日期,接种单位") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")
