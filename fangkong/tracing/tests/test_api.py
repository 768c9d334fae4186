"""The tracing API: scoped as the pages, personal data masked."""

import datetime

import pytest
from django.utils import timezone

from fangkong.people.services import person_create
from fangkong.tracing import services
from fangkong.tracing.tests.conftest import resident_id

H = datetime.timedelta(hours=1)
BASE = "/api/v1/tracing"


@pytest.fixture
def linked(case_a, people_a, person_b, tracer_a):
    """case_a (onset yesterday) infected 住户5 (onset today); case_a's close contacts: 住户1 (A) and 西城住户 (B)."""
    second = services.case_open(person=people_a[5], first_positive_at=timezone.now() - 3 * H,
                                reported_at=timezone.now() - 2 * H, source="controlled", actor=tracer_a,
                                onset_date=timezone.localdate())
    services.link_add(infector=case_a, infectee=second, confidence="probable", actor=tracer_a)
    for person in (people_a[1], person_b):
        services.contact_add(case=case_a, person=person, category="close_contact", actor=tracer_a,
                             exposure_at=case_a.reported_at - 5 * H, reason="同住")
    return case_a, second


def test_cases_are_paged_newest_first(api_client, linked, people_a, tracer_a):
    case_a, second = linked
    client = api_client(tracer_a)
    first = client.get(f"{BASE}/cases", {"size": 1}).json()
    assert [c["number"] for c in first["items"]] == [second.number]
    rest = client.get(f"{BASE}/cases", {"size": 1, "after": first["next_after"]}).json()
    assert [c["number"] for c in rest["items"]] == [case_a.number]
    assert rest["next_after"] is None


def test_case_detail_has_counts_timeliness_and_links(api_client, linked, people_a, tracer_a):
    case_a, second = linked
    data = api_client(tracer_a).get(f"{BASE}/cases/{case_a.pk}").json()
    assert data["number"] == case_a.number
    assert data["contact_counts"]["close_contact"] == 2
    assert [s["key"] for s in data["timeliness"]] == ["first_contact", "core", "report", "contacts"]
    assert data["timeliness"][0]["state"] == "pending"
    assert data["links"] == [{"infector": case_a.number, "infectee": second.number, "confidence": "probable",
                              "basis": ""}]
    assert data["id_number"] != people_a[0].id_number and data["id_number"].endswith(people_a[0].id_number[-4:])


def test_contacts_are_masked_and_out_of_scope_ones_bare(api_client, linked, people_a, tracer_a):
    case_a, _second = linked
    rows = api_client(tracer_a).get(f"{BASE}/cases/{case_a.pk}/contacts").json()
    by_visible = {row["visible"]: row for row in rows}
    mine = by_visible[True]
    assert mine["name"] == people_a[1].name
    assert mine["id_number"] != people_a[1].id_number and "*" in mine["id_number"]
    assert "*" in mine["phone"]
    hidden = by_visible[False]
    assert hidden["district"] == "西城区" and hidden["status"] == "controlled"
    assert (hidden["name"], hidden["id_number"], hidden["phone"], hidden["reason"]) == ("", "", "", "")


def test_out_of_scope_is_not_found(api_client, linked, tracer_b, grid_worker_a):
    case_a, _second = linked
    client = api_client(tracer_b)
    for path in (f"/cases/{case_a.pk}", f"/cases/{case_a.pk}/contacts"):
        assert client.get(BASE + path).status_code == 404, path
    assert client.get(f"{BASE}/graph", {"case": case_a.pk}).status_code == 404
    assert client.get(f"{BASE}/cases").json()["items"] == []
    assert api_client(grid_worker_a).get(f"{BASE}/cases").status_code == 404


def test_graph_matches_the_page_data(api_client, client, linked, tracer_a):
    case_a, _second = linked
    data = api_client(tracer_a).get(f"{BASE}/graph", {"case": case_a.pk}).json()
    client.defaults.pop("HTTP_AUTHORIZATION", None)
    client.force_login(tracer_a)
    page = client.get("/tracing/graph.json", {"case": case_a.pk}).json()
    assert data == page
    assert sum(node["kind"] == "contact" for node in data["nodes"]) == 2


def test_serial_intervals_of_linked_pairs(api_client, linked, people_a, tracer_a, tracer_b, city):
    case_a, second = linked
    # A pair without an onset is left out.
    third = services.case_open(person=person_create(name="无症状", id_number=resident_id(60),
                                                    household=people_a[0].household, actor=None),
                               first_positive_at=timezone.now() - 3 * H, reported_at=timezone.now() - 2 * H,
                               source="controlled", actor=tracer_a)
    services.link_add(infector=second, infectee=third, confidence="possible", actor=tracer_a)
    data = api_client(tracer_a).get(f"{BASE}/serial-intervals").json()
    assert data["count"] == 1 and data["mean"] == 1.0
    assert data["pairs"] == [{"infector": case_a.number, "infectee": second.number,
                              "infector_onset": case_a.onset_date.isoformat(),
                              "infectee_onset": second.onset_date.isoformat(), "days": 1}]
    assert api_client(tracer_b).get(f"{BASE}/serial-intervals").json()["count"] == 0
