"""Who reads a household's needs, for every role: needs hold health data (medicine, prescriptions, care), so seeing a
point of use's stock (`supplies.view`) is not enough; the prescription stays with those who record or buy."""

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_user
from fangkong.accounts.roles import CAPABILITIES, Role
from fangkong.supplies.living import services
from fangkong.supplies.tests.test_living import home_a, record, supplies_a  # noqa: F401

pytestmark = pytest.mark.django_db

PRESCRIPTION = "每日一次，每次一片"
DRUG = "硝苯地平缓释片"
# The grid worker records needs; the supplies office buys and delivers them; district officers and the HQ oversee
# them; the system admin holds the office's capabilities.
READERS = {Role.HQ, Role.OFFICER, Role.GRID_WORKER, Role.SUPPLIES, Role.ADMIN}


def _scope(city, role):
    return {Role.GRID_WORKER: city.a.grid, Role.HQ: city.city, Role.ADMIN: city.city}.get(role, city.a.district)


@pytest.fixture
def needs_a(city, home_a, grid_worker_a, supplies_a):  # noqa: F811
    medicine = record(home_a, grid_worker_a, kind="medicine", items=[(DRUG, "2", "盒")],
                      prescription_note=PRESCRIPTION)
    daily = record(home_a, grid_worker_a, kind="daily")
    batch = services.batch_create(unit=city.a.district, cut_off=timezone.now(), actor=supplies_a)
    delivery = services.round_create_for_need(need=medicine, members=[supplies_a], actor=supplies_a)
    return {"medicine": medicine, "daily": daily, "batch": batch, "delivery": delivery}


def test_every_role_is_listed():
    assert set(CAPABILITIES) == set(Role)


@pytest.mark.parametrize("role", list(Role))
def test_reading_needs_takes_a_living_support_capability(client, city, needs_a, role):
    user = make_user(f"r_{role}", role, _scope(city, role))
    client.force_login(user)
    medicine = needs_a["medicine"]
    listing = client.get(reverse("supplies:living_needs"))
    detail = client.get(reverse("supplies:living_need", args=[medicine.pk]))
    rounds = client.get(reverse("supplies:living_rounds"))
    batches = client.get(reverse("supplies:living_batches"))
    if role in READERS:
        assert listing.status_code == 200 and f'data-need="{medicine.pk}"' in listing.content.decode()
        assert detail.status_code == 200 and DRUG in detail.content.decode()
        assert PRESCRIPTION in detail.content.decode()
        assert rounds.status_code == 200 and batches.status_code == 200
    else:
        for response in (listing, detail, rounds, batches):
            assert response.status_code == 404, (role, response.request["PATH_INFO"])
        for url in (reverse("supplies:living_round", args=[needs_a["delivery"].pk]),
                    reverse("supplies:living_batch", args=[needs_a["batch"].pk])):
            assert client.get(url).status_code == 404, (role, url)
    # Whoever may see the need's task (more people than the need: anyone with tasks.view in the district) reads
    # neither the medicine nor the prescription there.
    task_page = client.get(reverse("tasks:task", args=[medicine.task_id])).content.decode()
    assert PRESCRIPTION not in task_page and DRUG not in task_page


def test_the_delivery_round_never_shows_the_prescription(client, needs_a, supplies_a):  # noqa: F811
    client.force_login(supplies_a)
    page = client.get(reverse("supplies:living_round", args=[needs_a["delivery"].pk])).content.decode()
    assert DRUG in page and PRESCRIPTION not in page


def test_a_delivery_only_account_reads_the_address_and_items_but_not_the_prescription(
        client, monkeypatch, city, needs_a):
    # A delivery team account: the supplies role without recording or buying.
    monkeypatch.setitem(CAPABILITIES, Role.SUPPLIES,
                        CAPABILITIES[Role.SUPPLIES] - {"supplies.need", "supplies.purchase"})
    courier = make_user("courier_a", Role.SUPPLIES, city.a.district)
    needs_a["delivery"].members.add(courier)
    client.force_login(courier)
    medicine = needs_a["medicine"]
    page = client.get(reverse("supplies:living_need", args=[medicine.pk])).content.decode()
    assert DRUG in page and "东城1号楼101室" in page and PRESCRIPTION not in page
    page = client.get(reverse("supplies:living_round", args=[needs_a["delivery"].pk])).content.decode()
    assert DRUG in page and "东城1号楼101室" in page and PRESCRIPTION not in page


def test_district_b_readers_do_not_see_district_a_needs(client, city, needs_a):
    for role in READERS - {Role.HQ, Role.ADMIN}:
        scope = city.b.grid if role == Role.GRID_WORKER else city.b.district
        client.force_login(make_user(f"b_{role}", role, scope))
        assert f'data-need="{needs_a["medicine"].pk}"' not in client.get(
            reverse("supplies:living_needs")).content.decode()
        assert client.get(reverse("supplies:living_need", args=[needs_a["medicine"].pk])).status_code == 404
