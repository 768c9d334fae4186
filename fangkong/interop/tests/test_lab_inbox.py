"""The lab inbox: a lab's FHIR Bundle of results → testing's result path, or the human queue."""

import json

from fangkong.interop.models import InboxItem, ProcessedMessage
from fangkong.interop.tests.conftest import bundle, observation, received
from fangkong.testing.models import Recall, Tube


def _summary(response) -> str:
    return response.json()["issue"][0]["diagnostics"]


def test_a_bundle_of_three_specimens_records_three_results(post_bundle, lab_staff, tubes_at_lab):
    # given three tubes received by the lab
    t1, t2, t3 = tubes_at_lab
    data = bundle(observation(1, tube_code=t1.code), observation(2, tube_code=t2.code, result="positive",
                                                                  ct=(28.5, 30.1)),
                  observation(3, tube_code=t3.code))
    # when the lab posts them in one message
    response = post_bundle(lab_staff, data)
    # then each tube has its result, the positive pool is recalled, and the answer counts them
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    assert response.json()["resourceType"] == "OperationOutcome"
    assert _summary(response).startswith("applied 3, queued 0")
    results = dict(Tube.objects.filter(pk__in=[t1.pk, t2.pk, t3.pk]).values_list("code", "result"))
    assert results == {"T-A1": "negative", "T-A2": "positive", "T-A3": "negative"}
    t2.refresh_from_db()
    assert (float(t2.ct_orf1ab), float(t2.ct_n)) == (28.5, 30.1)
    assert Recall.objects.filter(tube=t2).exists()
    assert not InboxItem.objects.exists()


def test_the_same_message_twice_is_applied_once(post_bundle, lab_staff, tubes_at_lab):
    t1 = tubes_at_lab[0]
    data = bundle(observation(1, tube_code=t1.code), observation(2, tube_code="NO-SUCH-TUBE"), identifier="MSG-1")
    first = post_bundle(lab_staff, data)
    second = post_bundle(lab_staff, data)
    assert _summary(first).startswith("applied 1, queued 1")
    assert "already received" in _summary(second)
    assert InboxItem.objects.count() == 1
    assert ProcessedMessage.objects.filter(key="urn:lab1:messages|MSG-1").count() == 1


def test_a_message_header_id_is_the_replay_key(post_bundle, lab_staff, tubes_at_lab):
    header = [{"fullUrl": "urn:uuid:h", "resource": {
        "resourceType": "MessageHeader", "id": "hdr-42", "eventCoding": {"code": "lab-result"},
        "source": {"endpoint": "urn:lab1"}}}]
    data = bundle(header, observation(1, tube_code="UNKNOWN-1"), type_="message", identifier=None)
    post_bundle(lab_staff, data)
    post_bundle(lab_staff, data)
    assert InboxItem.objects.count() == 1
    assert ProcessedMessage.objects.filter(key="message|hdr-42").exists()


def test_an_unknown_tube_goes_to_the_human_queue(post_bundle, lab_staff, tubes_at_lab):
    response = post_bundle(lab_staff, bundle(observation(1, tube_code="T-ZZZ9", result="positive", ct=(25, 26))))
    assert response.status_code == 200
    assert _summary(response).startswith("applied 0, queued 1")
    item = InboxItem.objects.get()
    assert (item.reason, item.tube_code, item.result, item.status) == ("unknown_tube", "T-ZZZ9", "positive", "open")
    assert item.observation["resourceType"] == "Observation"
    assert float(item.ct_orf1ab) == 25
    assert item.lab.code == "LAB1"
    issue = response.json()["issue"][1]
    assert issue["severity"] == "warning" and issue["expression"] == ["Bundle.entry[1]"]


