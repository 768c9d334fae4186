import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fangkong.notices import selectors, services
from fangkong.notices.models import Attachment, Notice, NoticeVersion

pytestmark = pytest.mark.django_db


def publish(actor, targets=None, **extra):
    fields = dict(title="关于东城区实施临时管控的通告", body="一、全区居民非必要不外出。\n\n二、小区只留一个进出口。",
                  effective_at=timezone.now(), targets=targets)
    fields.update(extra)
    return services.notice_publish(actor=actor, **fields)


def test_a_notice_applies_to_its_nodes_and_their_subtree_only(city, hq):
    notice = publish(hq, [city.a.district])
    assert notice.number == f"TG{notice.pk:08d}"
    for node in (city.a.district, city.a.street, city.a.building):
        assert list(selectors.notices_for_node(node)) == [notice]
    for node in (city.city, city.b.district, city.b.building):
        assert not selectors.notices_for_node(node).exists()


def test_a_city_notice_applies_everywhere(city, hq):
    notice = publish(hq, [city.city])
    assert list(selectors.notices_for_node(city.b.building)) == [notice]


def test_staff_see_what_applies_to_them_and_what_is_in_their_scope(city, hq, officer_a, officer_b, grid_worker_a):
    city_wide = publish(hq, [city.city], title="全市通告")
    for_a = publish(officer_a, [city.a.street], title="东街道通告")
    for_b = publish(officer_b, [city.b.district], title="西城区通告")
    assert set(selectors.staff_notices(user=officer_a)) == {city_wide, for_a}
    assert set(selectors.staff_notices(user=grid_worker_a)) == {city_wide, for_a}
    assert set(selectors.staff_notices(user=hq)) == {city_wide, for_a, for_b}


def test_officer_a_cannot_publish_for_district_b(city, officer_a):
    with pytest.raises(PermissionDenied):
        publish(officer_a, [city.a.district, city.b.district])
    assert not Notice.objects.exists()


@pytest.mark.parametrize(("field", "value"), [("effective_at", None), ("targets", []), ("title", " "), ("body", "")])
def test_bad_input_is_refused_with_a_message_and_nothing_written(city, hq, field, value):
    with pytest.raises(ValidationError) as exc:
        publish(hq, **{"targets": [city.a.district], field: value})
    assert exc.value.message_dict[field]
    assert not Notice.objects.exists() and not NoticeVersion.objects.exists()


def test_an_attachment_too_large_or_of_the_wrong_type_is_refused(city, hq, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.NOTICES_ATTACHMENT_MAX_BYTES = 1000
    big = SimpleUploadedFile("通告.pdf", b"%PDF" + b"0" * 2000, content_type="application/pdf")
    with pytest.raises(ValidationError) as exc:
        publish(hq, [city.a.district], files=[big])
    assert "通告.pdf" in exc.value.message_dict["attachments"][0]
    exe = SimpleUploadedFile("通告.pdf", b"MZ\x90\x00", content_type="application/pdf")
    with pytest.raises(ValidationError):
        publish(hq, [city.a.district], files=[exe])
    with pytest.raises(ValidationError):
        publish(hq, [city.a.district], files=[SimpleUploadedFile("x.exe", b"MZ")])
    assert not Notice.objects.exists() and not Attachment.objects.exists()
    ok = SimpleUploadedFile("附件.pdf", b"%PDF-1.4 small", content_type="application/pdf")
    notice = publish(hq, [city.a.district], files=[ok])
    assert notice.attachments.get().name == "附件.pdf"


def test_editing_creates_a_new_version_and_keeps_the_history(city, hq):
    notice = publish(hq, [city.a.district])
    later = timezone.now() + datetime.timedelta(hours=2)
    services.notice_update(notice=notice, actor=hq, title="关于东城区调整管控措施的通告", body="调整后的内容",
                           effective_at=later, targets=[city.a.district, city.b.district], note="扩大到西城区")
    notice.refresh_from_db()
    assert notice.version == 2 and notice.title == "关于东城区调整管控措施的通告"
    assert [v.number for v in selectors.versions(notice=notice)] == [2, 1]
    assert selectors.versions(notice=notice)[1].body.startswith("一、")
    assert list(selectors.notices_for_node(city.b.grid)) == [notice]


def test_an_edit_that_changes_nothing_is_refused(city, hq):
    notice = publish(hq, [city.a.district])
    with pytest.raises(ValidationError):
        services.notice_update(notice=notice, actor=hq, title=notice.title, body=notice.body,
                               effective_at=notice.effective_at, targets=[city.a.district])
    assert NoticeVersion.objects.count() == 1


def test_withdraw_needs_a_reason_and_removes_it_from_the_feed(city, hq):
    notice = publish(hq, [city.a.district])
    with pytest.raises(ValidationError):
        services.notice_withdraw(notice=notice, reason="", actor=hq)
    services.notice_withdraw(notice=notice, reason="疫情形势好转", actor=hq)
    assert not selectors.notices_for_node(city.a.grid).exists()
    assert list(selectors.notices_for_node(city.a.grid, include_inactive=True)) == [notice]


def test_supersede_marks_the_old_one_and_links_the_new(city, hq):
    old = publish(hq, [city.a.district])
    new = publish(hq, [city.a.district], title="关于解除东城区临时管控的通告", supersedes=old)
    old.refresh_from_db()
    assert old.status == Notice.Status.SUPERSEDED and old.superseded_by == new
    assert list(selectors.notices_for_node(city.a.grid)) == [new]


def test_a_district_cannot_withdraw_the_hqs_notice(city, hq, officer_a):
    notice = publish(hq, [city.a.district])
    with pytest.raises(PermissionDenied):
        services.notice_withdraw(notice=notice, reason="不适用", actor=officer_a)
    notice.refresh_from_db()
    assert notice.status == Notice.Status.PUBLISHED


def test_the_body_is_plain_text(city, hq):
    notice = publish(hq, [city.a.district], body="<script>alert(1)</script>\r\n\r\n\r\n第二段  ")
    assert notice.body == "<script>alert(1)</script>\n\n第二段"
