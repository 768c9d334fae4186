"""The public QR page: no login, a privacy notice, limits per address and per phone, a honeypot."""

import pytest
from django.utils import timezone

from fangkong.arrivals.models import Arrival, SelfReport
from fangkong.arrivals.services import report_link_create
from fangkong.arrivals.tests.conftest import ORIGIN_HIGH, traveller

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(city, officer_a):
    """The QR code on the notice board of 东城网格1: reports go to that grid."""
    return report_link_create(unit=city.a.grid, actor=officer_a)


def _form(n=1, **over):
    t = traveller(n)
    data = {"name": t["name"], "id_number": t["id_number"], "phone": t["phone"], "origin_text": ORIGIN_HIGH,
            "left_origin_on": timezone.localdate().isoformat(), "destination_address": "东城一社区3号楼",
            "consent": "on", "website": ""}
    data.update(over)
    return data


def test_a_traveller_reports_without_logging_in(client, protocol, high_area, grid_a, link, city):
    page = client.get(f"/arrivals/report/{link.token}/").content.decode()
    assert "Privacy notice" in page and "What we collect" in page and "How long" in page
    response = client.post(f"/arrivals/report/{link.token}/", _form())
    assert "Thank you" in response.content.decode()
    arrival = Arrival.objects.get()
    assert arrival.channels == ["self_report"] and arrival.destination == city.a.grid
    assert arrival.origin_level == "high" and arrival.first_contact_task.owner == grid_a


def test_the_honeypot_stores_nothing(client, protocol, link):
    response = client.post(f"/arrivals/report/{link.token}/", _form(website="http://spam.example"))
    assert "Thank you" in response.content.decode()
    assert not SelfReport.objects.exists() and not Arrival.objects.exists()


def test_three_reports_per_phone_per_day(client, protocol, link, settings):
    settings.ARRIVALS_SELF_REPORT_PER_IP_HOUR = 100
    for n in range(3):
        client.post(f"/arrivals/report/{link.token}/", _form(n + 1, phone="13812345678"))
    response = client.post(f"/arrivals/report/{link.token}/", _form(9, phone="13812345678"))
    assert response.status_code == 429
    assert "already reported 3 times today" in response.content.decode()
    assert SelfReport.objects.count() == 3


def test_five_reports_per_address_per_hour(client, protocol, link):
    for n in range(5):
        client.post(f"/arrivals/report/{link.token}/", _form(n + 1, phone=f"1391234560{n}"))
    response = client.post(f"/arrivals/report/{link.token}/", _form(9, phone="13912345699"))
    assert response.status_code == 429 and "Too many reports from this network" in response.content.decode()
    assert SelfReport.objects.count() == 5


def test_an_unknown_token_is_404(client, db):
    assert client.get("/arrivals/report/nope/").status_code == 404


def test_a_bad_id_is_named(client, protocol, link):
    response = client.post(f"/arrivals/report/{link.token}/", _form(id_number="123"))
    assert "A resident ID has 18 characters" in response.content.decode()
    assert not Arrival.objects.exists()
