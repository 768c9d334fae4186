"""The field pages: a sampler on a phone at a point, a lab receiving and resulting tubes, the public point page."""

import datetime

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from conftest import make_user
from fangkong.accounts.roles import Role
from fangkong.testing import services
from fangkong.testing.models import Handover, Recall, Sample, Tube

from .conftest import fill_tube, resident_id, sent_batch

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _page(response) -> str:
    return response.content.decode()


# --- each page renders for its role --------------------------------------------------------------------------


def test_the_sampler_home_lists_running_rounds_and_the_points_in_scope(client, sampler_a, round_a, point_a, point_b):
    client.force_login(sampler_a)
    response = client.get("/testing/sample/")
    assert response.status_code == 200
    page = _page(response)
    assert 'data-round="R-A-1"' in page
    assert 'data-point="P-A1"' in page and 'data-point="P-B1"' not in page


def test_the_point_page_offers_the_running_round_and_who_is_on_duty(client, sampler_a, round_a, point_a):
    from fangkong.workforce.selectors import post_for
    from fangkong.workforce.services import shift_create

    now = timezone.now()
    post = post_for(subject_type="testing.samplingpoint", subject_id=point_a.pk)
    shift_create(post=post, starts_at=now - datetime.timedelta(hours=1), ends_at=now + datetime.timedelta(hours=5),
                 leader_name="李组长", leader_phone="13700002222", actor=None)
    client.force_login(sampler_a)
    response = client.get(f"/testing/sample/points/{point_a.pk}/")
    assert response.status_code == 200
    page = _page(response)
    assert f'<option value="{round_a.pk}" selected>' in page
    assert "李组长" in page and "137****2222" in page


def test_the_lab_home_lists_the_batches_sent_to_its_labs(client, lab_staff, lab, round_a, point_a, residents_a):
    tube = fill_tube(round_a, point_a, "T0000001", residents_a[:2])
    handover = sent_batch([tube], lab)
    client.force_login(lab_staff)
    response = client.get("/testing/lab/")
    assert response.status_code == 200
    page = _page(response)
    assert f'id="handover-{handover.pk}"' in page and 'data-status="sent"' in page


def test_the_tube_page_shows_the_counter_and_the_masked_samples(client, sampler_a, round_a, point_a, residents_a):
    tube = fill_tube(round_a, point_a, "T0000001", residents_a[:3], actor=sampler_a)
    client.force_login(sampler_a)
    response = client.get(f"/testing/sample/tubes/{tube.code}/")
    assert response.status_code == 200
    page = _page(response)
    assert "3 / 10" in page and 'id="scan-id"' in page and "autofocus" in page
    assert residents_a[0].name in page and residents_a[0].id_number not in page
    assert "testing/field.js" in page and "<script>" not in page


def test_the_lab_pages_render_for_a_lab_user(client, lab_staff, received_tube):
    client.force_login(lab_staff)
    assert 'id="results-upload-form"' in _page(client.get("/testing/lab/results/"))
    page = _page(client.get("/testing/lab/"))
    assert 'href="/testing/lab/tubes/T0000001/result/"' in page


@pytest.mark.parametrize("url", ["/testing/sample/", "/testing/lab/", "/testing/lab/results/"])
def test_an_officer_gets_404_on_the_field_pages(client, officer_a, url):
    client.force_login(officer_a)
    assert client.get(url).status_code == 404


def test_a_lab_user_cannot_open_the_sampler_pages(client, lab_staff, point_a):
    client.force_login(lab_staff)
    assert client.get("/testing/sample/").status_code == 404
    assert client.get(f"/testing/sample/points/{point_a.pk}/").status_code == 404


