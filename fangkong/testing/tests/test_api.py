"""The testing API through the real /api/v1: a sampler's device fills tubes, a lab records results, reads are
scoped; bad input is 422 naming the field with nothing written, anything out of scope is 404."""

import pytest

from fangkong.testing import services
from fangkong.testing.models import Recall, RecallMember, Sample, SamplingPoint, Tube

from .conftest import fill_tube, resident_id

pytestmark = pytest.mark.django_db

JSON = {"content_type": "application/json"}


def _open(client, round_, point, code="T1000001", **extra):
    return client.post("/api/v1/testing/tubes", {"round": round_.code, "point_id": point.pk, "code": code, **extra},
                       **JSON)


def _scan(client, code, id_number, **extra):
    return client.post(f"/api/v1/testing/tubes/{code}/samples", {"id_number": id_number, **extra}, **JSON)


def _received(tube, lab):
    """A closed tube handed to `lab` and received there."""
    if tube.status == Tube.Status.OPEN:
        services.tube_close(tube=tube, actor=None)
    handover = services.handover_send(lab=lab, codes=[tube.code], declared_count=1, actor=None)
    services.handover_receive(handover=handover, codes=[tube.code], actor=None)
    tube.refresh_from_db()
    return tube


def test_a_sampler_fills_a_ten_person_tube_and_the_tenth_scan_closes_it(api_client, round_a, point_a, residents_a,
                                                                         sampler_a):
    client = api_client(sampler_a)
    # when the device opens a tube and scans ten residents
    opened = _open(client, round_a, point_a)
    assert opened.status_code == 201
    assert opened.json() | {"opened_at": None} == {
        "code": "T1000001", "round": "R-A-1", "point_id": point_a.pk, "capacity": 10, "size": 0, "status": "open",
        "is_full": False, "opened_at": None, "closed_at": None}
    answers = [_scan(client, "T1000001", person.id_number) for person in residents_a[:10]]
    # then every scan is recorded, the ninth leaves it open and the tenth closes it
    assert [a.status_code for a in answers] == [201] * 10
    assert [a.json()["tube"]["size"] for a in answers] == list(range(1, 11))
    assert answers[8].json()["tube"]["status"] == "open"
    assert answers[9].json()["tube"] | {"opened_at": None, "closed_at": None} == {
        "code": "T1000001", "round": "R-A-1", "point_id": point_a.pk, "capacity": 10, "size": 10,
        "status": "closed", "is_full": True, "opened_at": None, "closed_at": None}
    sample = answers[0].json()["sample"]
    assert sample["in_target"] is True and "*" in sample["id_number"]


def test_scanning_an_open_tube_again_continues_it(api_client, round_a, point_a, residents_a, sampler_a):
    client = api_client(sampler_a)
    _open(client, round_a, point_a)
    _scan(client, "T1000001", residents_a[0].id_number)
    again = _open(client, round_a, point_a)
    assert again.status_code == 200 and again.json()["size"] == 1
    assert Tube.objects.count() == 1


def test_a_tube_of_five_is_opened_when_asked(api_client, round_a, point_a, sampler_a):
    response = _open(api_client(sampler_a), round_a, point_a, capacity="5")
    assert response.status_code == 201 and response.json()["capacity"] == 5


def test_a_bad_id_is_422_naming_the_field_and_nothing_is_written(api_client, round_a, point_a, sampler_a):
    client = api_client(sampler_a)
    _open(client, round_a, point_a)
    response = _scan(client, "T1000001", "110101199003071234")
    assert response.status_code == 422
    assert set(response.json()["detail"]) == {"id_number"}
    assert not Sample.objects.exists() and Tube.objects.get().size == 0


def test_the_same_person_twice_in_a_round_is_422_naming_the_first_tube(api_client, round_a, point_a, residents_a,
                                                                       sampler_a):
    client = api_client(sampler_a)
    _open(client, round_a, point_a, code="T1000001")
    _scan(client, "T1000001", residents_a[0].id_number)
    _open(client, round_a, point_a, code="T1000002")
    response = _scan(client, "T1000002", residents_a[0].id_number)
    assert response.status_code == 422
    assert "T1000001" in response.json()["detail"]["id_number"][0]
    assert Sample.objects.count() == 1 and Tube.objects.get(code="T1000002").size == 0


def test_an_eleventh_scan_into_a_full_tube_is_422(api_client, round_a, point_a, residents_a, sampler_a):
    fill_tube(round_a, point_a, "T1000001", residents_a[:10], actor=sampler_a)
    response = _scan(api_client(sampler_a), "T1000001", residents_a[10].id_number)
    assert response.status_code == 422 and set(response.json()["detail"]) == {"tube"}
    assert Sample.objects.count() == 10


