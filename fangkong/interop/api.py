"""JSON API of interop, mounted at /api/v1/interop: FHIR R4 reads of persons and test results, the labs'
FHIR result inbox, and the DHIS2 dataValueSet of a day. FHIR answers are application/fhir+json; a person or
result outside the caller's scope is a 404 OperationOutcome.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from ninja import Query, Router

from fangkong.accounts.roles import has_capability
from fangkong.interop import dhis2, selectors, services
from fangkong.interop.fhir import codes, render
from fangkong.interop.fhir.inbox import BundleRefused, read_lab_message
from fangkong.interop.lab_inbox import lab_message_apply
from fangkong.people.services import person_reveal

router = Router(tags=["interop"])

FHIR_RESPONSES = {
    "responses": {
        "200": {"description": "A FHIR R4 resource", "content": {codes.FHIR_JSON: {"schema": {"type": "object"}}}},
        "404": {"description": "OperationOutcome: not found or outside your jurisdiction",
                "content": {codes.FHIR_JSON: {"schema": {"type": "object"}}}},
    }
}
INBOX_BODY = {
    "requestBody": {
        "required": True,
        "description": "A FHIR R4 Bundle (transaction, batch, collection or message) of Observation results, with "
                       "their Specimen (accessionIdentifier = tube code) and Patient.",
        "content": {codes.FHIR_JSON: {"schema": {"type": "object"}},
                    "application/json": {"schema": {"type": "object"}}},
    },
    "responses": {
        "200": {"description": "OperationOutcome: applied n, queued m",
                "content": {codes.FHIR_JSON: {"schema": {"type": "object"}}}},
        "400": {"description": "OperationOutcome naming each problem of a malformed Bundle; nothing was applied",
                "content": {codes.FHIR_JSON: {"schema": {"type": "object"}}}},
    },
}


def _base_url(request) -> str:
    return request.build_absolute_uri("/api/v1/interop/fhir/")


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _patient(request, person, reveal: str):
    if reveal and has_capability(request.auth, "people.reveal"):
        fields = person_reveal(person=person, actor=request.auth, reason=reveal, ip=_client_ip(request))
        return render.patient(person, revealed=fields)
    return render.patient(person)


@router.get("/fhir/metadata", url_name="fhir_metadata", auth=None, openapi_extra=FHIR_RESPONSES)
def fhir_metadata(request):
    """The CapabilityStatement: what this FHIR endpoint serves and takes."""
    return render.response(render.capability_statement(base_url=_base_url(request)))


@router.get("/fhir/Patient/{person_id}", url_name="fhir_patient", openapi_extra=FHIR_RESPONSES)
def fhir_patient(request, person_id: int, reveal: str = ""):
    """A person as a FHIR Patient; ID number and phone masked. With `reveal=<reason>` a caller holding
    people.reveal sees them in full, and the reveal is logged."""
    try:
        person = selectors.patient_get(user=request.auth, person_id=person_id)
    except Http404:
        return render.not_found("Patient")
    return render.response(_patient(request, person, reveal))


@router.get("/fhir/Patient", url_name="fhir_patient_search", openapi_extra=FHIR_RESPONSES)
def fhir_patient_search(request, identifier: str, reveal: str = ""):
    """Search by `identifier=<system>|<ID number>` (the system may be left out for a resident ID): a searchset
    Bundle of the persons in your jurisdiction with that document."""
    system, _sep, value = identifier.rpartition("|")
    id_type = codes.id_type_of_system(system)
    value = "".join(value.split()).upper()
    if id_type is None or not value:
        return render.response(render.outcome([render.issue(
            "not-supported", f"Unknown identifier system “{system}”", expression=["identifier"])]), status=400)
    persons = list(selectors.patients_by_identifier(user=request.auth, id_type=id_type, id_number=value)[:20])
    return render.response(render.searchset([_patient(request, p, reveal) for p in persons],
                                            base_url=_base_url(request), self_url=request.build_absolute_uri()))


@router.get("/fhir/Observation/{sample_id}", url_name="fhir_observation", openapi_extra=FHIR_RESPONSES)
def fhir_observation(request, sample_id: int):
    """One test result (a sample's tube result) as a FHIR Observation."""
    try:
        sample = selectors.observation_get(user=request.auth, sample_id=sample_id)
    except Http404:
        return render.not_found("Observation")
    return render.response(render.observation(sample))


@router.get("/fhir/Observation", url_name="fhir_observation_search", openapi_extra=FHIR_RESPONSES)
def fhir_observation_search(request, patient: int, count: int = Query(50, alias="_count"),
                            before: int | None = None):
    """A person's test results, newest first: a searchset Bundle (`before` pages on)."""
    try:
        person = selectors.patient_get(user=request.auth, person_id=patient)
    except Http404:
        return render.not_found("Patient")
    limit = max(1, min(count, 200))
    samples = selectors.observations_for_patient(user=request.auth, person=person, before=before, limit=limit)
    next_url = None
    if len(samples) == limit:
        next_url = request.build_absolute_uri(
            f"{request.path}?patient={person.pk}&_count={limit}&before={samples[-1].pk}")
    return render.response(render.searchset([render.observation(s) for s in samples], base_url=_base_url(request),
                                            next_url=next_url, self_url=request.build_absolute_uri()))


def _summary_outcome(summary) -> dict:
    issues = [render.issue("informational", f"applied {summary.applied}, queued {summary.queued}, unchanged "
                                            f"{summary.unchanged}" + (", already received" if summary.replay else ""),
                           severity="information")]
    for entry in summary.entries:
        text = {"applied": f"entry {entry.index}: result recorded for tube {entry.tube_code}",
                "unchanged": f"entry {entry.index}: tube {entry.tube_code} already has this result",
                "queued": f"entry {entry.index}: queued for a person to match ({entry.reason})"}[entry.outcome]
        issues.append(render.issue("informational" if entry.outcome != "queued" else "incomplete", text,
                                   severity="information" if entry.outcome != "queued" else "warning",
                                   expression=[f"Bundle.entry[{entry.index}]"]))
    return render.outcome(issues)


@router.post("/fhir/lab-inbox", url_name="fhir_lab_inbox", openapi_extra=INBOX_BODY)
def fhir_lab_inbox(request):
    """A lab posts its results as a FHIR Bundle under its API token (testing.result). The whole Bundle is checked
    first; then, in one transaction, each Observation matched exactly to a tube of the lab is recorded and the
    rest wait in the human queue (/interop/inbox/). The same Bundle (identifier or message id) is applied once."""
    if not has_capability(request.auth, "testing.result"):
        return render.response(render.outcome([render.issue("forbidden", "Only a lab may post results")]),
                               status=403)
    try:
        message = read_lab_message(request.body)
    except BundleRefused as exc:
        return render.response(render.outcome(exc.issues), status=400)
    try:
        summary = lab_message_apply(message=message, actor=request.auth)
    except PermissionDenied:
        return render.response(render.outcome([render.issue("forbidden", "You work for no lab")]), status=403)
    return render.response(_summary_outcome(summary))


@router.get("/dhis2/dataValueSet", url_name="dhis2_data_value_set")
def dhis2_data_value_set(request, period: str):
    """The DHIS2 dataValueSet of one day (period=YYYYMMDD) for the mapped figures and nodes (interop.dhis2)."""
    if not has_capability(request.auth, "interop.dhis2"):
        raise Http404
    try:
        day = dhis2.day_of_period(period)
    except ValueError:
        return JsonResponse({"detail": {"period": ["period must be a day, YYYYMMDD"]}}, status=422)
    kept = selectors.dhis2_push_for_day(day=day)
    built = services.data_value_set(day=day, user=request.auth)
    payload = kept.payload if kept is not None and built.left_out else built.payload
    return JsonResponse(payload)
