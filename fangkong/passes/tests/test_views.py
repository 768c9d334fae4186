import datetime

import pytest
from django.utils import timezone

from fangkong.passes import services
from fangkong.passes.models import EscortPass, FreightPass, Scan
from fangkong.passes.tests.conftest import DRIVER_ID, PATIENT_ID

pytestmark = pytest.mark.django_db


def test_transport_requests_a_pass_through_the_form(client, transport, exit_a):
    client.force_login(transport)
    response = client.post("/passes/new/", {
        "plate": "青A12345", "driver_name": "李师傅", "driver_id_number": DRIVER_ID, "driver_phone": "13800138000",
        "origin": "物流园", "destination": "人民医院", "cargo": "medical", "valid_from": "2026-12-01T08:00",
        "valid_to": "2026-12-03T08:00", "stop_1": exit_a.pk})
    freight_pass = FreightPass.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/passes/{freight_pass.pk}/"
    assert client.get(response["Location"]).status_code == 200


def test_the_form_shows_the_validity_message_and_writes_nothing(client, transport, exit_a):
    client.force_login(transport)
    response = client.post("/passes/new/", {
        "plate": "青A12345", "driver_name": "李师傅", "driver_id_number": DRIVER_ID, "driver_phone": "13800138000",
        "origin": "物流园", "destination": "人民医院", "cargo": "medical", "valid_from": "2026-12-03T08:00",
        "valid_to": "2026-12-01T08:00", "stop_1": exit_a.pk})
    assert response.status_code == 422
    assert 'id="error-freight-form-valid_to"' in response.content.decode()
    assert not FreightPass.objects.exists()


def test_an_issued_pass_shows_its_qr_code_and_masks_the_driver(client, transport, make_pass):
    freight_pass = make_pass()
    client.force_login(transport)
    body = client.get(f"/passes/{freight_pass.pk}/").content.decode()
    assert "<svg" in body and services.freight_code(freight_pass) in body
    assert DRIVER_ID not in body and "13800138000" not in body


def test_a_district_officer_of_b_does_not_see_the_city_pass(client, officer_b, make_pass):
    freight_pass = make_pass()
    client.force_login(officer_b)
    assert client.get(f"/passes/{freight_pass.pk}/").status_code == 404
    assert freight_pass.number not in client.get("/passes/").content.decode()


def test_the_reviewer_approves_on_the_page(client, transport, make_pass):
    freight_pass = make_pass(issue=False)
    client.force_login(transport)
    response = client.post(f"/passes/{freight_pass.pk}/review/", {"decision": "approve"})
    assert response.status_code == 302
    freight_pass.refresh_from_db()
    assert freight_pass.status == FreightPass.Status.ISSUED


def test_revoking_without_a_reason_says_so(client, transport, make_pass):
    freight_pass = make_pass()
    client.force_login(transport)
    response = client.post(f"/passes/{freight_pass.pk}/revoke/", {"reason": ""})
    assert response.status_code == 422
    freight_pass.refresh_from_db()
    assert freight_pass.status == FreightPass.Status.ISSUED


def test_the_checkpoint_scans_on_its_page(client, checkpoint_a, exit_a, make_pass):
    freight_pass = make_pass()
    client.force_login(checkpoint_a)
    response = client.post("/passes/scan/", {"checkpoint": exit_a.pk, "code": services.freight_code(freight_pass)})
    body = response.content.decode()
    assert response.status_code == 200 and 'data-disposition="pass_p2p"' in body and freight_pass.plate in body
    response = client.post("/passes/scan/", {"checkpoint": exit_a.pk, "code": "HY00000999:nonsense"})
    assert 'data-reason="forged"' in response.content.decode()
    assert Scan.objects.count() == 2


def test_a_checkpoint_of_b_cannot_pick_a_checkpoint_of_a(client, checkpoint_b_user, exit_a, make_pass):
    client.force_login(checkpoint_b_user)
    response = client.post("/passes/scan/", {"checkpoint": exit_a.pk, "code": services.freight_code(make_pass())})
    assert response.status_code == 422 and not Scan.objects.exists()


def test_scans_are_listed_by_day_and_checkpoint_in_scope(client, checkpoint_a, checkpoint_b_user, exit_a,
                                                         make_pass, hq):
    services.freight_pass_scan(code=services.freight_code(make_pass()), checkpoint=exit_a, actor=checkpoint_a)
    client.force_login(hq)
    today = timezone.localdate().isoformat()
    assert 'data-disposition="pass_p2p"' in client.get(f"/passes/scans/?day={today}").content.decode()
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    assert "data-scan=" not in client.get(f"/passes/scans/?day={yesterday}").content.decode()
    client.force_login(checkpoint_b_user)
    assert "data-scan=" not in client.get("/passes/scans/").content.decode()


def test_passes_list_filters_by_route_and_day(client, transport, make_pass):
    make_pass(destination="东城区人民医院")
    make_pass(destination="西城区物资仓库")
    client.force_login(transport)
    body = client.get("/passes/?route=人民医院").content.decode()
    assert body.count("data-pass=") == 1
    day = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    assert "data-pass=" not in client.get(f"/passes/?day={day}").content.decode()


def test_api_scan(api_client, checkpoint_a, exit_a, make_pass):
    freight_pass = make_pass()
    response = api_client(checkpoint_a).post("/api/v1/passes/scans", {"code": services.freight_code(freight_pass),
                                                                      "checkpoint_id": exit_a.pk},
                                             content_type="application/json")
    assert response.status_code == 200 and response.json()["disposition"] == "pass_p2p"


def test_api_scan_at_another_districts_checkpoint_is_404(api_client, checkpoint_b_user, exit_a, make_pass):
    response = api_client(checkpoint_b_user).post(
        "/api/v1/passes/scans", {"code": services.freight_code(make_pass()), "checkpoint_id": exit_a.pk},
        content_type="application/json")
    assert response.status_code == 404 and not Scan.objects.exists()


def test_the_hospital_issues_an_escort_pass_and_the_gate_scans_it(client, clinic_a, patient):
    client.force_login(clinic_a)
    now = timezone.localtime()
    fmt = "%Y-%m-%dT%H:%M"
    response = client.post("/passes/escort/new/", {
        "patient_id_number": PATIENT_ID, "escort_name": "王家属", "escort_id_number": DRIVER_ID,
        "escort_phone": "13900139001", "tested_at": (now - datetime.timedelta(hours=2)).strftime(fmt),
        "valid_from": (now - datetime.timedelta(minutes=5)).strftime(fmt),
        "valid_to": (now + datetime.timedelta(days=2)).strftime(fmt)})
    assert response.status_code == 302
    escort_pass = EscortPass.objects.get(patient=patient)
    response = client.post("/passes/escort/scan/", {"code": services.escort_code(escort_pass)})
    assert 'data-disposition="pass"' in response.content.decode()
    again = client.post("/passes/escort/new/", {"patient_id_number": PATIENT_ID, "escort_name": "另一人"})
    assert again.status_code == 422 and EscortPass.objects.count() == 1
