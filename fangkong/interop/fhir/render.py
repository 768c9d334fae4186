"""Our rows as FHIR R4 resources (dicts checked by fhir.resources), and OperationOutcomes."""

import json

from django.http import HttpResponse
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient

from fangkong.core.masking import mask_id_number, mask_phone
from fangkong.interop.fhir import codes

GENDER = {"M": "male", "F": "female"}


def _instant(value) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def patient(person, *, revealed: dict | None = None) -> dict:
    """Patient with the ID number and phone masked, unless `revealed` (from people.services.person_reveal)."""
    id_number = revealed["id_number"] if revealed else mask_id_number(person.id_number)
    phone = revealed["phone"] if revealed else mask_phone(person.phone)
    resource = {
        "resourceType": "Patient",
        "id": str(person.pk),
        "identifier": [{"system": codes.identifier_system(person.id_type), "value": id_number}],
        "active": person.merged_into_id is None,
        "name": [{"text": person.name}] if person.name else [],
        "gender": GENDER.get(person.sex, "unknown"),
    }
    if person.birth_date:
        resource["birthDate"] = person.birth_date.isoformat()
    if phone:
        resource["telecom"] = [{"system": "phone", "value": phone, "use": "mobile"}]
    if not revealed:
        resource["meta"] = {"security": [{"system": codes.V3_OBSERVATION_VALUE, "code": "MASKED",
                                          "display": "masked"}]}
    return Patient.model_validate(resource).model_dump(mode="json", exclude_none=True)


def _ct_component(field: str, value) -> dict:
    code, text = codes.CT_TARGETS[field]
    return {"code": {"coding": [{"system": codes.CT_SYSTEM, "code": code, "display": text}], "text": text},
            "valueQuantity": {"value": float(value), "unit": "Ct"}}


def observation(sample) -> dict:
    """One Sample's result: the tube's (a pooled tube's result is each of its samples')."""
    tube = sample.tube
    code, display = codes.RESULT_CODES[tube.result]
    resource = {
        "resourceType": "Observation",
        "id": str(sample.pk),
        "status": "final",
        "category": [{"coding": [{"system": codes.OBSERVATION_CATEGORY, "code": "laboratory"}]}],
        "code": {"coding": [{"system": codes.LOINC, "code": codes.SARS_COV_2_RNA[0],
                             "display": codes.SARS_COV_2_RNA[1]}], "text": "SARS-CoV-2 RNA"},
        "effectiveDateTime": _instant(sample.sampled_at),
        "issued": _instant(tube.result_recorded_at or tube.tested_at),
        "valueCodeableConcept": {"coding": [{"system": codes.SNOMED, "code": code, "display": display}],
                                 "text": display},
        "interpretation": [{"coding": [{"system": codes.V3_INTERPRETATION,
                                        "code": codes.INTERPRETATION[tube.result]}]}],
        "contained": [{
            "resourceType": "Specimen", "id": "tube",
            "accessionIdentifier": {"system": codes.identifier_system("tube"), "value": tube.code},
            "collection": {"collectedDateTime": _instant(sample.sampled_at)},
            "note": [{"text": f"pool of {tube.capacity}"}] if tube.capacity > 1 else [],
        }],
        "specimen": {"reference": "#tube", "display": tube.code},
    }
    if sample.person_id:
        resource["subject"] = {"reference": f"Patient/{sample.person_id}"}
    if tube.lab_id:
        resource["performer"] = [{"identifier": {"system": codes.identifier_system("lab"), "value": tube.lab.code},
                                  "display": tube.lab.name}]
    components = [_ct_component(f, getattr(tube, f)) for f in codes.CT_TARGETS if getattr(tube, f) is not None]
    if components:
        resource["component"] = components
    return Observation.model_validate(resource).model_dump(mode="json", exclude_none=True)


def searchset(resources: list[dict], *, base_url: str, next_url: str | None = None,
              self_url: str | None = None) -> dict:
    links = [{"relation": "self", "url": self_url}] if self_url else []
    if next_url:
        links.append({"relation": "next", "url": next_url})
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "timestamp": _instant(timezone.now()),
        "total": len(resources) if not next_url else None,
        "link": links,
        "entry": [{"fullUrl": f"{base_url}{r['resourceType']}/{r['id']}", "resource": r,
                   "search": {"mode": "match"}} for r in resources],
    }
    return Bundle.model_validate(bundle).model_dump(mode="json", exclude_none=True)


def outcome(issues: list[dict]) -> dict:
    """issues: [{"severity", "code", "diagnostics", "expression"?}]."""
    return OperationOutcome.model_validate({"resourceType": "OperationOutcome", "issue": issues}).model_dump(
        mode="json", exclude_none=True)


def issue(code: str, diagnostics: str, *, severity: str = "error", expression: list[str] | None = None) -> dict:
    found = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if expression:
        found["expression"] = expression
    return found


def response(resource: dict, status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(resource, ensure_ascii=False), status=status, content_type=codes.FHIR_JSON)


def not_found(what: str = "Resource") -> HttpResponse:
    return response(outcome([issue("not-found", f"{what} not found")]), status=404)


def capability_statement(*, base_url: str) -> dict:
    search = {"Patient": [("identifier", "token")], "Observation": [("patient", "reference")]}
    resources = [{"type": kind, "interaction": [{"code": "read"}, {"code": "search-type"}],
                  "searchParam": [{"name": name, "type": kind_} for name, kind_ in params]}
                 for kind, params in search.items()]
    statement = {
        "resourceType": "CapabilityStatement", "status": "active", "date": timezone.localdate().isoformat(),
        "kind": "instance", "fhirVersion": "4.0.1", "format": [codes.FHIR_JSON, "json"],
        "software": {"name": "Fangkong"}, "implementation": {"description": "Fangkong FHIR R4", "url": base_url},
        "rest": [{"mode": "server", "resource": resources,
                  "operation": [{"name": "lab-inbox", "definition": f"{base_url}lab-inbox",
                                 "documentation": "POST a Bundle of lab results (Observation + Specimen)"}]}],
    }
    return CapabilityStatement.model_validate(statement).model_dump(mode="json", exclude_none=True)