def test_a_barcode_of_another_round_is_422(api_client, round_a, point_a, residents_a, sampler_a, city):
    import datetime

    from django.utils import timezone

    fill_tube(round_a, point_a, "T1000001", residents_a[:2], actor=sampler_a)
    now = timezone.now()
    second = services.round_create(code="R-A-2", name="第二轮", nodes=[city.a.district],
                                   starts_at=now - datetime.timedelta(minutes=5),
                                   ends_at=now + datetime.timedelta(days=1), actor=None)
    response = _open(api_client(sampler_a), second, point_a)
    assert response.status_code == 422 and set(response.json()["detail"]) == {"code"}
    assert Tube.objects.count() == 1


def test_a_person_not_on_file_is_sampled_with_a_name(api_client, round_a, point_a, sampler_a):
    client = api_client(sampler_a)
    _open(client, round_a, point_a)
    refused = _scan(client, "T1000001", resident_id(500))
    assert refused.status_code == 422 and set(refused.json()["detail"]) == {"name"}
    accepted = _scan(client, "T1000001", resident_id(500), name="外来务工人员", phone="13900005555")
    assert accepted.status_code == 201 and accepted.json()["sample"]["in_target"] is False


def test_closing_by_hand(api_client, round_a, point_a, residents_a, sampler_a):
    client = api_client(sampler_a)
    _open(client, round_a, point_a)
    empty = client.post("/api/v1/testing/tubes/T1000001/close")
    assert empty.status_code == 422
    _scan(client, "T1000001", residents_a[0].id_number)
    closed = client.post("/api/v1/testing/tubes/T1000001/close")
    assert closed.status_code == 200 and (closed.json()["status"], closed.json()["size"]) == ("closed", 1)


def test_a_district_b_sampler_gets_404_on_district_a_tubes_and_points(api_client, round_a, point_a, residents_a,
                                                                      sampler_a, sampler_b):
    fill_tube(round_a, point_a, "T1000001", residents_a[:2], actor=sampler_a)
    client = api_client(sampler_b)
    assert _scan(client, "T1000001", residents_a[2].id_number).status_code == 404
    assert client.post("/api/v1/testing/tubes/T1000001/close").status_code == 404
    assert _open(client, round_a, point_a, code="T1000009").status_code == 404
    assert client.post(f"/api/v1/testing/points/{point_a.pk}/queue", {"queue_length": 3}, **JSON).status_code == 404
    # nothing changed
    tube = Tube.objects.get(code="T1000001")
    assert (tube.size, tube.status) == (2, Tube.Status.OPEN)
    assert not Tube.objects.filter(code="T1000009").exists()


def test_an_unknown_round_or_tube_is_404(api_client, round_a, point_a, sampler_a):
    client = api_client(sampler_a)
    assert client.post("/api/v1/testing/tubes", {"round": "NOPE", "point_id": point_a.pk, "code": "T1"},
                       **JSON).status_code == 404
    assert _scan(client, "T-NONE", resident_id(1)).status_code == 404


def test_a_lab_user_cannot_open_tubes(api_client, round_a, point_a, lab_staff):
    assert _open(api_client(lab_staff), round_a, point_a).status_code == 404
    assert not Tube.objects.exists()


def test_the_point_staff_report_the_queue(api_client, point_a, sampler_a):
    response = api_client(sampler_a).post(f"/api/v1/testing/points/{point_a.pk}/queue", {"queue_length": "37"},
                                          **JSON)
    assert response.status_code == 200 and response.json()["queue_length"] == 37
    point_a.refresh_from_db()
    assert point_a.queue_length == 37 and point_a.queue_reported_at is not None


def test_a_bad_queue_length_is_422_and_changes_nothing(api_client, point_a, sampler_a):
    response = api_client(sampler_a).post(f"/api/v1/testing/points/{point_a.pk}/queue", {"queue_length": -4},
                                          **JSON)
    assert response.status_code == 422 and set(response.json()["detail"]) == {"queue_length"}
    assert SamplingPoint.objects.get(pk=point_a.pk).queue_length is None


def test_a_lab_records_a_positive_pool_and_its_ten_members_are_recalled(api_client, round_a, point_a, residents_a,
                                                                        sampler_a, lab, lab_staff, grid_a,
                                                                        officer_a):
    tube = _received(fill_tube(round_a, point_a, "T1000001", residents_a[:10], actor=sampler_a), lab)
    # when the lab posts a positive result
    response = api_client(lab_staff).post("/api/v1/testing/tubes/T1000001/result",
                                          {"result": "阳性", "ct_orf1ab": 28.4, "ct_n": "30.1"}, **JSON)
    # then the tube has it, and its ten members are recalled with a task each for their grid worker
    assert response.status_code == 200
    body = response.json()
    assert (body["result"], body["ct_orf1ab"], body["ct_n"], body["changed"], body["recalled"]) == (
        "positive", 28.4, 30.1, True, True)
    recall = Recall.objects.get(tube=tube)
    assert RecallMember.objects.filter(recall=recall, task__owner=grid_a).count() == 10
    # and the district officer's list of open recalls shows it with ten members pending
    recalls = api_client(officer_a).get("/api/v1/testing/recalls?open=true").json()
    assert [(r["tube_code"], r["round"], r["reason"], r["members"], r["pending"]) for r in recalls["items"]] == [
        ("T1000001", "R-A-1", "positive", 10, 10)]


