"""Reading a lab's FHIR Bundle of results, checked whole before anything is applied.

`read_lab_message(body)` returns a LabMessage or raises BundleRefused with one OperationOutcome issue per
problem, each naming the entry (index and FHIRPath expression).
"""

import datetime
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError as PydanticError

from fangkong.interop.fhir import codes
from fangkong.interop.fhir.render import issue
from fangkong.testing.services import clean_ct, clean_result

BUNDLE_TYPES = {"transaction", "batch", "collection", "message"}
FINAL_STATUSES = {"final", "amended", "corrected"}
MAX_ISSUES = 20


class BundleRefused(Exception):
    def __init__(self, issues: list[dict]):
        super().__init__("; ".join(i["diagnostics"] for i in issues))
        self.issues = issues


@dataclass
class IncomingResult:
    index: int
    observation: dict
    specimen: dict | None
    patient: dict | None
    tube_code: str
    id_type: str
    id_number: str
    result: str
    ct_orf1ab: Decimal | None
    ct_n: Decimal | None
    tested_at: datetime.datetime | None
    lab_code: str = ""


@dataclass
class LabMessage:
    key: str
    bundle_type: str
    results: list[IncomingResult] = field(default_factory=list)


def _expression(loc) -> str:
    path = "Bundle"
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif not str(part).startswith(("function-", "model-")):
            path += f".{part}"
    return path


def _entry_of(loc) -> int | None:
    return loc[1] if len(loc) > 1 and loc[0] == "entry" and isinstance(loc[1], int) else None


def _schema_issues(exc: PydanticError) -> list[dict]:
    found = []
    for error in exc.errors()[:MAX_ISSUES]:
        loc = tuple(p for p in error.get("loc", ()) if not str(p).startswith(("function-", "model-")))
        entry = _entry_of(loc)
        where = f"entry {entry}: " if entry is not None else ""
        found.append(issue("structure", f"{where}{_expression(loc)}: {error.get('msg', 'invalid')}",
                           expression=[_expression(loc)]))
    return found


class _Index:
    """Resources of the Bundle by fullUrl and by "Type/id", to follow references inside it."""

    def __init__(self, entries: list[dict]):
        self.by_ref: dict[str, dict] = {}
        for entry in entries:
            resource = entry.get("resource") or {}
            if entry.get("fullUrl"):
                self.by_ref[entry["fullUrl"]] = resource
            if resource.get("id"):
                self.by_ref[f"{resource.get('resourceType')}/{resource['id']}"] = resource

    def follow(self, reference: dict | None, container: dict, kind: str) -> tuple[dict | None, bool]:
        """(resource, found). A reference with only an identifier is returned as a stand-in of that kind."""
        if not reference:
            return None, True
        ref = reference.get("reference")
        if ref:
            if ref.startswith("#"):
                for resource in container.get("contained") or []:
                    if resource.get("id") == ref[1:]:
                        return resource, True
                return None, False
            resource = self.by_ref.get(ref) or self.by_ref.get("/".join(ref.rstrip("/").split("/")[-2:]))
            return resource, resource is not None
        if reference.get("identifier"):
            if kind == "Specimen":
                return {"resourceType": "Specimen", "accessionIdentifier": reference["identifier"]}, True
            return {"resourceType": kind, "identifier": [reference["identifier"]]}, True
        return None, True


def _result_of(observation: dict) -> str | None:
    concept = observation.get("valueCodeableConcept")
    candidates = []
    if concept:
        for coding in concept.get("coding") or []:
            mapped = codes.RESULT_BY_CODE.get(str(coding.get("code") or "").lower())
            if mapped:
                return mapped
            candidates.append(coding.get("display") or "")
        candidates.append(concept.get("text") or "")
    if "valueString" in observation:
        candidates.append(observation["valueString"])
    words = {"detected": "positive", "not detected": "negative"}
    for text in candidates:
        text = (text or "").strip()
        if text.lower() in words:
            return words[text.lower()]
        try:
            return clean_result(text)
        except ValidationError:
            continue
    return None


_N_GENE = re.compile(r"(^|[^a-z0-9])n( ?gene|基因)?([^a-z0-9]|$)")


def _ct_field(component: dict) -> str | None:
    """Which Ct a component holds, from its codes or text: ORF1ab, or the N gene."""
    concept = component.get("code") or {}
    texts = [concept.get("text") or ""]
    for coding in concept.get("coding") or []:
        texts += [coding.get("code") or "", coding.get("display") or ""]
    texts = [str(t or "").lower() for t in texts]
    if any("orf1" in t for t in texts):
        return "ct_orf1ab"
    if any(_N_GENE.search(t) for t in texts):
        return "ct_n"
    return None


def _document(patient: dict | None) -> tuple[str, str]:
    for identifier in (patient or {}).get("identifier") or []:
        id_type = codes.id_type_of_system(identifier.get("system"))
        value = "".join(str(identifier.get("value") or "").split()).upper()
        if id_type and value:
            return id_type, value
    return "", ""


