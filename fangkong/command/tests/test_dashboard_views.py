"""The dashboard pages and their JSON: what the HQ and a street officer see, and what they never see."""

import pytest
from django.urls import reverse

from conftest import make_user
from fangkong.accounts.roles import Role
from fangkong.command.snapshot import snapshot_take
from fangkong.risk.models import RiskArea
from fangkong.tracing.tests.conftest import case_a, grid_a, people_a, person_b, reported_at, tracer_a

__all__ = ["case_a", "grid_a", "people_a", "person_b", "reported_at", "tracer_a"]


@pytest.fixture
def counted(city, case_a, person_b, settings):
    settings.COMMAND_RAISE_COLLECTOR_ERRORS = True
    city.a.district.geometry = {"type": "Polygon", "coordinates": [[[111, 36], [111.5, 36], [111.5, 36.5],
                                                                     [111, 36.5], [111, 36]]]}
    city.a.district.save(update_fields=["geometry"])
    return snapshot_take()


@pytest.fixture
def street_officer(city):
    return make_user("street_a", Role.OFFICER, city.a.street)


def test_hq_sees_the_city_and_drills_into_a_district(client, hq, city, counted):
    client.force_login(hq)
    page = client.get(reverse("command:dashboard"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-figure="cases.total">1<' in html
    assert f'data-unit="{city.a.district.pk}"' in html and f'data-unit="{city.b.district.pk}"' in html
    drilled = client.get(reverse("command:dashboard_unit", kwargs={"unit_id": city.a.district.pk})).content.decode()
    assert f'data-unit="{city.a.street.pk}"' in drilled and "城关市" in drilled  # breadcrumb back to the city


def test_street_officer_sees_their_street_only(client, street_officer, city, counted):
    client.force_login(street_officer)
    page = client.get(reverse("command:dashboard"))
    assert page.status_code == 200
    assert f'data-unit="{city.a.community.pk}"' in page.content.decode()
    for unit in (city.city, city.a.district, city.b.district, city.b.street):
        for name in ("command:dashboard_unit", "command:dashboard_data", "command:map_data"):
            assert client.get(reverse(name, kwargs={"unit_id": unit.pk})).status_code == 404


def test_field_roles_have_no_dashboard(client, grid_worker_a, counted):
    client.force_login(grid_worker_a)
    assert client.get(reverse("command:dashboard")).status_code == 404


def test_data_json_carries_the_curve_and_children(client, hq, city, counted, case_a):
    client.force_login(hq)
    data = client.get(reverse("command:dashboard_data", kwargs={"unit_id": city.city.pk})).json()
    assert data["figures"]["cases.total"] == 1
    assert {c["name"] for c in data["children"]} == {"东城区", "西城区"}
    assert data["curve"]["onset"][-2:] == [1, 0]  # onset yesterday
    assert data["stale"] is False


def test_map_json_has_the_polygons_the_metrics_and_risk_areas(client, hq, city, counted):
    RiskArea.objects.create(unit=city.a.building, name="东城1号楼", level="high", declared_at=counted.taken_at,
                            level_since=counted.taken_at, status="declared")
    client.force_login(hq)
    data = client.get(reverse("command:map_data", kwargs={"unit_id": city.city.pk})).json()
    features = {f["properties"]["name"]: f for f in data["features"]["features"]}
    assert features["东城区"]["geometry"]["type"] == "Polygon" and features["西城区"]["geometry"] is None
    assert features["东城区"]["properties"]["values"]["cases.total"] == 1
    assert "tasks.overdue" in {m["key"] for m in data["metrics"]}
    [area] = data["risk"]
    assert area["level"] == "high" and area["center"] == [111.2, 36.2]  # the building sits in 东城区's polygon


def test_no_snapshot_yet_says_so(client, hq, city):
    client.force_login(hq)
    html = client.get(reverse("command:dashboard")).content.decode()
    assert 'id="snapshot-time"' in html and "data-figure" not in html


def test_recount_queues_the_job_and_refuses_foreign_redirects(client, hq, city):
    from fangkong.ops.models import JobRun

    client.force_login(hq)
    response = client.post(reverse("command:refresh"), {"next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("command:dashboard")
    assert JobRun.objects.filter(job_path="fangkong.command.jobs.refresh_dashboard_snapshot").exists()



def test_api_gives_the_node_to_a_token_holder_in_scope_only(client, officer_a, city, counted):
    from fangkong.accounts.models import ApiToken

    _token, raw = ApiToken.issue(user=officer_a, name="大屏")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    ok = client.get(f"/api/v1/command/nodes/{city.a.district.pk}", **auth)
    assert ok.status_code == 200 and ok.json()["figures"]["cases.total"] == 1
    assert [c["name"] for c in ok.json()["children"]] == ["东城街道"]
    assert client.get(f"/api/v1/command/nodes/{city.b.district.pk}", **auth).status_code == 404
    assert client.get(f"/api/v1/command/nodes/{city.city.pk}", **auth).status_code == 404
