"""DHIS2: the mapping, the dataValueSet of a day from the dashboard snapshot, the push to a fake DHIS2."""

import base64
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.utils import timezone

from fangkong.command.snapshot import snapshot_take
from fangkong.interop import services
from fangkong.interop.models import DataElementMapping, Dhis2Push, OrgUnitMapping
from fangkong.people.models import ManagementStatus, Person

UID = re.compile(r"^[A-Za-z][A-Za-z0-9]{10}$")
DAY = re.compile(r"^\d{8}$")


def assert_data_value_set(payload: dict) -> None:
    """The shape DHIS2's /api/dataValueSets takes (strict: no key it does not know)."""
    assert isinstance(payload, dict)
    assert set(payload) <= {"dataSet", "period", "orgUnit", "completeDate", "dataValues"}
    assert DAY.match(payload["period"])
    if "dataSet" in payload:
        assert UID.match(payload["dataSet"])
    assert isinstance(payload["dataValues"], list)
    for value in payload["dataValues"]:
        assert set(value) <= {"dataElement", "period", "orgUnit", "value", "categoryOptionCombo",
                              "attributeOptionCombo", "comment"}
        assert {"dataElement", "period", "orgUnit", "value"} <= set(value)
        assert UID.match(value["dataElement"])
        assert value["period"] == payload["period"]
        assert isinstance(value["value"], str) and value["value"].isdigit()
        if "categoryOptionCombo" in value:
            assert UID.match(value["categoryOptionCombo"])


@pytest.fixture
def mapped(city, hq, residents_a, resident_b):
    """Districts A and B mapped; new infections and home isolation mapped; a snapshot of today."""
    Person.objects.filter(pk__in=[p.pk for p in residents_a[:3]]).update(status=ManagementStatus.HOME_ISOLATION)
    services.org_unit_set(unit=city.a.district, org_unit="DiStrictAa1", actor=hq)
    services.org_unit_set(unit=city.b.district, org_unit="DiStrictBb2", actor=hq)
    services.data_element_set(figure="cases.new", data_element="NewInfect01", actor=hq)
    services.data_element_set(figure="people.status.home_isolation", data_element="HomeIsol001",
                              category_option_combo="CatOptCmb01", actor=hq)
    snapshot_take()
    return city


def test_uids_are_validated_and_nothing_is_saved(hq, city):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        services.data_element_set(figure="cases.new", data_element="not-a-uid", actor=hq)
    assert "DHIS2 UID" in str(exc.value)
    with pytest.raises(ValidationError):
        services.org_unit_set(unit=city.a.district, org_unit="1abcdefghij", actor=hq)  # starts with a digit
    with pytest.raises(ValidationError):
        services.data_element_set(figure="no.such.figure", data_element="NewInfect01", actor=hq)
    assert not DataElementMapping.objects.exists() and not OrgUnitMapping.objects.exists()


def test_the_day_payload_has_the_mapped_figures(mapped, hq):
    built = services.data_value_set(day=timezone.localdate())
    assert_data_value_set(built.payload)
    period = timezone.localdate().strftime("%Y%m%d")
    values = {(v["orgUnit"], v["dataElement"]): v for v in built.payload["dataValues"]}
    assert values[("DiStrictAa1", "HomeIsol001")]["value"] == "3"
    assert values[("DiStrictAa1", "HomeIsol001")]["categoryOptionCombo"] == "CatOptCmb01"
    assert values[("DiStrictBb2", "HomeIsol001")]["value"] == "0"
    assert values[("DiStrictAa1", "NewInfect01")]["value"] == "0"
    assert built.payload["period"] == period and not built.left_out


def test_counts_are_left_out_for_a_day_without_figures(mapped):
    yesterday = timezone.localdate() - timezone.timedelta(days=1)
    built = services.data_value_set(day=yesterday)
    assert_data_value_set(built.payload)
    assert {v["dataElement"] for v in built.payload["dataValues"]} == {"NewInfect01"}
    assert built.left_out == ["people.status.home_isolation"]


