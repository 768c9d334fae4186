import pytest

from conftest import make_user
from fangkong.accounts.roles import Role
from fangkong.demo.notices_scene import seed_notices, wipe_notices
from fangkong.notices.models import Gate, Notice
from fangkong.notices.selectors import notices_for_node

pytestmark = pytest.mark.django_db


def test_the_scene_seeds_once_and_wipes(city, hq):
    make_user("officer", Role.OFFICER, city.a.district)
    result = seed_notices(city=city.city, district=city.a.district)
    assert result["created"]
    assert {n.number for n in notices_for_node(city.a.building)} == set(result["in_force"])
    assert [n.number for n in notices_for_node(city.b.building)] == [result["in_force"][0]]
    assert Gate.objects.filter(is_open=True).count() == 1 and Gate.objects.count() == 3
    assert not seed_notices(city=city.city, district=city.a.district)["created"]
    units = [u.pk for u in (city.city, city.a.district, city.a.street, city.a.community)]
    wipe_notices(units=units)
    assert not Notice.objects.exists() and not Gate.objects.exists()
