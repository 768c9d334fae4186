"""A refinery in district A with its unit contact, a school in district B with its own, the default checklists,
and people on file; IDs are valid GB 11643 numbers."""

import pytest
from stdnum.cn import ric

from conftest import make_user
from fangkong.accounts.roles import Role
from fangkong.units import services
from fangkong.units.defaults import seed_default_checklists


def make_id(n: int, birth: str = "19850612") -> str:
    body = "110101" + birth + f"{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def checklists(db):
    seed_default_checklists()


@pytest.fixture
def refinery(city, checklists):
    return services.organisation_create(unit=city.a.community, name="东城炼油厂", kind="enterprise",
                                        contact_name="王安全", contact_phone="13900001111", industry="石化",
                                        address="东城区炼化路1号", actor=None)


@pytest.fixture
def smelter(city, checklists):
    return services.organisation_create(unit=city.a.street, name="东城冶炼厂", kind="enterprise",
                                        contact_name="赵厂长", actor=None)


@pytest.fixture
def school_b(city, checklists):
    return services.organisation_create(unit=city.b.community, name="西城第一中学", kind="school",
                                        contact_name="孙校长", actor=None)


@pytest.fixture
def contact(city, refinery):
    user = make_user("refinery_contact", Role.UNIT_CONTACT, city.a.community, display_name="炼油厂安全员")
    services.contact_link(organisation=refinery, user=user, actor=None)
    return user


@pytest.fixture
def staff(refinery):
    """Three workers of the refinery, on file through the roster."""
    from fangkong.units import roster

    return [roster.staff_add(organisation=refinery, name=name, id_number=make_id(n), role="操作工", actor=None)
            for n, name in ((1, "李一"), (2, "李二"), (3, "李三"))]