class FakeDhis2(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        FakeDhis2.received.append({"path": self.path, "auth": self.headers.get("Authorization"),
                                   "type": self.headers.get("Content-Type"), "payload": json.loads(body)})
        answer = {"httpStatus": "OK", "httpStatusCode": 200, "status": "OK", "response": {
            "responseType": "ImportSummary", "status": "SUCCESS",
            "importCount": {"imported": 3, "updated": 1, "ignored": 0, "deleted": 0}, "conflicts": []}}
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_dhis2(settings):
    FakeDhis2.received = []
    server = HTTPServer(("127.0.0.1", 0), FakeDhis2)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.DHIS2_URL = f"http://127.0.0.1:{server.server_port}/dhis"
    settings.DHIS2_USERNAME, settings.DHIS2_PASSWORD = "fangkong", "district"
    yield FakeDhis2
    server.shutdown()
    server.server_close()


def test_the_push_sends_the_payload_and_records_the_import_summary(mapped, fake_dhis2):
    from fangkong.interop.jobs import push_dhis2_daily

    push = Dhis2Push.objects.get(pk=push_dhis2_daily())
    (request,) = fake_dhis2.received
    assert request["path"] == "/dhis/api/dataValueSets"
    assert request["type"].startswith("application/json")
    assert request["auth"] == "Basic " + base64.b64encode(b"fangkong:district").decode()
    assert_data_value_set(request["payload"])
    assert len(request["payload"]["dataValues"]) == 4
    assert (push.status, push.imported, push.updated, push.ignored) == ("sent", 3, 1, 0)
    assert push.payload == request["payload"]


def test_a_failed_push_is_recorded_and_raised(mapped, settings):
    import httpx

    settings.DHIS2_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
    with pytest.raises(httpx.HTTPError):
        services.dhis2_push(day=timezone.localdate())
    push = Dhis2Push.objects.get()
    assert push.status == "failed" and push.error


def test_without_dhis2_the_payload_is_kept(mapped, settings):
    settings.DHIS2_URL = ""
    push = services.dhis2_push(day=timezone.localdate())
    assert push.status == "kept" and push.payload["dataValues"]


def test_the_api_serves_the_day(mapped, api_client, hq, officer_a):
    period = timezone.localdate().strftime("%Y%m%d")
    response = api_client(hq).get("/api/v1/interop/dhis2/dataValueSet", {"period": period})
    assert response.status_code == 200
    assert_data_value_set(response.json())
    assert len(response.json()["dataValues"]) == 4
    assert api_client(hq).get("/api/v1/interop/dhis2/dataValueSet", {"period": "2026-12"}).status_code == 422


def test_the_api_is_for_interop_dhis2_only(mapped, api_client, officer_a):
    period = timezone.localdate().strftime("%Y%m%d")
    assert api_client(officer_a).get("/api/v1/interop/dhis2/dataValueSet", {"period": period}).status_code == 404


def test_the_page_maps_shows_and_downloads(mapped, client, hq):
    client.force_login(hq)
    page = client.get("/interop/dhis2/")
    assert page.status_code == 200
    assert b'data-values="4"' in page.content
    # a bad UID is refused on the page with its message, and nothing changes
    refused = client.post("/interop/dhis2/elements/", {"figure": "cases.new", "data_element": "bad",
                                                        "category_option_combo": ""})
    assert refused.status_code == 422
    assert DataElementMapping.objects.get(figure="cases.new").data_element == "NewInfect01"
    saved = client.post("/interop/dhis2/elements/", {"figure": "testing.sampled", "data_element": "TestsDone01",
                                                      "category_option_combo": ""})
    assert saved.status_code == 302
    download = client.get("/interop/dhis2/", {"day": timezone.localdate().isoformat(), "download": "1"})
    assert download["Content-Disposition"].startswith("attachment")
    payload = json.loads(download.content)
    assert_data_value_set(payload)
    assert "TestsDone01" in {v["dataElement"] for v in payload["dataValues"]}


def test_the_page_is_not_for_officers(client, officer_a):
    client.force_login(officer_a)
    assert client.get("/interop/dhis2/").status_code == 404
    assert client.post("/interop/dhis2/org-units/", {"unit": officer_a.scope_id, "org_unit": "DiStrictAa1"}
                       ).status_code == 404
    assert not OrgUnitMapping.objects.exists()


def test_the_push_button_sends_and_lists_the_push(mapped, client, hq, fake_dhis2):
    client.force_login(hq)
    response = client.post("/interop/dhis2/push/", {"day": timezone.localdate().isoformat()})
    assert response.status_code == 302
    assert Dhis2Push.objects.get().status == "sent"
    assert b'data-status="sent"' in client.get(response["Location"]).content


def test_a_past_day_serves_what_was_sent_that_day(mapped, api_client, hq, settings):
    settings.DHIS2_URL = ""
    yesterday = timezone.localdate() - timezone.timedelta(days=1)
    # as if the evening job had run yesterday, with yesterday's counts (today's snapshot knows only today's)
    period = yesterday.strftime("%Y%m%d")
    kept = services.dhis2_push(day=timezone.localdate()).payload
    kept = {**kept, "period": period, "dataValues": [{**v, "period": period} for v in kept["dataValues"]]}
    Dhis2Push.objects.update(day=yesterday, payload=kept)
    payload = api_client(hq).get("/api/v1/interop/dhis2/dataValueSet", {"period": period}).json()
    assert payload == kept
    assert "HomeIsol001" in {v["dataElement"] for v in payload["dataValues"]}


def test_the_daily_job_does_nothing_before_anything_is_mapped(city):
    from fangkong.interop.jobs import push_dhis2_daily

    assert push_dhis2_daily() is None
    assert not Dhis2Push.objects.exists()