def test_the_field_pages_need_a_login(client, point_a):
    response = client.get(f"/testing/sample/points/{point_a.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- scope ---------------------------------------------------------------------------------------------------


def test_a_sampler_of_district_b_gets_404_on_district_a_point_and_tube(client, sampler_b, round_a, point_a,
                                                                         residents_a):
    tube = fill_tube(round_a, point_a, "T0000001", residents_a[:1])
    client.force_login(sampler_b)
    assert client.get(f"/testing/sample/points/{point_a.pk}/").status_code == 404
    assert client.post(f"/testing/sample/points/{point_a.pk}/", {"round": round_a.pk, "code": "T0000099"}
                       ).status_code == 404
    assert client.get(f"/testing/sample/tubes/{tube.code}/").status_code == 404
    response = client.post(f"/testing/sample/tubes/{tube.code}/", {"id_number": residents_a[1].id_number}, **HTMX)
    assert response.status_code == 404
    assert client.get(f"/testing/sample/points/{point_a.pk}/handover/").status_code == 404
    assert not Tube.objects.filter(code="T0000099").exists() and Sample.objects.count() == 1


def test_a_lab_user_cannot_open_another_labs_batch(client, other_lab_staff, lab, round_a, point_a, residents_a):
    tube = fill_tube(round_a, point_a, "T0000001", residents_a[:2])
    handover = sent_batch([tube], lab)
    client.force_login(other_lab_staff)
    assert client.get(f"/testing/lab/handovers/{handover.pk}/").status_code == 404
    assert client.post(f"/testing/lab/handovers/{handover.pk}/", {"codes": tube.code}).status_code == 404
    assert client.get(f"/testing/lab/tubes/{tube.code}/result/").status_code == 404
    handover.refresh_from_db()
    assert handover.status == Handover.Status.SENT
    assert f'id="handover-{handover.pk}"' not in _page(client.get("/testing/lab/"))


# --- the point: opening a tube, the queue ---------------------------------------------------------------------


def test_scanning_a_tube_code_at_the_point_opens_it_and_goes_to_the_tube(client, sampler_a, round_a, point_a):
    client.force_login(sampler_a)
    response = client.post(f"/testing/sample/points/{point_a.pk}/", {"round": round_a.pk, "code": " T0000001 "})
    assert response.status_code == 302 and response["Location"] == "/testing/sample/tubes/T0000001/"
    tube = Tube.objects.get(code="T0000001")
    assert (tube.point, tube.round, tube.capacity, tube.opened_by) == (point_a, round_a, 10, sampler_a)


def test_a_barcode_used_in_another_round_is_refused_at_the_point(client, sampler_a, round_a, point_a, residents_a,
                                                                 city):
    fill_tube(round_a, point_a, "T0000001", residents_a[:1])
    now = timezone.now()
    second = services.round_create(code="R-A-2", name="第二轮", nodes=[city.a.district],
                                   starts_at=now - datetime.timedelta(minutes=5),
                                   ends_at=now + datetime.timedelta(days=1), actor=None)
    client.force_login(sampler_a)
    response = client.post(f"/testing/sample/points/{point_a.pk}/", {"round": second.pk, "code": "T0000001"})
    assert response.status_code == 422
    assert 'id="error-code"' in _page(response) and round_a.name in _page(response)
    assert Tube.objects.filter(code="T0000001").count() == 1


def test_without_a_running_round_the_point_opens_no_tube(client, sampler_a, point_a):
    client.force_login(sampler_a)
    page = _page(client.get(f"/testing/sample/points/{point_a.pk}/"))
    assert 'id="no-round"' in page and 'id="tube-open-form"' not in page


def test_the_queue_report_reaches_the_point(client, sampler_a, point_a):
    client.force_login(sampler_a)
    response = client.post(f"/testing/sample/points/{point_a.pk}/queue/", {"queue_length": "35"})
    assert response.status_code == 302
    point_a.refresh_from_db()
    assert point_a.queue_length == 35 and point_a.queue_reported_at is not None


def test_a_bad_queue_length_is_refused(client, sampler_a, point_a):
    client.force_login(sampler_a)
    response = client.post(f"/testing/sample/points/{point_a.pk}/queue/", {"queue_length": "-3"})
    assert response.status_code == 422
    point_a.refresh_from_db()
    assert point_a.queue_length is None


# --- the tube -------------------------------------------------------------------------------------------------


@pytest.fixture
def open_tube(round_a, point_a, sampler_a):
    return services.tube_open(round_=round_a, point=point_a, code="T0000001", actor=sampler_a)


def test_a_scan_adds_the_person_and_moves_the_counter(client, sampler_a, open_tube, residents_a):
    client.force_login(sampler_a)
    response = client.post(f"/testing/sample/tubes/{open_tube.code}/", {"id_number": residents_a[0].id_number},
                           **HTMX)
    assert response.status_code == 200
    page = _page(response)
    assert page.lstrip().startswith('<section id="tube-panel"')
    assert 'data-size="1"' in page and "1 / 10" in page and residents_a[0].name in page
    assert residents_a[0].id_number not in page
    assert Sample.objects.get().person == residents_a[0]


def test_a_scan_without_htmx_redirects_back_to_the_tube(client, sampler_a, open_tube, residents_a):
    client.force_login(sampler_a)
    response = client.post(f"/testing/sample/tubes/{open_tube.code}/", {"id_number": residents_a[0].id_number})
    assert response.status_code == 302 and response["Location"] == f"/testing/sample/tubes/{open_tube.code}/"
    assert Sample.objects.count() == 1


def test_an_id_already_sampled_in_the_round_is_refused_and_nothing_is_written(client, sampler_a, round_a, point_a,
                                                                              residents_a, open_tube):
    # given the first resident already in another tube of the round
    fill_tube(round_a, point_a, "T0000002", residents_a[:1], actor=sampler_a)
    client.force_login(sampler_a)
    # when the sampler scans them again into T0000001
    response = client.post(f"/testing/sample/tubes/{open_tube.code}/", {"id_number": residents_a[0].id_number},
                           **HTMX)
    # then the service's message is next to the input, naming the first tube, and nothing is written
    assert response.status_code == 422
    page = _page(response)
    assert 'id="error-id_number"' in page and "T0000002" in page
    assert not Sample.objects.filter(tube=open_tube).exists()
    open_tube.refresh_from_db()
    assert open_tube.size == 0


def test_the_tube_closes_itself_at_its_pool_size_through_the_view(client, sampler_a, open_tube, residents_a):
    client.force_login(sampler_a)
    url = f"/testing/sample/tubes/{open_tube.code}/"
    for person in residents_a[:10]:
        response = client.post(url, {"id_number": person.id_number}, **HTMX)
        assert response.status_code == 200
    page = _page(response)
    assert 'data-status="closed"' in page and "10 / 10" in page
    assert 'id="next-tube-form"' in page and 'id="scan-form"' not in page
    open_tube.refresh_from_db()
    assert (open_tube.status, open_tube.size) == (Tube.Status.CLOSED, 10)
    # an eleventh scan on the closed tube is refused and written nowhere
    response = client.post(url, {"id_number": residents_a[10].id_number}, **HTMX)
    assert response.status_code == 422 and Sample.objects.count() == 10


def test_an_id_not_on_file_asks_for_the_name_then_is_added(client, sampler_a, open_tube):
    client.force_login(sampler_a)
    url = f"/testing/sample/tubes/{open_tube.code}/"
    visitor = resident_id(500)
    response = client.post(url, {"id_number": visitor}, **HTMX)
    assert response.status_code == 422
    page = _page(response)
    assert 'id="scan-name"' in page and 'id="error-name"' in page and f'value="{visitor}"' in page
    assert not Sample.objects.exists()
    response = client.post(url, {"id_number": visitor, "name": "外来务工人员", "phone": "13912345678"}, **HTMX)
    assert response.status_code == 200
    sample = Sample.objects.get()
    assert (sample.name, sample.phone, sample.person) == ("外来务工人员", "13912345678", None)


def test_a_mistaken_scan_is_removed_from_the_open_tube(client, sampler_a, round_a, point_a, residents_a):
    tube = fill_tube(round_a, point_a, "T0000001", residents_a[:2], actor=sampler_a)
    sample = Sample.objects.get(tube=tube, person=residents_a[1])
    client.force_login(sampler_a)
    response = client.post(f"/testing/sample/tubes/{tube.code}/samples/{sample.pk}/remove/", **HTMX)
    assert response.status_code == 200 and 'data-size="1"' in _page(response)
    assert not Sample.objects.filter(pk=sample.pk).exists()


def test_a_sample_of_another_tube_cannot_be_removed_through_this_one(client, sampler_a, round_a, point_a,
                                                                     residents_a):
    first = fill_tube(round_a, point_a, "T0000001", residents_a[:1], actor=sampler_a)
    second = fill_tube(round_a, point_a, "T0000002", residents_a[1:2], actor=sampler_a)
    other = Sample.objects.get(tube=second)
    client.force_login(sampler_a)
    assert client.post(f"/testing/sample/tubes/{first.code}/samples/{other.pk}/remove/").status_code == 404
    assert Sample.objects.filter(pk=other.pk).exists()


def test_closing_a_tube_by_hand(client, sampler_a, round_a, point_a, residents_a):
    tube = fill_tube(round_a, point_a, "T0000001", residents_a[:3], actor=sampler_a)
    client.force_login(sampler_a)
    response = client.post(f"/testing/sample/tubes/{tube.code}/close/", **HTMX)
    assert response.status_code == 200
    page = _page(response)
    assert 'data-status="closed"' in page and "3 / 10" in page and 'id="next-tube-form"' in page
    tube.refresh_from_db()
    assert tube.status == Tube.Status.CLOSED


def test_an_empty_tube_cannot_be_closed(client, sampler_a, open_tube):
    client.force_login(sampler_a)
    response = client.post(f"/testing/sample/tubes/{open_tube.code}/close/", **HTMX)
    assert response.status_code == 422
    open_tube.refresh_from_db()
    assert open_tube.status == Tube.Status.OPEN


# --- handover and receipt -------------------------------------------------------------------------------------


@pytest.fixture
def closed_tubes(round_a, point_a, residents_a, sampler_a):
    first = fill_tube(round_a, point_a, "T0000001", residents_a[:10], actor=sampler_a)
    second = fill_tube(round_a, point_a, "T0000002", residents_a[10:12], actor=sampler_a)
    services.tube_close(tube=second, actor=sampler_a)
    second.refresh_from_db()
    return [first, second]


def test_the_handover_page_lists_the_closed_tubes(client, sampler_a, point_a, closed_tubes, lab):
    client.force_login(sampler_a)
    response = client.get(f"/testing/sample/points/{point_a.pk}/handover/")
    assert response.status_code == 200
    page = _page(response)
    assert 'value="T0000001"' in page and 'value="T0000002"' in page and f'value="{lab.pk}"' in page


def test_a_handover_count_mismatch_is_refused(client, sampler_a, point_a, closed_tubes, lab):
    client.force_login(sampler_a)
    response = client.post(f"/testing/sample/points/{point_a.pk}/handover/",
                           {"lab": lab.pk, "tubes": ["T0000001", "T0000002"], "declared_count": "3"})
    assert response.status_code == 422
    page = _page(response)
    assert 'id="error-declared_count"' in page and "3" in page and "2" in page
    assert not Handover.objects.exists()
    assert set(Tube.objects.values_list("status", flat=True)) == {Tube.Status.CLOSED}


def test_a_handover_sends_the_ticked_and_scanned_tubes(client, sampler_a, point_a, closed_tubes, lab):
    client.force_login(sampler_a)
    response = client.post(f"/testing/sample/points/{point_a.pk}/handover/",
                           {"lab": lab.pk, "tubes": ["T0000001"], "codes": "T0000002\n", "declared_count": "2"})
    assert response.status_code == 302
    handover = Handover.objects.get()
    assert (handover.lab, handover.point, handover.declared_count) == (lab, point_a, 2)
    assert set(Tube.objects.values_list("status", flat=True)) == {Tube.Status.SENT}


def test_a_sampler_cannot_hand_over_another_districts_tubes(client, sampler_b, point_b, closed_tubes, lab):
    client.force_login(sampler_b)
    response = client.post(f"/testing/sample/points/{point_b.pk}/handover/",
                           {"lab": lab.pk, "codes": "T0000001", "declared_count": "1"})
    assert response.status_code == 422 and 'id="error-codes"' in _page(response)
    assert not Handover.objects.exists()
    assert Tube.objects.get(code="T0000001").status == Tube.Status.CLOSED


def test_a_receipt_with_a_missing_tube_shows_it_in_red_at_the_top(client, lab_staff, lab, closed_tubes):
    handover = sent_batch(closed_tubes, lab)
    client.force_login(lab_staff)
    url = f"/testing/lab/handovers/{handover.pk}/"
    assert client.get(url).status_code == 200
    # when only T0000001 (and a stray code) are scanned at the lab
    response = client.post(url, {"codes": "T0000001\nT0009999"})
    assert response.status_code == 302
    page = _page(client.get(url))
    # then T0000002 is listed as missing, and the stray code as not in the batch
    missing = page.split('id="missing-tubes"', 1)[1].split("</section>", 1)[0]
    assert 'data-tube="T0000002"' in missing and 'data-tube="T0000001"' not in missing
    assert 'data-code="T0009999"' in missing
    assert page.index('id="missing-tubes"') < page.index("<h1>")
    handover.refresh_from_db()
    assert (handover.status, handover.missing_count) == (Handover.Status.DISCREPANCY, 1)


def test_a_complete_receipt_says_so(client, lab_staff, lab, closed_tubes):
    handover = sent_batch(closed_tubes, lab)
    client.force_login(lab_staff)
    url = f"/testing/lab/handovers/{handover.pk}/"
    client.post(url, {"codes": "T0000001 T0000002"})
    page = _page(client.get(url))
    assert 'id="all-arrived"' in page and 'id="missing-tubes"' not in page
    assert set(Tube.objects.values_list("status", flat=True)) == {Tube.Status.RECEIVED}


def test_a_batch_cannot_be_received_twice(client, lab_staff, lab, closed_tubes):
    handover = sent_batch(closed_tubes, lab)
    services.handover_receive(handover=handover, codes=["T0000001", "T0000002"], actor=lab_staff)
    client.force_login(lab_staff)
    page = _page(client.get(f"/testing/lab/handovers/{handover.pk}/"))
    assert 'id="receive-form"' not in page


# --- results ------------------------------------------------------------------------------------------------


@pytest.fixture
def received_tube(lab, closed_tubes):
    handover = sent_batch(closed_tubes, lab)
    services.handover_receive(handover=handover, codes=["T0000001", "T0000002"], actor=None)
    return Tube.objects.get(code="T0000001")


def test_a_lab_records_a_positive_tube_by_hand_and_its_pool_is_recalled(client, lab_staff, received_tube):
    client.force_login(lab_staff)
    url = f"/testing/lab/tubes/{received_tube.code}/result/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"result": "positive", "ct_orf1ab": "28.5", "ct_n": "30.1"})
    assert response.status_code == 302
    received_tube.refresh_from_db()
    assert (received_tube.result, str(received_tube.ct_orf1ab)) == ("positive", "28.5")
    assert Recall.objects.get().members.count() == 10
    assert 'data-tube="T0000001"' in _page(client.get("/testing/lab/")).split('id="lab-alerts"', 1)[1]


def test_a_bad_ct_value_is_refused_on_its_field(client, lab_staff, received_tube):
    client.force_login(lab_staff)
    response = client.post(f"/testing/lab/tubes/{received_tube.code}/result/",
                           {"result": "positive", "ct_orf1ab": "abc"})
    assert response.status_code == 422 and 'id="error-ct_orf1ab"' in _page(response)
    received_tube.refresh_from_db()
    assert received_tube.result == "" and not Recall.objects.exists()


def _tested_at() -> str:
    """A test time the file gives to the minute, after the tubes were sampled seconds ago."""
    return timezone.localtime(timezone.now() + datetime.timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M")


def _results_file(rows: list[str]) -> SimpleUploadedFile:
    text = "tube_code,result,ct_orf1ab,ct_n,tested_at,lab_code\n" + "\n".join(rows) + "\n"
    return SimpleUploadedFile("results.csv", text.encode(), content_type="text/csv")


def test_a_small_results_file_is_imported_inline_and_the_positive_is_reported(client, lab_staff, received_tube):
    client.force_login(lab_staff)
    tested = _tested_at()
    upload = _results_file([f"T0000001,阳性,27.0,29.5,{tested},LAB1", f"T0000002,negative,,,{tested},LAB1",
                            f"T0000404,negative,,,{tested},LAB1"])
    response = client.post("/testing/lab/results/", {"file": upload})
    assert response.status_code == 200
    page = _page(response)
    assert 'data-created="2"' in page and 'data-rejected="1"' in page and 'data-line="4"' in page
    assert 'id="import-recalls"' in page and 'data-tube="T0000001"' in page
    assert dict(Tube.objects.values_list("code", "result")) == {"T0000001": "positive", "T0000002": "negative"}


def test_a_results_file_without_its_columns_is_refused_as_a_whole(client, lab_staff, received_tube):
    client.force_login(lab_staff)
    upload = SimpleUploadedFile("results.csv", b"code,outcome\nT0000001,negative\n", content_type="text/csv")
    page = _page(client.post("/testing/lab/results/", {"file": upload}))
    assert 'id="import-unreadable"' in page and 'data-created="0"' in page
    received_tube.refresh_from_db()
    assert received_tube.result == ""


def test_the_same_results_file_twice_changes_nothing(client, lab_staff, received_tube):
    client.force_login(lab_staff)
    tested = _tested_at()
    rows = [f"T0000001,negative,,,{tested},LAB1", f"T0000002,negative,,,{tested},LAB1"]
    client.post("/testing/lab/results/", {"file": _results_file(rows)})
    response = client.post("/testing/lab/results/", {"file": _results_file(rows)})
    page = _page(response)
    assert 'data-created="0"' in page and 'data-unchanged="2"' in page and 'data-rejected="0"' in page
    assert not Recall.objects.exists()


def test_a_large_results_file_goes_to_the_worker_with_a_progress_box(client, lab_staff, received_tube, settings,
                                                                      tmp_path, monkeypatch):
    from fangkong.testing.views import field

    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(field, "INLINE_MAX_BYTES", 10)
    client.force_login(lab_staff)
    tested = _tested_at()
    response = client.post("/testing/lab/results/", {"file": _results_file([f"T0000001,negative,,,{tested},LAB1"])})
    assert response.status_code == 200
    assert 'class="job-progress' in _page(response)
    received_tube.refresh_from_db()
    assert received_tube.result == "negative"


# --- the public page ------------------------------------------------------------------------------------------


@pytest.fixture(autouse=False)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_the_public_page_needs_no_login_and_shows_no_personal_data(client, fresh_cache, round_a, point_a, point_b,
                                                                   residents_a, sampler_a):
    # given a sampler at point A who reported the queue and sampled residents
    fill_tube(round_a, point_a, "T0000001", residents_a[:2], actor=sampler_a)
    services.point_queue_report(point=point_a, length=12, actor=sampler_a)
    response = client.get("/testing/points/")
    assert response.status_code == 200 and "max-age=30" in response["Cache-Control"]
    page = _page(response)
    assert f'id="point-{point_a.pk}"' in page and f'id="point-{point_b.pk}"' in page and ">12 " in page
    for person in residents_a[:2]:
        assert person.id_number not in page and person.phone not in page and person.name not in page
    assert "sampler_a" not in page


def test_the_public_page_puts_the_nearest_open_point_first(client, fresh_cache, city):
    import datetime as dt

    far = services.point_create(code="P-FAR", name="远处采样点", unit=city.a.community, opens_at=dt.time(0),
                                closes_at=dt.time(23, 59), latitude=36.9, longitude=95.5, actor=None)
    near = services.point_create(code="P-NEAR", name="近处采样点", unit=city.b.community, opens_at=dt.time(0),
                                 closes_at=dt.time(23, 59), latitude=36.401, longitude=94.901, actor=None)
    page = _page(client.get("/testing/points/", {"lat": "36.4", "lon": "94.9"}))
    assert page.index(f'id="point-{near.pk}"') < page.index(f'id="point-{far.pk}"')
    assert 'class="distance"' in page


def test_the_public_page_filters_by_street_or_community(client, fresh_cache, city, point_a, point_b):
    page = _page(client.get("/testing/points/", {"area": city.b.street.pk}))
    assert f'id="point-{point_b.pk}"' in page and f'id="point-{point_a.pk}"' not in page
    # a nonsense filter is ignored rather than refused
    response = client.get("/testing/points/", {"area": "x", "lat": "200"})
    assert response.status_code == 200 and f'id="point-{point_a.pk}"' in _page(response)


def test_the_public_page_works_without_javascript(client, fresh_cache, point_a):
    page = _page(client.get("/testing/points/"))
    assert 'method="get"' in page and "data-locate hidden" in page and "<script>" not in page


def test_a_grid_worker_may_sample_at_a_point_of_their_community(client, city, round_a, point_a, residents_a):
    grid_worker = make_user("gw_sampler", Role.GRID_WORKER, city.a.community)
    client.force_login(grid_worker)
    response = client.post(f"/testing/sample/points/{point_a.pk}/", {"round": round_a.pk, "code": "T0000077"})
    assert response.status_code == 302
    response = client.post("/testing/sample/tubes/T0000077/", {"id_number": residents_a[0].id_number}, **HTMX)
    assert response.status_code == 200 and Sample.objects.get().recorded_by == grid_worker


def test_the_public_list_is_served_from_cache_for_half_a_minute(client, point_a, sampler_a):
    # given the public page seen once
    first = _page(client.get("/testing/points/"))
    assert point_a.name in first
    # when the point is switched off, the list stays as it was for the cache's half minute
    point_a.active = False
    point_a.save(update_fields=["active"])
    assert point_a.name in _page(client.get("/testing/points/"))
    cache.clear()
    assert point_a.name not in _page(client.get("/testing/points/"))
