"""FHIR reads: Patient (masked unless revealed with a reason, logged), Observation per sample result, scope."""

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient

from fangkong.accounts.models import AccessLog
from fangkong.interop.fhir import codes
from fangkong.interop.tests.conftest import received
from fangkong.testing import services as testing
from fangkong.testing.models import Sample

BASE = "/api/v1/interop/fhir"


def test_patient_is_masked_by_default(api_client, officer_a, residents_a):
    person = residents_a[0]
    response = api_client(officer_a).get(f"{BASE}/Patient/{person.pk}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    body = response.json()
    Patient.model_validate(body)
    identifier = body["identifier"][0]
    assert identifier["system"] == codes.identifier_system("resident")
    assert identifier["value"] != person.id_number and "*" in identifier["value"]
    assert identifier["value"].endswith(person.id_number[-4:])
    assert "*" in body["telecom"][0]["value"]
    assert body["meta"]["security"][0]["code"] == "MASKED"
    # gender and birth date come from the ID number (…0307…, 17th digit odd: male)
    assert body["birthDate"] == "1990-03-07"
    assert body["gender"] in {"male", "female"}
    assert body["name"][0]["text"] == person.name
    assert not AccessLog.objects.exists()


def test_patient_revealed_with_a_reason_is_logged(api_client, officer_a, residents_a):
    person = residents_a[0]
    body = api_client(officer_a).get(f"{BASE}/Patient/{person.pk}", {"reveal": "流调核实"}).json()
    assert body["identifier"][0]["value"] == person.id_number
    assert body["telecom"][0]["value"] == person.phone
    assert "meta" not in body
    log = AccessLog.objects.get()
    assert (log.actor, log.kind, log.object_id, log.reason) == (officer_a, "reveal", person.pk, "流调核实")


def test_reveal_without_the_capability_stays_masked(api_client, city, residents_a):
    from conftest import make_user

    inspector = make_user("insp", "inspector", city.a.district)
    body = api_client(inspector).get(f"{BASE}/Patient/{residents_a[0].pk}", {"reveal": "想看"}).json()
    assert "*" in body["identifier"][0]["value"]
    assert not AccessLog.objects.exists()


def test_patient_outside_the_scope_is_a_404_operation_outcome(api_client, officer_a, resident_b):
    response = api_client(officer_a).get(f"{BASE}/Patient/{resident_b.pk}")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/fhir+json")
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == "not-found"
    missing = api_client(officer_a).get(f"{BASE}/Patient/999999").json()
    assert missing == body  # missing and out of scope look the same


def test_patient_search_by_identifier(api_client, officer_a, officer_b, residents_a):
    person = residents_a[2]
    query = {"identifier": f"{codes.identifier_system('resident')}|{person.id_number}"}
    body = api_client(officer_a).get(f"{BASE}/Patient", query).json()
    Bundle.model_validate(body)
    assert body["type"] == "searchset" and body["total"] == 1
    assert body["entry"][0]["resource"]["id"] == str(person.pk)
    assert body["entry"][0]["fullUrl"].endswith(f"/api/v1/interop/fhir/Patient/{person.pk}")
    # without a system the number is read as a resident ID; another district finds nobody
    assert api_client(officer_a).get(f"{BASE}/Patient", {"identifier": person.id_number}).json()["total"] == 1
    assert api_client(officer_b).get(f"{BASE}/Patient", query).json()["total"] == 0


def test_patient_search_with_an_unknown_system_is_a_400(api_client, officer_a, residents_a):
    response = api_client(officer_a).get(f"{BASE}/Patient", {"identifier": "urn:other|123"})
    assert response.status_code == 400
    assert response.json()["issue"][0]["code"] == "not-supported"


def _resulted(round_a, point_a, residents_a, lab):
    from fangkong.interop.tests.conftest import fill_tube

    tube = fill_tube(round_a, point_a, "T-P1", residents_a[:3])
    received([tube], lab)
    testing.tube_result_record(tube=tube, result="positive", ct_orf1ab="28.5", ct_n="30.1", actor=None, lab=lab)
    pending = fill_tube(round_a, point_a, "T-P2", residents_a[3:4])
    return tube, pending


def test_observations_of_a_patient(api_client, officer_a, round_a, point_a, residents_a, lab):
    tube, pending = _resulted(round_a, point_a, residents_a, lab)
    person = residents_a[0]
    body = api_client(officer_a).get(f"{BASE}/Observation", {"patient": person.pk}).json()
    Bundle.model_validate(body)
    assert body["total"] == 1
    obs = body["entry"][0]["resource"]
    Observation.model_validate(obs)
    sample = Sample.objects.get(tube=tube, person=person)
    assert obs["id"] == str(sample.pk)
    assert obs["code"]["coding"][0] == {"system": codes.LOINC, "code": "94500-6", "display": codes.SARS_COV_2_RNA[1]}
    assert obs["valueCodeableConcept"]["coding"][0]["code"] == "10828004"
    assert obs["subject"] == {"reference": f"Patient/{person.pk}"}
    assert obs["contained"][0]["accessionIdentifier"]["value"] == "T-P1"
    assert obs["specimen"]["reference"] == "#tube"
    assert obs["effectiveDateTime"].startswith(sample.sampled_at.astimezone().date().isoformat()[:4])
    assert obs["issued"]
    cts = {c["code"]["coding"][0]["code"]: c["valueQuantity"]["value"] for c in obs["component"]}
    assert cts == {"ORF1ab": 28.5, "N": 30.1}
    # a sample whose tube has no result yet is not an Observation
    waiting = Sample.objects.get(tube=pending)
    assert api_client(officer_a).get(f"{BASE}/Observation/{waiting.pk}").status_code == 404


def test_observation_read_and_scope(api_client, officer_a, officer_b, lab_staff, round_a, point_a, residents_a,
                                    lab, other_lab_staff):
    tube, _pending = _resulted(round_a, point_a, residents_a, lab)
    sample = Sample.objects.filter(tube=tube).first()
    assert api_client(officer_a).get(f"{BASE}/Observation/{sample.pk}").json()["id"] == str(sample.pk)
    # the lab that tested it sees it; another lab and another district do not
    assert api_client(lab_staff).get(f"{BASE}/Observation/{sample.pk}").status_code == 200
    assert api_client(other_lab_staff).get(f"{BASE}/Observation/{sample.pk}").status_code == 404
    response = api_client(officer_b).get(f"{BASE}/Observation/{sample.pk}")
    assert response.status_code == 404 and response.json()["resourceType"] == "OperationOutcome"
    assert api_client(officer_b).get(f"{BASE}/Observation", {"patient": residents_a[0].pk}).status_code == 404


def test_the_openapi_document_lists_the_interop_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ["/api/v1/interop/fhir/Patient/{person_id}", "/api/v1/interop/fhir/Patient",
                 "/api/v1/interop/fhir/Observation/{sample_id}", "/api/v1/interop/fhir/Observation",
                 "/api/v1/interop/fhir/lab-inbox", "/api/v1/interop/dhis2/dataValueSet"]:
        assert path in paths, path
    assert codes.FHIR_JSON in paths["/api/v1/interop/fhir/lab-inbox"]["post"]["requestBody"]["content"]


def test_the_capability_statement(client, db):
    body = client.get(f"{BASE}/metadata").json()
    assert body["resourceType"] == "CapabilityStatement" and body["fhirVersion"] == "4.0.1"
    assert {r["type"] for r in body["rest"][0]["resource"]} == {"Patient", "Observation"}
