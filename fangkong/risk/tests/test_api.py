import pytest

from fangkong.risk.services import risk_area_declare

pytestmark = pytest.mark.django_db


def test_areas_are_listed_and_filtered_in_scope(api_client, city, officer_a, officer_b, hq):
    risk_area_declare(level="high", actor=officer_a, reason="x", unit=city.a.grid)
    risk_area_declare(level="low", actor=hq, reason="x", code="410100", name="郑州市")
    body = api_client(officer_b).get("/api/v1/risk/areas").json()
    assert [a["name"] for a in body["items"]] == ["郑州市"]
    body = api_client(hq).get("/api/v1/risk/areas?level=high").json()
    assert [(a["name"], a["zone"]) for a in body["items"]] == [("东城网格1", "Sealed area")]


def test_level_by_code_and_by_address(api_client, hq):
    risk_area_declare(level="high", actor=hq, reason="x", code="411721", name="柏城街道")
    client = api_client(hq)
    assert client.get("/api/v1/risk/level?code=411721").json()["level"] is None
    body = client.get("/api/v1/risk/level?address=河南省驻马店市西平县柏城街道东关社区").json()
    assert (body["level"], body["code"], body["origin"]["rest"]) == ("high", "411721", "柏城街道东关社区")
    assert client.get("/api/v1/risk/level?address=asdf").status_code == 422
    assert client.get("/api/v1/risk/level?code=12x").status_code == 422
