import pytest

from conftest import make_user
from fangkong.accounts.roles import Role
from fangkong.arrivals.models import Checkpoint
from fangkong.demo.outbreak import CHECKPOINT_NAME
from fangkong.demo.passes_scene import seed_passes, wipe_passes
from fangkong.passes.models import EscortPass, FreightPass, Scan
from fangkong.people.models import Person

pytestmark = pytest.mark.django_db


def test_the_scene_seeds_once_and_wipes(city):
    make_user("checkpoint", Role.CHECKPOINT, city.a.district)
    Checkpoint.objects.create(name=CHECKPOINT_NAME, kind="highway_exit", unit=city.a.district)
    Person.objects.create(name="王病人", id_number="630802199001010038", unit=city.a.building)

    first = seed_passes(city=city.city, district=city.a.district)
    assert first["created"] and {u.username for u in first["users"]} == {"transport", "clinic"}
    assert FreightPass.objects.count() == 4 and EscortPass.objects.count() == 1
    assert sorted(Scan.objects.values_list("reason", flat=True)) == ["expired", "revoked", "valid"]
    assert not seed_passes(city=city.city, district=city.a.district)["created"]

    wipe_passes(units=[u.pk for u in (city.city, city.a.district, city.a.street, city.a.building)])
    assert not FreightPass.objects.exists() and not EscortPass.objects.exists() and not Scan.objects.exists()
