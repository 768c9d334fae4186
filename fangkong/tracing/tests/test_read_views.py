"""The read side's pages: transmission graph, timeliness, case report (page and PDF), assist requests."""

import csv
import datetime
import io
import re
import zlib

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.accounts.models import AccessLog
from fangkong.people.services import person_create
from fangkong.tracing import services
from fangkong.tracing.models import AssistRequest
from fangkong.tracing.tests.conftest import resident_id

H = datetime.timedelta(hours=1)
OUTSIDE_ID = resident_id(77)


@pytest.fixture
def chain(case_a, people_a, person_b, tracer_a):
    """case_a infected 住户5 (a second case); case_a's contacts: 住户1 (A), 西城住户 (B), and 外地人 (assist)."""
    second = services.case_open(person=people_a[5], first_positive_at=timezone.now() - 3 * H,
                                reported_at=timezone.now() - 2 * H, source="controlled", actor=tracer_a,
                                tracer=tracer_a, onset_date=timezone.localdate())
    services.link_add(infector=case_a, infectee=second, confidence="confirmed", actor=tracer_a, basis="同住")
    exposed = case_a.reported_at - 5 * H
    services.contact_add(case=case_a, person=people_a[1], category="close_contact", actor=tracer_a,
                         exposure_at=exposed, reason="同住")
    services.contact_add(case=case_a, person=person_b, category="close_contact", actor=tracer_a,
                         exposure_at=exposed, reason="同事")
    services.contact_add(case=case_a, category="close_contact", actor=tracer_a, exposure_at=exposed, reason="同车",
                         outside={"name": "外地人", "id_number": OUTSIDE_ID, "phone": "13912345678",
                                  "region": "兰州市"})
    return case_a, second


def _graph(client, user, **params):
    client.force_login(user)
    return client.get(reverse("tracing:graph_data"), params)


def test_graph_of_one_case_shows_its_cluster_and_contacts(client, chain, tracer_a, people_a):
    case_a, second = chain
    data = _graph(client, tracer_a, case=case_a.pk).json()
    by_label = {node["label"]: node for node in data["nodes"]}
    assert by_label[case_a.number]["kind"] == "case"
    assert by_label[case_a.number]["status"] == "confirmed"
    assert by_label[case_a.number]["url"] == reverse("tracing:case_detail", kwargs={"case_id": case_a.pk})
    assert by_label[second.number]["status"] == "asymptomatic"
    assert by_label[people_a[1].name]["url"] == reverse("people:person", kwargs={"person_id": people_a[1].pk})
    assert by_label[people_a[1].name]["status"] == "controlled"
    assert by_label["外地人 (兰州市)"]["status"] == "assist"
    # The contact living in district B: district and status only, no page.
    hidden = by_label["Contact in 西城区"]
    assert hidden["url"] == "" and hidden["status"] == "controlled"
    assert "西城住户" not in str(data)
    links = [edge for edge in data["edges"] if edge["kind"] == "link"]
    assert links == [{"source": f"c{case_a.pk}", "target": f"c{second.pk}", "kind": "link",
                      "confidence": "confirmed", "label": "Confirmed (genome or clear exposure)"}]
    assert sum(edge["kind"] == "contact" for edge in data["edges"]) == 3
    [cluster] = data["clusters"]
    assert cluster["size"] == 2 and cluster["max_generation"] == 2
    assert cluster["serial_intervals"] == {"count": 1, "mean": 1.0, "sd": 0.0}


def test_hq_sees_every_cluster_largest_first(client, chain, hq, person_b, tracer):
    # Not person_b: a close contact of case_a who becomes a case is linked to it.
    elsewhere = person_create(name="西城二号", id_number=resident_id(91), household=person_b.household, actor=None)
    lone = services.case_open(person=elsewhere, first_positive_at=timezone.now() - 3 * H,
                              reported_at=timezone.now() - 2 * H, source="fever_clinic", actor=tracer)
    data = _graph(client, hq).json()
    assert [c["size"] for c in data["clusters"]] == [2, 1]
    assert data["clusters"][1]["numbers"] == [lone.number]
    assert {node["kind"] for node in data["nodes"]} == {"case"}
    with_contacts = _graph(client, hq, contacts="1").json()
    assert sum(node["kind"] == "contact" for node in with_contacts["nodes"]) == 3


