import pytest
from django.utils import timezone

from fangkong.demo.clinics_scene import CLINIC_USERNAME, TODAY_RISE, seed_clinics, wipe_clinics
from fangkong.demo.units_scene import wipe_units
from fangkong.people.services import person_create
from fangkong.territory.models import Unit
from fangkong.units.clinics.selectors import recent_rises
from fangkong.units.models import Clinic, DisinfectionOrder, DisinfectionSchedule, FeverReport, Organisation
from fangkong.units.tests.conftest import make_id

pytestmark = pytest.mark.django_db


def test_the_demo_scene_builds_the_clinic_its_rise_and_the_disinfection(city, hq):
    from fangkong.tracing.services import case_open

    persons = [person_create(name=f"居民{n}", id_number=make_id(100 + n), unit=city.a.building, actor=None)
               for n in range(90)]
    case_open(person=persons[-1], first_positive_at=timezone.now(), source="testing_round", actor=None)
    result = seed_clinics(city=city.city, district=city.a.district)
    assert result["created"] and [u.username for u in result["users"]] == [CLINIC_USERNAME]
    assert FeverReport.objects.filter(seen_on=timezone.localdate()).count() == TODAY_RISE
    assert [cell.count for _clinic, cell in recent_rises(user=hq, days=1)] == [TODAY_RISE]
    assert DisinfectionOrder.objects.filter(source="environment").count() == 1
    assert DisinfectionOrder.objects.filter(source="case_home").count() == 1
    assert result["routine_tasks"] == 3
    assert seed_clinics(city=city.city, district=city.a.district)["created"] is False
    wipe_clinics(units=Unit.objects.values("id"))
    wipe_units(units=Unit.objects.values("id"))
    assert not (Clinic.objects.exists() or FeverReport.objects.exists() or DisinfectionSchedule.objects.exists()
                or Organisation.objects.exists())