def test_a_tube_of_another_lab_or_not_received_is_queued(post_bundle, lab_staff, other_lab, round_a, point_a,
                                                         residents_a):
    from fangkong.interop.tests.conftest import fill_tube
    from fangkong.testing import services as testing

    # given a tube sealed but never handed over, and one received by the other lab
    sealed = fill_tube(round_a, point_a, "T-S1", residents_a[:1])
    testing.tube_close(tube=sealed, actor=None)
    received([fill_tube(round_a, point_a, "T-O1", residents_a[1:2])], other_lab)
    # when LAB1 reports results for both
    response = post_bundle(lab_staff, bundle(observation(1, tube_code="T-S1"), observation(2, tube_code="T-O1")))
    # then both wait for a person, and neither tube has a result
    assert _summary(response).startswith("applied 0, queued 2")
    assert sorted(InboxItem.objects.values_list("reason", flat=True)) == ["not_received", "other_lab"]
    assert not Tube.objects.filter(code__in=["T-S1", "T-O1"]).exclude(result="").exists()


def test_a_result_matched_by_the_patients_id_number(post_bundle, lab_staff, tubes_at_lab, residents_a):
    # resident 5 is in T-A2 only
    response = post_bundle(lab_staff, bundle(observation(1, id_number=residents_a[4].id_number)))
    assert _summary(response).startswith("applied 1")
    assert Tube.objects.get(code="T-A2").result == "negative"


def test_an_unknown_person_is_queued(post_bundle, lab_staff, tubes_at_lab):
    from fangkong.interop.tests.conftest import resident_id

    post_bundle(lab_staff, bundle(observation(1, id_number=resident_id(77))))
    assert InboxItem.objects.get().reason == "person_not_found"


def test_two_candidate_tubes_are_queued_with_both(post_bundle, lab_staff, tubes_at_lab, residents_a, round_a,
                                                  point_a, lab):
    from fangkong.testing import services as testing

    # resident 1 is in T-A1 and also in a re-check tube at the same lab
    recheck = testing.tube_open(round_=round_a, point=point_a, code="T-R1", actor=None, capacity=1)
    recheck.refresh_from_db()
    from fangkong.testing.models import Sample

    Sample.objects.create(tube=recheck, round=None, id_type="resident", id_number=residents_a[0].id_number,
                          name="居民1", unit=recheck.unit, sampled_at=recheck.opened_at)
    Tube.objects.filter(pk=recheck.pk).update(size=1)
    recheck.refresh_from_db()
    received([recheck], lab)
    post_bundle(lab_staff, bundle(observation(1, id_number=residents_a[0].id_number)))
    item = InboxItem.objects.get()
    assert item.reason == "ambiguous"
    assert sorted(item.candidates) == ["T-A1", "T-R1"]


def test_a_different_result_for_a_resulted_tube_is_queued_not_changed(post_bundle, lab_staff, tubes_at_lab):
    t1 = tubes_at_lab[0]
    post_bundle(lab_staff, bundle(observation(1, tube_code=t1.code)))
    response = post_bundle(lab_staff, bundle(observation(1, tube_code=t1.code, result="positive")))
    assert _summary(response).startswith("applied 0, queued 1")
    item = InboxItem.objects.get()
    assert item.reason == "refused" and "negative" in item.detail.lower() or "阴性" in item.detail
    t1.refresh_from_db()
    assert t1.result == "negative"


def test_the_same_result_again_is_unchanged(post_bundle, lab_staff, tubes_at_lab):
    t1 = tubes_at_lab[0]
    post_bundle(lab_staff, bundle(observation(1, tube_code=t1.code)))
    response = post_bundle(lab_staff, bundle(observation(1, tube_code=t1.code)))
    assert _summary(response).startswith("applied 0, queued 0, unchanged 1")


# --- malformed Bundles: 400, an OperationOutcome naming the problem, nothing written ---------------------------


def _refused(response) -> list[dict]:
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    return body["issue"]


def _nothing_written():
    assert not InboxItem.objects.exists()
    assert not ProcessedMessage.objects.exists()
    assert not Tube.objects.exclude(result="").exists()


def test_not_json_is_refused(post_bundle, lab_staff, tubes_at_lab):
    issues = _refused(post_bundle(lab_staff, b"{not json"))
    assert "not JSON" in issues[0]["diagnostics"]
    _nothing_written()


def test_not_a_bundle_is_refused(post_bundle, lab_staff, tubes_at_lab):
    issues = _refused(post_bundle(lab_staff, {"resourceType": "Observation", "status": "final"}))
    assert "Bundle is expected" in issues[0]["diagnostics"]


