import pytest

from fangkong.command.snapshot import snapshot_take
from fangkong.demo.vaccination_scene import seed_vaccination, wipe_vaccination
from fangkong.vaccination.imports import doses_import
from fangkong.vaccination.models import Dose, DoseImport
from fangkong.vaccination.tests.conftest import ZHAO_ID, csv_bytes

pytestmark = pytest.mark.django_db


def test_a_persons_doses_over_the_api_and_404_for_another_district(api_client, officer_a, officer_b, residents_a):
    doses_import(data=csv_bytes(f"{ZHAO_ID},赵老伯,智飞,1,2021-04-01,东城"), filename="a.csv", actor=officer_a)
    zhao = residents_a["zhao"]
    answer = api_client(officer_a).get(f"/api/v1/vaccination/persons/{zhao.pk}/doses").json()
    assert answer == [{"dose_number": 1, "product": "zf2001", "product_name": "智飞 ZF2001", "given_on": "2021-04-01",
                       "site_name": "东城", "site_code": "", "batch": ""}]
    assert api_client(officer_b).get(f"/api/v1/vaccination/persons/{zhao.pk}/doses").status_code == 404


def test_coverage_over_the_api(api_client, city, officer_a, officer_b, residents_a, monkeypatch):
    monkeypatch.setattr("fangkong.command.snapshot.COLLECTORS", ["fangkong.command.figures.vaccination.collect"])
    doses_import(data=csv_bytes(f"{ZHAO_ID},赵老伯,国药,1,2021-04-01,东城"), filename="a.csv", actor=officer_a)
    snapshot_take()
    answer = api_client(officer_a).get(f"/api/v1/vaccination/coverage/{city.a.district.pk}").json()
    elderly = next(b for b in answer["bands"] if b["band"] == "60_plus")
    assert (elderly["residents"], elderly["dose1"], elderly["full"]) == (1, 1, 0)
    assert [c["unit_id"] for c in answer["children"]] == [city.a.street.pk]
    assert api_client(officer_b).get(f"/api/v1/vaccination/coverage/{city.a.district.pk}").status_code == 404


def test_the_demo_scene_vaccinates_the_district_once_and_is_wiped_with_it(city, residents_a, resident_b):
    first = seed_vaccination(city=city.city, district=city.a.district, seed=2020)
    again = seed_vaccination(city=city.city, district=city.a.district, seed=2020)
    assert first["created"] and first["doses"] == Dose.objects.count() > 0 and not again["created"]
    assert not Dose.objects.filter(person=resident_b).exists()
    numbers = {}
    for person_id, number in Dose.objects.values_list("person_id", "dose_number"):
        numbers.setdefault(person_id, []).append(number)
    assert all(sorted(n) == list(range(1, len(n) + 1)) for n in numbers.values())
    units = [city.a.district.pk, city.a.street.pk, city.a.community.pk, city.a.grid.pk, city.a.building.pk]
    wipe_vaccination(units=units)
    assert not Dose.objects.exists() and not DoseImport.objects.exists()