def _message_key(data: dict) -> str:
    identifier = data.get("identifier") or {}
    if identifier.get("value"):
        return f"{identifier.get('system', '')}|{identifier['value']}"[:300]
    if data.get("type") == "message":
        for entry in data.get("entry") or []:
            resource = entry.get("resource") or {}
            if resource.get("resourceType") == "MessageHeader" and resource.get("id"):
                return f"message|{resource['id']}"[:300]
    return ""


def _read_observation(index: int, observation: dict, refs: _Index, problems: list) -> IncomingResult | None:
    where = f"Bundle.entry[{index}].resource"
    before = len(problems)
    if observation.get("status") not in FINAL_STATUSES:
        problems.append(issue("value", f"entry {index}: Observation.status “{observation.get('status')}” is not a "
                                       f"final result", expression=[f"{where}.status"]))
    result = _result_of(observation)
    if result is None:
        has_value = any(k.startswith("value") for k in observation)
        problems.append(issue("required" if not has_value else "value",
                              f"entry {index}: Observation has no value" if not has_value else
                              f"entry {index}: Observation value is not positive, negative or invalid",
                              expression=[f"{where}.value[x]"]))
    cts = {"ct_orf1ab": None, "ct_n": None}
    for n, component in enumerate(observation.get("component") or []):
        target = _ct_field(component)
        if target is None:
            continue
        value = (component.get("valueQuantity") or {}).get("value")
        try:
            cts[target] = clean_ct(value, target)
        except ValidationError as exc:
            problems.append(issue("value", f"entry {index}: component {n}: {' '.join(exc.messages)}",
                                  expression=[f"{where}.component[{n}].valueQuantity"]))
    specimen, found = refs.follow(observation.get("specimen"), observation, "Specimen")
    if not found:
        problems.append(issue("not-found", f"entry {index}: Observation.specimen refers to a Specimen not in the "
                                           f"Bundle", expression=[f"{where}.specimen"]))
    patient, found = refs.follow(observation.get("subject"), observation, "Patient")
    if not found:
        problems.append(issue("not-found", f"entry {index}: Observation.subject refers to a Patient not in the "
                                           f"Bundle", expression=[f"{where}.subject"]))
    if patient is None and specimen is not None:
        patient, _found = refs.follow(specimen.get("subject"), specimen, "Patient")
    tested_at = parse_datetime(observation["issued"]) if observation.get("issued") else None
    if len(problems) > before:
        return None
    accession = (specimen or {}).get("accessionIdentifier") or {}
    tube_code = "".join(str(accession.get("value") or "").split())
    id_type, id_number = _document(patient)
    lab_code = ""
    for performer in observation.get("performer") or []:
        lab_code = lab_code or str((performer.get("identifier") or {}).get("value") or "")
    return IncomingResult(index=index, observation=observation, specimen=specimen, patient=patient,
                          tube_code=tube_code[:60], id_type=id_type, id_number=id_number[:32], result=result,
                          ct_orf1ab=cts["ct_orf1ab"], ct_n=cts["ct_n"], tested_at=tested_at, lab_code=lab_code)


def read_lab_message(body: bytes | str) -> LabMessage:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BundleRefused([issue("structure", f"The body is not JSON: {exc}")]) from None
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        got = data.get("resourceType") if isinstance(data, dict) else type(data).__name__
        raise BundleRefused([issue("structure", f"A Bundle is expected, not {got}", expression=["Bundle"])])
    try:
        # Read on from the validated model: types are then what R4 says (an instant is a string, …).
        data = Bundle.model_validate(data).model_dump(mode="json", exclude_none=True)
    except PydanticError as exc:
        raise BundleRefused(_schema_issues(exc)) from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        # fhir.resources fails this way on an entry whose resourceType it cannot look up
        raise BundleRefused([issue("structure", f"The Bundle is not valid FHIR R4: {type(exc).__name__} {exc}",
                                   expression=["Bundle.entry"])]) from None
    if data.get("type") not in BUNDLE_TYPES:
        raise BundleRefused([issue("value", f"Bundle.type “{data.get('type')}” is not one of "
                                            f"{', '.join(sorted(BUNDLE_TYPES))}", expression=["Bundle.type"])])
    entries = data.get("entry") or []
    refs = _Index(entries)
    message = LabMessage(key=_message_key(data), bundle_type=data["type"])
    problems: list[dict] = []
    for index, entry in enumerate(entries):
        resource = entry.get("resource") or {}
        if resource.get("resourceType") != "Observation":
            continue
        read = _read_observation(index, resource, refs, problems)
        if read is not None:
            message.results.append(read)
        if len(problems) >= MAX_ISSUES:
            break
    if problems:
        raise BundleRefused(problems[:MAX_ISSUES])
    if not message.results:
        raise BundleRefused([issue("required", "The Bundle holds no Observation", expression=["Bundle.entry"])])
    return message
