import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fangkong.notices import services
from fangkong.notices.models import Gate, Notice

pytestmark = pytest.mark.django_db


def publish(actor, targets, **extra):
    fields = dict(title="关于东城区实施临时管控的通告", body="第一段。\n\n第二段<b>粗</b>。",
                  effective_at=timezone.now(), targets=targets)
    fields.update(extra)
    return services.notice_publish(actor=actor, **fields)


def test_the_public_page_needs_no_login_and_escapes_the_text(client, city, hq):
    notice = publish(hq, [city.a.district])
    body = client.get(f"/notices/{notice.number}/").content.decode()
    assert notice.title in body and "<p>第一段。</p>" in body and "&lt;b&gt;粗&lt;/b&gt;" in body
    assert client.get("/notices/TG99999999/").status_code == 404


def test_a_withdrawn_or_superseded_notice_says_so(client, city, hq):
    old = publish(hq, [city.a.district])
    new = publish(hq, [city.a.district], title="新通告", supersedes=old)
    body = client.get(f"/notices/{old.number}/").content.decode()
    assert 'data-state="superseded"' in body and f'href="/notices/{new.number}/"' in body
    services.notice_withdraw(notice=new, reason="已无必要", actor=hq)
    body = client.get(f"/notices/{new.number}/").content.decode()
    assert 'data-state="withdrawn"' in body and "已无必要" in body


def test_the_node_page_and_feed_show_what_applies_there(client, city, hq):
    notice = publish(hq, [city.a.district])
    assert notice.number in client.get(f"/notices/node/{city.a.grid.pk}/").content.decode()
    assert notice.number not in client.get(f"/notices/node/{city.b.grid.pk}/").content.decode()
    feed = client.get(f"/notices/node/{city.a.grid.pk}/feed/")
    assert feed["Content-Type"].startswith("application/atom+xml")
    assert notice.title in feed.content.decode()
    assert notice.title not in client.get(f"/notices/node/{city.b.grid.pk}/feed/").content.decode()


def test_hq_publishes_through_the_form(client, city, hq, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(hq)
    response = client.post("/notices/new/", {
        "title": "通告", "body": "内容", "effective_at": "2026-12-01T08:00", "targets": [city.a.district.pk],
        "attachments": [SimpleUploadedFile("附件.pdf", b"%PDF-1.4")]})
    notice = Notice.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/notices/manage/{notice.pk}/"
    download = client.get(f"/notices/{notice.number}/files/1/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4"


def test_the_form_says_what_is_missing(client, city, hq):
    client.force_login(hq)
    response = client.post("/notices/new/", {"title": "通告", "body": "内容", "effective_at": ""})
    body = response.content.decode()
    assert response.status_code == 422
    assert 'id="error-notice-form-effective_at"' in body and 'id="error-notice-form-targets"' in body
    assert not Notice.objects.exists()


def test_officer_a_cannot_choose_district_b(client, city, officer_a):
    client.force_login(officer_a)
    response = client.post("/notices/new/", {"title": "通告", "body": "内容", "effective_at": "2026-12-01T08:00",
                                             "targets": [city.b.district.pk]})
    assert response.status_code == 422 and not Notice.objects.exists()


def test_officer_a_gets_404_for_district_bs_notice(client, city, officer_a, officer_b):
    notice = publish(officer_b, [city.b.district])
    client.force_login(officer_a)
    assert client.get(f"/notices/manage/{notice.pk}/").status_code == 404
    assert client.post(f"/notices/manage/{notice.pk}/withdraw/", {"reason": "越权"}).status_code == 404
    assert notice.number not in client.get("/notices/").content.decode()
    notice.refresh_from_db()
    assert notice.status == Notice.Status.PUBLISHED


def test_editing_on_the_page_publishes_version_2(client, city, hq):
    notice = publish(hq, [city.a.district])
    client.force_login(hq)
    response = client.post(f"/notices/manage/{notice.pk}/edit/", {
        "title": notice.title, "body": "改过的内容", "effective_at": "2026-12-01T08:00",
        "targets": [city.a.district.pk], "note": "更正"})
    assert response.status_code == 302
    body = client.get(f"/notices/{notice.number}/").content.decode()
    assert 'data-version="2"' in body and 'data-version="1"' in body


def test_officers_record_gates_and_the_map_gets_geojson(client, city, officer_a, officer_b):
    client.force_login(officer_a)
    response = client.post(f"/notices/gates/?node={city.a.community.pk}", {
        "unit": city.a.community.pk, "name": "北门", "is_open": "1", "lat": "36.62", "lng": "101.78"})
    assert response.status_code == 302
    client.post(f"/notices/gates/?node={city.a.community.pk}", {
        "unit": city.a.community.pk, "name": "南门", "is_open": "0"})
    assert Gate.objects.count() == 2
    data = client.get(f"/notices/gates.geojson?node={city.a.district.pk}").json()
    assert [f["properties"]["name"] for f in data["features"]] == ["北门"]
    assert data["features"][0]["geometry"]["coordinates"] == [101.78, 36.62]
    assert client.get(f"/notices/gates.geojson?node={city.b.district.pk}").status_code == 404
    client.force_login(officer_b)
    assert client.get(f"/notices/gates/{Gate.objects.first().pk}/").status_code == 404
    assert client.get("/notices/gates.geojson").json()["features"] == []


def test_a_gate_needs_a_name_and_both_coordinates(client, city, officer_a):
    client.force_login(officer_a)
    response = client.post(f"/notices/gates/?node={city.a.community.pk}", {
        "unit": city.a.community.pk, "name": "", "is_open": "1", "lat": "36.62"})
    assert response.status_code == 422 and not Gate.objects.exists()


def test_closing_a_gate_moves_its_since(city, officer_a):
    gate = services.gate_save(actor=officer_a, unit=city.a.community, name="东门", is_open=True)
    before = gate.since
    gate = services.gate_save(actor=officer_a, unit=city.a.community, gate=gate, name="东门", is_open=False)
    assert gate.since >= before and not gate.is_open


def test_api_lists_notices_and_gates_in_scope(api_client, city, hq, officer_a, officer_b):
    mine = publish(officer_a, [city.a.district])
    publish(officer_b, [city.b.district])
    services.gate_save(actor=officer_a, unit=city.a.community, name="北门", is_open=True, lat=36.6, lng=101.7)
    client = api_client(officer_a)
    assert [n["number"] for n in client.get("/api/v1/notices/").json()["items"]] == [mine.number]
    data = client.get("/api/v1/notices/gates.geojson").json()
    assert [f["properties"]["name"] for f in data["features"]] == ["北门"]
    assert client.get(f"/api/v1/notices/gates.geojson?node={city.b.district.pk}").status_code == 404
