"""What the records carry: resized photos and their location, the inspectors' verification deadline, the figures,
the accountability table with non-zero counts, and the assignment number in the printed PDF."""

import datetime
import io
import re
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags, Image

from fangkong.supervision import services
from fangkong.supervision.models import Assignment
from fangkong.supervision.photos import process_photo
from fangkong.supervision.tests.conftest import visit
from fangkong.tasks.models import Task
from fangkong.tasks.services import escalate_overdue, task_complete

pytestmark = pytest.mark.django_db

GPS = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (36.0, 37.0, 12.5),
       ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (101.0, 46.0, 30.0)}


def camera_jpeg(size=(3000, 2000)) -> SimpleUploadedFile:
    """A phone photo: large, with the camera's make and a GPS position in its EXIF."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Huawei"
    exif[ExifTags.IFD.GPSInfo] = GPS
    buffer = io.BytesIO()
    Image.new("RGB", size, "navy").save(buffer, "JPEG", exif=exif.tobytes())
    return SimpleUploadedFile("现场.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_a_large_photo_is_resized_and_keeps_its_location_only_when_allowed():
    upload = camera_jpeg()
    source = Image.open(io.BytesIO(upload.read())).getexif()
    assert source.get_ifd(ExifTags.IFD.GPSInfo) and source[ExifTags.Base.Make] == "Huawei"

    kept = process_photo(camera_jpeg(), keep_location=True)
    image = Image.open(io.BytesIO(kept.content))
    assert image.format == "JPEG" and max(image.size) <= 1600 and (kept.width, kept.height) == image.size
    assert image.size == (1600, 1067)
    exif = image.getexif()
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    assert kept.kept_location and gps[ExifTags.GPS.GPSLatitudeRef] == "N"
    assert tuple(float(v) for v in gps[ExifTags.GPS.GPSLongitude]) == (101.0, 46.0, 30.0)
    assert ExifTags.Base.Make not in exif  # only the location survives

    stripped = process_photo(camera_jpeg(), keep_location=False)
    image = Image.open(io.BytesIO(stripped.content))
    assert max(image.size) <= 1600 and not stripped.kept_location
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo) and ExifTags.Base.Make not in image.getexif()
    assert b"Huawei" not in stripped.content


def test_a_reported_rectification_gives_the_inspector_a_verification_task_that_escalates(
        settings, city, assignment_a, inspector_a, contact_a):
    settings.SUPERVISION_VERIFY_HOURS = 6
    before = timezone.now()
    services.rectification_report(assignment=assignment_a, report="已安排值守", actor=contact_a)
    assignment_a.refresh_from_db()
    task = assignment_a.verify_task
    assert task.kind == "supervision_verify" and task.owner == inspector_a and task.status == "open"
    assert task.subject_type == "supervision.assignment" and task.subject_id == assignment_a.pk
    assert before + datetime.timedelta(hours=6) <= task.due_at <= timezone.now() + datetime.timedelta(hours=6)
    with pytest.raises(ValidationError):  # the verdict is given on the assignment, not from the inbox
        task_complete(task=task, outcome="closed", actor=inspector_a)
    assert escalate_overdue(now=task.due_at + datetime.timedelta(hours=3)) >= 1
    task.refresh_from_db()
    assert task.escalation_level == 1 and task.escalated_to == city.a.street and task.status == "open"

    services.assignment_send_back(assignment=assignment_a, reason="夜班仍无人", actor=inspector_a)
    task.refresh_from_db()
    assert (task.status, task.outcome) == ("done", "sent_back")
    del settings.SUPERVISION_VERIFY_HOURS
    before = timezone.now()
    services.rectification_report(assignment=assignment_a, report="夜班已排", actor=contact_a)
    assignment_a.refresh_from_db()
    second = assignment_a.verify_task
    assert second.pk != task.pk and second.status == "open"
    assert before + services.VERIFY_WITHIN <= second.due_at <= timezone.now() + datetime.timedelta(hours=24)
    services.assignment_close(assignment=assignment_a, note="复查合格", actor=inspector_a)
    second.refresh_from_db()
    assert (second.status, second.outcome) == ("done", "closed")
    assert Task.objects.filter(kind="supervision_verify", status__in=("open", "accepted")).count() == 0


def _close(assignment, inspector, contact, *, hours: float, send_back: bool = False):
    services.rectification_report(assignment=assignment, report="已整改", actor=contact)
    if send_back:
        services.assignment_send_back(assignment=assignment, reason="未整改到位", actor=inspector)
        services.rectification_report(assignment=assignment, report="再次整改", actor=contact)
    services.assignment_close(assignment=assignment, note="复查合格", actor=inspector)
    closed_at = timezone.now()
    Assignment.objects.filter(pk=assignment.pk).update(issued_at=closed_at - datetime.timedelta(hours=hours),
                                                       closed_at=closed_at)


def test_figures_count_by_type_and_node_median_time_reopen_rate_and_repeat_sites(
        client, city, hq, inspector_a, inspector_b, contact_a, checklists):
    first, second, third = visit(inspector_a, city.a.community, "东一社区北门卡口", failed=3)
    visit(inspector_a, city.a.community, "东一社区北门卡口")  # the first item fails again: a repeat
    visit(inspector_a, city.a.grid, "网格1农贸市场", site_type="market")
    visit(inspector_b, city.b.community, "西一社区南门卡口")
    for finding, hours, send_back in ((first, 10, False), (second, 20, True), (third, 40, False)):
        _close(services.assignment_issue(finding=finding, actor=inspector_a), inspector_a, contact_a, hours=hours,
               send_back=send_back)

    client.force_login(hq)
    response = client.get(reverse("supervision:figures"), {"node": city.a.district.pk})
    data = response.context["figures"]
    today = timezone.localdate()
    assert data.total == 5
    assert {code: sum(c.values()) for code, c in data.by_type.items()} == {"checkpoint": 4, "market": 1}
    assert [(unit, counts[today]) for unit, counts in data.by_node] == [(city.a.street, 5)]
    assert (data.closed, data.median_hours, data.reopened, data.reopen_rate) == (3, 20.0, 1, 33)
    assert [(s["site__name"], s["n"]) for s in data.repeat_sites] == [("东一社区北门卡口", 1)]
    page = response.content.decode()
    assert "20.0 h" in page and "33%" in page

    city_wide = client.get(reverse("supervision:figures")).context["figures"]
    assert city_wide.total == 6
    assert {unit: sum(c.values()) for unit, c in city_wide.by_node} == {city.a.district: 5, city.b.district: 1}


def test_accountability_counts_repeat_overdue_and_sent_back_per_responsible_node(
        client, city, hq, inspector_a, contact_a, grid_assignment_a):
    first, second = visit(inspector_a, city.a.community, "东一社区北门卡口", failed=2)
    repeat = visit(inspector_a, city.a.community, "东一社区北门卡口")[0]
    assert repeat.repeat_of == first
    reopened = services.assignment_issue(finding=first, actor=inspector_a)
    _close(reopened, inspector_a, contact_a, hours=5, send_back=True)
    overdue = services.assignment_issue(finding=second, actor=inspector_a)
    late = services.assignment_issue(finding=repeat, actor=inspector_a)
    past = timezone.now() - datetime.timedelta(hours=1)
    Assignment.objects.filter(pk__in=[overdue.pk, late.pk]).update(due_at=past)
    services.rectification_report(assignment=late, report="迟报的整改", actor=contact_a)

    client.force_login(hq)
    rows = client.get(reverse("supervision:accountability"), {"sort": "overdue"}).context["rows"]
    assert rows[0].unit == city.a.community
    community = rows[0]
    assert (community.findings, community.serious, community.repeat, community.overdue, community.reopened) == \
        (3, 3, 1, 2, 1)
    grid = next(r for r in rows if r.unit == city.a.grid)
    assert (grid.findings, grid.repeat, grid.overdue, grid.reopened) == (1, 0, 0, 0)


def test_the_printed_assignment_carries_its_number(client, monkeypatch, inspector_a, assignment_a):
    from weasyprint import HTML

    from fangkong.supervision.views import assignments as views
    from fangkong.tracing.views.report import _no_fetch

    printed = []
    real = views.render_pdf

    def render(html):
        printed.append(html)
        return real(html)

    monkeypatch.setattr(views, "render_pdf", render)
    client.force_login(inspector_a)
    response = client.get(reverse("supervision:assignment_pdf", args=[assignment_a.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    # The text WeasyPrint laid out on the pages it wrote into this PDF...
    document = HTML(string=printed[0], url_fetcher=_no_fetch).render()
    text = "".join(getattr(box, "text", "") for page in document.pages for box in page._page_box.descendants())
    assert assignment_a.number in text
    assert assignment_a.finding.site.name in text and "立即安排24小时值守" in text
    # ...and the PDF's fonts map glyphs back to every character of the number (its ToUnicode tables).
    streams = _pdf_streams(response.content).lower()
    for char in set(assignment_a.number):
        assert f"<{ord(char):04x}>".encode() in streams, char


def _pdf_streams(pdf: bytes) -> bytes:
    out = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            out.append(zlib.decompress(match.group(1)))
        except zlib.error:
            out.append(match.group(1))
    return b"\n".join(out)
