"""District A's round from testing's fixtures, with tubes received by LAB1, and FHIR Bundles a lab would send."""

import uuid

import pytest
from django.utils import timezone

from fangkong.interop.fhir import codes
from fangkong.testing import services as testing
from fangkong.testing.tests.conftest import (  # noqa: F401 (fixtures)
    fill_tube,
    lab,
    lab_staff,
    other_lab,
    other_lab_staff,
    point_a,
    resident_b,
    resident_id,
    residents_a,
    round_a,
)


def received(tubes, to_lab):
    """Close, hand over and receive these tubes at `to_lab`."""
    for tube in tubes:
        if tube.status == tube.Status.OPEN:
            testing.tube_close(tube=tube, actor=None)
    handover = testing.handover_send(lab=to_lab, codes=[t.code for t in tubes], declared_count=len(tubes), actor=None)
    testing.handover_receive(handover=handover, codes=[t.code for t in tubes], actor=None)
    for tube in tubes:
        tube.refresh_from_db()
    return tubes


@pytest.fixture
def tubes_at_lab(round_a, point_a, residents_a, lab, lab_staff):  # noqa: F811
    """Three tubes received by LAB1: T-A1 (residents 1–4), T-A2 (5–8), T-A3 (9–12)."""
    tubes = [fill_tube(round_a, point_a, f"T-A{n}", residents_a[(n - 1) * 4:n * 4]) for n in (1, 2, 3)]
    return received(tubes, lab)


def observation(n: int, *, result="negative", tube_code: str | None = None, id_number: str | None = None,
                ct=None, issued=None, status="final") -> list[dict]:
    """An Observation entry and its Specimen (and Patient) entries, as a lab's LIS writes them."""
    entries = []
    obs = {
        "resourceType": "Observation", "id": f"obs-{n}", "status": status,
        "code": {"coding": [{"system": codes.LOINC, "code": "94309-2"}]},
        "valueCodeableConcept": {"coding": [{"system": codes.SNOMED,
                                             "code": codes.RESULT_CODES[result][0]}]},
        "issued": (issued or timezone.now()).isoformat(),
    }
    if tube_code is not None:
        entries.append({"fullUrl": f"urn:uuid:spec-{n}", "resource": {
            "resourceType": "Specimen", "id": f"spec-{n}",
            "accessionIdentifier": {"system": codes.identifier_system("tube"), "value": tube_code}}})
        obs["specimen"] = {"reference": f"urn:uuid:spec-{n}"}
    if id_number is not None:
        entries.append({"fullUrl": f"urn:uuid:pat-{n}", "resource": {
            "resourceType": "Patient", "id": f"pat-{n}",
            "identifier": [{"system": codes.identifier_system("resident"), "value": id_number}]}})
        obs["subject"] = {"reference": f"urn:uuid:pat-{n}"}
    if ct:
        obs["component"] = [
            {"code": {"coding": [{"system": codes.CT_SYSTEM, "code": "ORF1ab"}]}, "valueQuantity": {"value": ct[0]}},
            {"code": {"coding": [{"system": codes.CT_SYSTEM, "code": "N"}]}, "valueQuantity": {"value": ct[1]}},
        ]
    entries.append({"fullUrl": f"urn:uuid:obs-{n}", "resource": obs})
    return entries


def bundle(*groups, type_="collection", identifier: str | None = "auto") -> dict:
    data = {"resourceType": "Bundle", "type": type_, "entry": [e for group in groups for e in group]}
    if identifier:
        data["identifier"] = {"system": "urn:lab1:messages",
                              "value": uuid.uuid4().hex if identifier == "auto" else identifier}
    return data


@pytest.fixture
def post_bundle(api_client):
    def post(user, data, **extra):
        import json

        client = api_client(user)
        body = data if isinstance(data, (bytes, str)) else json.dumps(data)
        return client.post("/api/v1/interop/fhir/lab-inbox", data=body, content_type=codes.FHIR_JSON, **extra)

    return post
