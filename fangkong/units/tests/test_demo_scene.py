import pytest

from fangkong.demo.units_scene import REFINERY, seed_units, wipe_units
from fangkong.people.services import person_create
from fangkong.protocols.models import Measure
from fangkong.territory.models import Unit
from fangkong.units.models import Application, ClosedLoop, Organisation
from fangkong.units.tests.conftest import make_id

pytestmark = pytest.mark.django_db


def test_the_demo_scene_builds_the_refinery_the_school_and_the_smelter(city):
    for n in range(40):
        person_create(name=f"职工{n}", id_number=make_id(100 + n), unit=city.a.building, actor=None)
    result = seed_units(city=city.city, district=city.a.district)
    assert result["created"] and result["staff"] == 30
    assert [u.username for u in result["users"]] == ["refinery"]
    refinery = Organisation.objects.get(name=REFINERY)
    loop = ClosedLoop.objects.get(organisation=refinery, status="active")
    assert loop.sites.count() == 3 and loop.events.filter(kind="exit").count() == 1
    assert Measure.objects.filter(source="units.loop_exit").count() == 1
    assert Application.objects.filter(status="submitted").count() == 1
    assert Application.objects.filter(status="approved").count() == 1
    assert seed_units(city=city.city, district=city.a.district)["created"] is False
    wipe_units(units=Unit.objects.values("id"))
    assert not Organisation.objects.exists()