def test_an_invalid_bundle_names_the_entry(post_bundle, lab_staff, tubes_at_lab):
    data = bundle(observation(1, tube_code=tubes_at_lab[0].code), observation(2, tube_code="X-1"))
    data["entry"][3]["resource"]["valueFoo"] = 1  # the second Observation has a field R4 does not know
    issues = _refused(post_bundle(lab_staff, data))
    assert issues[0]["expression"] == ["Bundle.entry[3].resource.valueFoo"]
    assert issues[0]["diagnostics"].startswith("entry 3:")
    _nothing_written()


def test_an_observation_without_a_value_refuses_the_whole_bundle(post_bundle, lab_staff, tubes_at_lab):
    t1, t2 = tubes_at_lab[:2]
    data = bundle(observation(1, tube_code=t1.code), observation(2, tube_code=t2.code))
    del data["entry"][3]["resource"]["valueCodeableConcept"]
    issues = _refused(post_bundle(lab_staff, data))
    assert issues[0]["diagnostics"] == "entry 3: Observation has no value"
    assert issues[0]["expression"] == ["Bundle.entry[3].resource.value[x]"]
    _nothing_written()  # the first Observation was fine, and is not applied either


def test_a_preliminary_result_or_a_bad_ct_is_refused(post_bundle, lab_staff, tubes_at_lab):
    data = bundle(observation(1, tube_code=tubes_at_lab[0].code, status="preliminary"),
                  observation(2, tube_code=tubes_at_lab[1].code, result="positive", ct=(80, 30)))
    issues = _refused(post_bundle(lab_staff, data))
    texts = [i["diagnostics"] for i in issues]
    assert any(t.startswith("entry 1:") and "preliminary" in t for t in texts)
    assert any(t.startswith("entry 3: component 0") for t in texts)
    _nothing_written()


def test_a_bundle_of_a_wrong_type_or_without_observations_is_refused(post_bundle, lab_staff, tubes_at_lab):
    assert "Bundle.type" in _refused(post_bundle(lab_staff, bundle(observation(1, tube_code="A"),
                                                                   type_="searchset")))[0]["expression"][0]
    empty = {"resourceType": "Bundle", "type": "collection", "identifier": {"value": "E1"}}
    assert "no Observation" in _refused(post_bundle(lab_staff, empty))[0]["diagnostics"]
    _nothing_written()


def test_a_reference_outside_the_bundle_is_refused(post_bundle, lab_staff, tubes_at_lab):
    data = bundle(observation(1, tube_code="T-A1"))
    data["entry"][1]["resource"]["specimen"] = {"reference": "Specimen/missing"}
    issues = _refused(post_bundle(lab_staff, data))
    assert issues[0]["expression"] == ["Bundle.entry[1].resource.specimen"]


# --- who may post ---------------------------------------------------------------------------------------------


def test_only_a_lab_may_post(post_bundle, officer_a, tubes_at_lab):
    response = post_bundle(officer_a, bundle(observation(1, tube_code="T-A1")))
    assert response.status_code == 403
    assert response.json()["issue"][0]["code"] == "forbidden"
    _nothing_written()


def test_a_lab_user_of_no_lab_is_refused(post_bundle, lab_user, city):
    response = post_bundle(lab_user, bundle(observation(1, tube_code="T-A1")))
    assert response.status_code == 403


def test_without_a_token_nothing_happens(client, tubes_at_lab):
    response = client.post("/api/v1/interop/fhir/lab-inbox", data=json.dumps(bundle(observation(1, tube_code="T-A1"))),
                           content_type="application/fhir+json")
    assert response.status_code == 401
    _nothing_written()


def test_a_transaction_bundle_with_requests_is_applied(post_bundle, lab_staff, tubes_at_lab):
    data = bundle(observation(1, tube_code=tubes_at_lab[0].code), type_="transaction")
    for entry in data["entry"]:
        entry["request"] = {"method": "POST", "url": entry["resource"]["resourceType"]}
    response = post_bundle(lab_staff, data)
    assert _summary(response).startswith("applied 1")
    assert Tube.objects.get(code="T-A1").result == "negative"