def test_graph_outside_the_scope_is_not_found(client, chain, tracer_b):
    case_a, _second = chain
    assert _graph(client, tracer_b, case=case_a.pk).status_code == 404
    assert client.get(reverse("tracing:graph"), {"case": case_a.pk}).status_code == 404
    # Without a case, district B's tracer sees none of district A's cases.
    assert _graph(client, tracer_b).json()["nodes"] == []


def test_graph_page_carries_the_data_and_the_node_table(client, chain, tracer_a):
    case_a, _second = chain
    client.force_login(tracer_a)
    response = client.get(reverse("tracing:graph"), {"case": case_a.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="graph-data"' in html and 'id="graph-nodes"' in html
    assert "tracing/graph.js" in html and "vendor/echarts.min.js" in html
    assert "<script>" not in html  # no inline script under the Content-Security-Policy


def test_grid_worker_sees_no_tracing_reads(client, chain, grid_worker_a):
    case_a, _second = chain
    client.force_login(grid_worker_a)
    for url in (reverse("tracing:graph"), reverse("tracing:graph_data"), reverse("tracing:timeliness"),
                reverse("tracing:case_report", kwargs={"case_id": case_a.pk}), reverse("tracing:assist_list")):
        assert client.get(url).status_code == 404, url


def test_timeliness_page_lists_the_late_cases(client, case_a, people_a, tracer_a, tracer_b):
    late = services.case_open(person=people_a[4], first_positive_at=timezone.now() - 32 * H,
                              reported_at=timezone.now() - 30 * H, source="controlled", actor=tracer_a)
    client.force_login(tracer_a)
    response = client.get(reverse("tracing:timeliness"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-case="{late.number}"' in html
    assert f'data-case="{case_a.number}"' not in html  # an hour old: nothing late yet
    assert 'data-step="report"' in html
    client.force_login(tracer_b)
    assert late.number not in client.get(reverse("tracing:timeliness")).content.decode()


def test_case_report_page_masks_and_hides(client, chain, tracer_a, people_a):
    case_a, second = chain
    client.force_login(tracer_a)
    response = client.get(reverse("tracing:case_report", kwargs={"case_id": case_a.pk}))
    assert response.status_code == 200
    html = response.content.decode()
    assert case_a.number in html and second.number in html
    assert people_a[0].id_number not in html and people_a[0].id_number[-4:] in html
    assert people_a[1].name in html and "外地人" in html
    assert "西城住户" not in html and "同事" not in html
    assert "西城区" in html


def test_case_report_pdf(client, chain, tracer_a):
    case_a, _second = chain
    client.force_login(tracer_a)
    response = client.get(reverse("tracing:case_report_pdf", kwargs={"case_id": case_a.pk}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    # The text is compressed: look inside the streams for the embedded CJK font and the mapping of 住 (U+4F4F,
    # the case's name 住户0) in its ToUnicode table.
    streams = _pdf_streams(response.content)
    assert re.search(rb"/BaseFont /[A-Z]{6}\+Noto-(Sans|Serif)-CJK", streams)
    assert b"<4f4f>" in streams.lower()


def _pdf_streams(pdf: bytes) -> bytes:
    out = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            out.append(zlib.decompress(match.group(1)))
        except zlib.error:
            out.append(match.group(1))
    return b"\n".join(out)


def test_case_report_outside_the_scope_is_not_found(client, chain, tracer_b):
    case_a, _second = chain
    client.force_login(tracer_b)
    assert client.get(reverse("tracing:case_report", kwargs={"case_id": case_a.pk})).status_code == 404
    assert client.get(reverse("tracing:case_report_pdf", kwargs={"case_id": case_a.pk})).status_code == 404


def test_assist_list_is_masked(client, chain, tracer_a):
    client.force_login(tracer_a)
    html = client.get(reverse("tracing:assist_list")).content.decode()
    assert "外地人" in html
    assert OUTSIDE_ID not in html and "13912345678" not in html
    assert "139****5678" in html
    assert "外地人" not in client.get(reverse("tracing:assist_list"), {"status": "answered"}).content.decode()


def test_assist_export_has_full_numbers_and_is_logged(client, chain, tracer_a):
    client.force_login(tracer_a)
    response = client.post(reverse("tracing:assist_export"), {"reason": "发兰州协查", "format": "csv"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 2
    assert OUTSIDE_ID in rows[1] and "13912345678" in rows[1] and "兰州市" in rows[1]
    log = AccessLog.objects.get()
    assert (log.actor, log.kind, log.reason, log.row_count) == (tracer_a, "export", "发兰州协查", 1)

    response = client.post(reverse("tracing:assist_export"), {"reason": "再发一次", "format": "xlsx"})
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert OUTSIDE_ID in values[1]
    assert AccessLog.objects.count() == 2


def test_assist_export_needs_a_reason_and_the_capability(client, chain, tracer_a, grid_worker_a, tracer_b):
    client.force_login(tracer_a)
    response = client.post(reverse("tracing:assist_export"), {"reason": "", "format": "csv"})
    assert response.status_code == 422
    assert not AccessLog.objects.exists()
    client.force_login(grid_worker_a)
    assert client.post(reverse("tracing:assist_export"), {"reason": "看看", "format": "csv"}).status_code == 404
    assert not AccessLog.objects.exists()
    # District B's tracer may export, and gets none of district A's requests.
    client.force_login(tracer_b)
    response = client.post(reverse("tracing:assist_export"), {"reason": "看看", "format": "csv"})
    assert OUTSIDE_ID not in response.content.decode("utf-8-sig")


def test_assist_update_marks_sent_then_answered(client, chain, tracer_a, tracer_b):
    assist = AssistRequest.objects.get()
    url = reverse("tracing:assist_update", kwargs={"assist_id": assist.pk})
    client.force_login(tracer_b)
    assert client.post(url, {"status": "sent"}).status_code == 404
    client.force_login(tracer_a)
    assert client.post(url, {"status": "sent"}).status_code == 302
    assist.refresh_from_db()
    assert assist.status == "sent" and assist.sent_at is not None
    client.post(url, {"status": "answered", "answer": ""})
    assist.refresh_from_db()
    assert assist.status == "sent"  # an answer needs its text
    client.post(url, {"status": "answered", "answer": "已落实，集中隔离"})
    assist.refresh_from_db()
    assert (assist.status, assist.answer) == ("answered", "已落实，集中隔离")
    # Answered requests are no longer exported.
    response = client.post(reverse("tracing:assist_export"), {"reason": "发兰州协查", "format": "csv"})
    assert len(list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))) == 1


def test_a_person_on_file_elsewhere_keeps_the_report_whole(client, case_a, people_a, tracer_a):
    """Secondary contacts show the close contact they came through."""
    close = services.contact_add(case=case_a, person=people_a[1], category="close_contact", actor=tracer_a,
                                 exposure_at=case_a.reported_at - 5 * H, reason="同住")
    neighbour = person_create(name="邻居", id_number=resident_id(40), household=people_a[3].household, actor=None)
    services.contact_add(case=case_a, person=neighbour, category="secondary_contact", via=close, actor=tracer_a,
                         exposure_at=case_a.reported_at - 2 * H, reason="同桌吃饭")
    client.force_login(tracer_a)
    html = client.get(reverse("tracing:case_report", kwargs={"case_id": case_a.pk})).content.decode()
    assert "邻居" in html and f"through {people_a[1].name}" in html