def test_the_same_result_posted_twice_changes_nothing_the_second_time(api_client, round_a, point_a, residents_a,
                                                                      sampler_a, lab, lab_staff):
    _received(fill_tube(round_a, point_a, "T1000001", residents_a[:3], actor=sampler_a), lab)
    client = api_client(lab_staff)
    first = client.post("/api/v1/testing/tubes/T1000001/result", {"result": "negative"}, **JSON)
    second = client.post("/api/v1/testing/tubes/T1000001/result", {"result": "negative"}, **JSON)
    assert (first.json()["changed"], second.json()["changed"]) == (True, False)
    different = client.post("/api/v1/testing/tubes/T1000001/result", {"result": "positive"}, **JSON)
    assert different.status_code == 422 and set(different.json()["detail"]) == {"result"}
    assert Tube.objects.get().result == "negative" and not Recall.objects.exists()


def test_a_bad_result_is_422_and_nothing_is_written(api_client, round_a, point_a, residents_a, sampler_a, lab,
                                                    lab_staff):
    _received(fill_tube(round_a, point_a, "T1000001", residents_a[:3], actor=sampler_a), lab)
    client = api_client(lab_staff)
    for payload, field in (({"result": "maybe"}, "result"), ({"result": "positive", "ct_n": "abc"}, "ct_n")):
        response = client.post("/api/v1/testing/tubes/T1000001/result", payload, **JSON)
        assert response.status_code == 422 and set(response.json()["detail"]) == {field}
    tube = Tube.objects.get()
    assert tube.result == "" and not Recall.objects.exists()


def test_a_lab_sees_only_tubes_sent_to_its_lab(api_client, round_a, point_a, residents_a, sampler_a, lab, other_lab,
                                              lab_staff):
    _received(fill_tube(round_a, point_a, "T1000001", residents_a[:3], actor=sampler_a), other_lab)
    response = api_client(lab_staff).post("/api/v1/testing/tubes/T1000001/result", {"result": "positive"}, **JSON)
    assert response.status_code == 404
    assert Tube.objects.get().result == ""


def test_rounds_are_listed_within_scope(api_client, round_a, sampler_a, officer_b, hq):
    assert [r["code"] for r in api_client(sampler_a).get("/api/v1/testing/rounds").json()["items"]] == ["R-A-1"]
    assert [r["code"] for r in api_client(hq).get("/api/v1/testing/rounds").json()["items"]] == ["R-A-1"]
    assert api_client(officer_b).get("/api/v1/testing/rounds").json()["items"] == []


def test_coverage_reads_the_counters_down_to_the_grid(api_client, round_a, point_a, residents_a, sampler_a,
                                                      officer_a, city):
    fill_tube(round_a, point_a, "T1000001", residents_a[:10], actor=sampler_a)
    client = api_client(officer_a)
    top = client.get(f"/api/v1/testing/rounds/{round_a.pk}/coverage").json()
    assert top["node"]["unit_id"] == city.a.district.pk
    assert (top["node"]["target"], top["node"]["sampled"], top["node"]["missing"]) == (12, 10, 2)
    assert [r["unit_id"] for r in top["rows"]] == [city.a.street.pk] and top["is_cells"] is False
    community = client.get(f"/api/v1/testing/rounds/{round_a.pk}/coverage?node={city.a.community.pk}").json()
    assert [(r["unit_id"], r["sampled"], r["target"], r["percent"]) for r in community["rows"]] == [
        (city.a.grid.pk, 10, 12, 83.3)]
    assert community["is_cells"] is True


def test_coverage_outside_scope_is_404(api_client, round_a, officer_a, officer_b, city):
    assert api_client(officer_a).get(
        f"/api/v1/testing/rounds/{round_a.pk}/coverage?node={city.b.district.pk}").status_code == 404
    assert api_client(officer_b).get(f"/api/v1/testing/rounds/{round_a.pk}/coverage").status_code == 404


def test_recalls_are_listed_within_scope(api_client, round_a, point_a, residents_a, sampler_a, lab, grid_a,
                                         officer_a, officer_b):
    tube = _received(fill_tube(round_a, point_a, "T1000001", residents_a[:10], actor=sampler_a), lab)
    services.tube_result_record(tube=tube, result="invalid", actor=None)
    assert [r["reason"] for r in api_client(officer_a).get("/api/v1/testing/recalls?round=R-A-1").json()["items"]] \
        == ["invalid"]
    assert api_client(officer_b).get("/api/v1/testing/recalls").json()["items"] == []
