"""The pages: scope for every role, the phone checklist, the PDF, scoped photos, checklist editing, accountability,
figures, and the command centre's collectors."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.supervision import services
from fangkong.supervision.models import Assignment, ChecklistItem, Finding, Photo
from fangkong.supervision.tests.conftest import png

pytestmark = pytest.mark.django_db


def test_an_inspector_of_another_district_sees_nothing_of_it(client, inspector_b, assignment_a):
    client.force_login(inspector_b)
    photo = Photo.objects.first()
    for url in (reverse("supervision:inspection_detail", args=[assignment_a.finding.site.inspection_id]),
                reverse("supervision:finding_detail", args=[assignment_a.finding_id]),
                reverse("supervision:assignment_detail", args=[assignment_a.pk]),
                reverse("supervision:assignment_pdf", args=[assignment_a.pk]),
                reverse("supervision:photo", args=[photo.pk])):
        assert client.get(url).status_code == 404, url
    assert assignment_a.number not in client.get(reverse("supervision:assignment_list")).content.decode()


def test_the_officer_rectifies_only_their_own_nodes_assignments(client, officer_b, contact_a, assignment_a):
    client.force_login(officer_b)
    response = client.post(reverse("supervision:rectify", args=[assignment_a.pk]), {"report": "已整改"})
    assert response.status_code == 404
    client.force_login(contact_a)
    response = client.post(reverse("supervision:rectify", args=[assignment_a.pk]),
                           {"report": "已安排值守", "photos": [png(), png(color="blue")]})
    assert response.status_code == 302
    assignment_a.refresh_from_db()
    assert assignment_a.status == "reported"
    assert Photo.objects.filter(rectification__assignment=assignment_a).count() == 2
    # an officer may not verify
    assert client.post(reverse("supervision:verify", args=[assignment_a.pk]),
                       {"decision": "close", "note": "好"}).status_code == 404


def test_a_grid_worker_sees_none_of_the_districts_assignments(client, grid_worker_a, assignment_a):
    client.force_login(grid_worker_a)
    assert assignment_a.number not in client.get(reverse("supervision:index")).content.decode()
    assert client.get(reverse("supervision:assignment_detail", args=[assignment_a.pk])).status_code == 404


def test_the_inspector_fills_the_checklist_on_the_phone_page(client, inspector_a, inspection_a):
    site = inspection_a.sites.get()
    client.force_login(inspector_a)
    url = reverse("supervision:site_fill", args=[inspection_a.pk, site.pk])
    page = client.get(url).content.decode()
    items = list(ChecklistItem.objects.filter(checklist__site_type="checkpoint").order_by("position"))
    assert page.count("data-item=") == len(items)
    data = {f"item_{i.pk}": "pass" for i in items}
    data[f"item_{items[0].pk}"] = "fail"
    response = client.post(url, data)  # a failure without a note
    assert response.status_code == 422 and "Say what is wrong." in response.content.decode()
    assert not Finding.objects.exists()
    data[f"note_{items[0].pk}"] = "夜间无人"
    data[f"photos_{items[0].pk}"] = [b for b in [png()]]
    response = client.post(url, data)
    assert response.status_code == 302
    finding = Finding.objects.get()
    photo = finding.result.photos.get()
    response = client.get(reverse("supervision:photo", args=[photo.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"


def test_a_not_image_photo_on_the_page_shows_a_clear_message(client, inspector_a, inspection_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    site = inspection_a.sites.get()
    client.force_login(inspector_a)
    items = list(ChecklistItem.objects.filter(checklist__site_type="checkpoint").order_by("position"))
    data = {f"item_{i.pk}": "pass" for i in items}
    data[f"item_{items[0].pk}"], data[f"note_{items[0].pk}"] = "fail", "无消杀记录"
    data[f"photos_{items[0].pk}"] = SimpleUploadedFile("记录.pdf", b"%PDF-1.4 nope")
    response = client.post(reverse("supervision:site_fill", args=[inspection_a.pk, site.pk]), data)
    assert response.status_code == 422 and "is not an image" in response.content.decode()
    assert not Finding.objects.exists()


def test_the_written_assignment_prints_as_a_pdf(client, inspector_a, assignment_a):
    client.force_login(inspector_a)
    response = client.get(reverse("supervision:assignment_pdf", args=[assignment_a.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_the_inspector_issues_and_closes_through_the_pages(client, inspector_a, contact_a, finding_a):
    client.force_login(inspector_a)
    response = client.post(reverse("supervision:finding_detail", args=[finding_a.pk]),
                           {"severity": "ordinary", "requirements": "三日内整改"})
    assignment = Assignment.objects.get()
    assert response.status_code == 302 and assignment.severity == "ordinary"
    assert (assignment.due_at - assignment.issued_at) == datetime.timedelta(hours=72)
    response = client.post(reverse("supervision:verify", args=[assignment.pk]), {"decision": "close", "note": "x"})
    assert response.status_code == 422 and "no rectification report" in response.content.decode()
    services.rectification_report(assignment=assignment, report="已整改", actor=contact_a)
    response = client.post(reverse("supervision:verify", args=[assignment.pk]), {"decision": "close", "note": ""})
    assert response.status_code == 422
    response = client.post(reverse("supervision:verify", args=[assignment.pk]),
                           {"decision": "close", "note": "复查合格"})
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == "closed"


def test_the_hq_edits_a_checklist_and_past_answers_keep_their_text(client, hq, inspector_a, finding_a):
    item = finding_a.item
    old_text = finding_a.result.item_text
    client.force_login(inspector_a)
    assert client.post(reverse("supervision:item_change", args=[item.pk]),
                       {f"i{item.pk}-text": "改", f"i{item.pk}-severity": "minor"}).status_code == 404
    client.force_login(hq)
    client.post(reverse("supervision:item_change", args=[item.pk]),
                {f"i{item.pk}-text": "24小时值守（含夜班）", f"i{item.pk}-severity": "serious",
                 f"i{item.pk}-active": "on"})
    item.refresh_from_db()
    assert item.text == "24小时值守（含夜班）"
    finding_a.result.refresh_from_db()
    assert finding_a.result.item_text == old_text
    client.post(reverse("supervision:item_change", args=[item.pk]), {"move": "down"})
    item.refresh_from_db()
    assert item.position == 2
    response = client.post(reverse("supervision:checklist_detail", args=["checkpoint"]),
                           {"text": " ", "severity": "minor"})
    assert response.status_code == 422
    client.post(reverse("supervision:checklist_detail", args=["checkpoint"]), {"text": "夜间照明", "severity": "minor"})
    assert ChecklistItem.objects.filter(text="夜间照明", checklist__site_type="checkpoint").exists()


def test_accountability_counts_per_responsible_node(client, hq, officer_b, assignment_a, city):
    client.force_login(hq)
    response = client.get(reverse("supervision:accountability") + "?sort=overdue")
    row = next(r for r in response.context["rows"] if r.unit == city.a.community)
    assert (row.findings, row.serious, row.overdue, row.reopened) == (1, 1, 0, 0)
    client.force_login(officer_b)
    assert client.get(reverse("supervision:accountability")).context["rows"] == []


def test_figures_page_and_the_command_centre_collectors(client, hq, assignment_a, city):
    from fangkong.command.figures import Context
    from fangkong.supervision.figures import collect
    from fangkong.supervision.review import new_findings

    client.force_login(hq)
    response = client.get(reverse("supervision:figures"))
    assert response.status_code == 200 and response.context["figures"].total == 1
    now = timezone.now()
    counts = collect(Context(now=now, today=timezone.localdate()))
    assert counts[city.a.community.pk]["supervision.open_findings"] == 1
    assert counts[city.a.community.pk]["supervision.findings_today"] == 1
    later = collect(Context(now=assignment_a.due_at + datetime.timedelta(hours=1), today=timezone.localdate()))
    assert later[city.a.community.pk]["supervision.overdue_assignments"] == 1
    problems = new_findings(node=city.a.district, day=timezone.localdate(), now=now)
    assert len(problems) == 1 and problems[0].kind == "finding" and problems[0].owner_id == assignment_a.owner_id
    assert new_findings(node=city.b.district, day=timezone.localdate(), now=now) == []
