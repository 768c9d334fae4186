"""The HQ and officer pages of mass testing: rounds, coverage, people not sampled, recalls and their export,
points and labs — each within the user's scope."""

import csv
import datetime
import io

import pytest
from django.utils import timezone

from fangkong.accounts.models import AccessLog
from fangkong.tasks.models import Task
from fangkong.testing import services
from fangkong.testing.models import Lab, LabStaff, Recall, Round, RoundExtra, SamplingPoint

from .conftest import fill_tube, resident_id

pytestmark = pytest.mark.django_db


def _local(value: datetime.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def _page(client, user, url, status=200):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == status
    return response.content.decode()


# --- every page renders for the HQ and for an officer ----------------------------------------------------------


@pytest.mark.parametrize("persona", ["hq", "officer_a"])
def test_every_page_renders_for_hq_and_officer(persona, request, client, round_a, positive_tube_a, point_a, lab):
    user = request.getfixturevalue(persona)
    recall = Recall.objects.get(tube=positive_tube_a)
    urls = ["/testing/", "/testing/rounds/new/", f"/testing/rounds/{round_a.pk}/",
            f"/testing/rounds/{round_a.pk}/unsampled/", f"/testing/rounds/{round_a.pk}/import/",
            f"/testing/recalls/{recall.pk}/", f"/testing/rounds/{round_a.pk}/recall.csv",
            "/testing/points/manage/", "/testing/points/new/", "/testing/labs/", "/testing/labs/new/"]
    for url in urls:
        _page(client, user, url)


def test_index_lists_rounds_with_target_sampled_and_positive_tubes(client, hq, round_a, positive_tube_a):
    page = _page(client, hq, "/testing/")
    assert f'id="round-{round_a.pk}"' in page and "R-A-1" in page
    row = page.split(f'id="round-{round_a.pk}"')[1].split("</tr>")[0]
    assert '<td class="target">12</td>' in row and '<td class="sampled">10</td>' in row
    assert 'class="positive error">1</td>' in row


def test_index_alerts_the_open_recall_with_its_tube_and_members(client, hq, positive_tube_a, point_a):
    recall = Recall.objects.get(tube=positive_tube_a)
    page = _page(client, hq, "/testing/")
    assert 'id="recall-alerts"' in page
    alert = page.split(f'id="recall-{recall.pk}"')[0].rsplit("<tr", 1)[1] + page.split(f'id="recall-{recall.pk}"')[1]
    assert 'data-tube="T0000010"' in alert and 'data-members="10"' in alert
    assert point_a.name in alert and f"/testing/recalls/{recall.pk}/" in alert


def test_no_alert_box_without_open_recalls(client, hq, round_a):
    assert 'id="recall-alerts"' not in _page(client, hq, "/testing/")


def test_new_round_button_only_for_testing_manage(client, hq, grid_worker_a, round_a):
    assert 'id="new-round"' in _page(client, hq, "/testing/")
    client.logout()
    # A grid worker may view (and sample) but not manage: no button, and the form is a 404.
    client.force_login(grid_worker_a)
    assert client.get("/testing/rounds/new/").status_code == 404


# --- scope -----------------------------------------------------------------------------------------------------


def test_officer_b_gets_404_on_district_a_pages(client, officer_b, round_a, positive_tube_a):
    recall = Recall.objects.get(tube=positive_tube_a)
    client.force_login(officer_b)
    for url in [f"/testing/rounds/{round_a.pk}/", f"/testing/rounds/{round_a.pk}/unsampled/",
                f"/testing/recalls/{recall.pk}/", f"/testing/rounds/{round_a.pk}/recall.csv",
                f"/testing/rounds/{round_a.pk}/import/"]:
        assert client.get(url).status_code == 404, url
    response = client.post(f"/testing/rounds/{round_a.pk}/recall.csv", {"reason": "核查"})
    assert response.status_code == 404
    assert not AccessLog.objects.exists()


def test_officer_b_sees_nothing_of_district_a_in_lists(client, officer_b, round_a, positive_tube_a, point_a):
    index = _page(client, officer_b, "/testing/")
    assert "R-A-1" not in index and "T0000010" not in index and 'id="recall-alerts"' not in index
    assert point_a.code not in _page(client, officer_b, "/testing/points/manage/")


def test_officer_b_cannot_change_a_district_a_round(client, officer_b, round_a):
    client.force_login(officer_b)
    response = client.post(f"/testing/rounds/{round_a.pk}/status/", {"status": "closed"})
    assert response.status_code == 404
    round_a.refresh_from_db()
    assert round_a.status == Round.Status.RUNNING


def test_street_officer_sees_the_city_round_with_only_the_streets_figures(client, hq, street_officer_a, city_round,
                                                                          city):
    # given a city round: 12 residents in district A, 1 in district B
    hq_page = _page(client, hq, f"/testing/rounds/{city_round.pk}/")
    assert 'id="coverage-target">13<' in hq_page
    client.logout()
    # when the street officer of A opens the round
    index = _page(client, street_officer_a, "/testing/")
    page = _page(client, street_officer_a, f"/testing/rounds/{city_round.pk}/")
    # then they see it, counted only over their street, starting at their street, and cannot manage it
    assert f'id="round-{city_round.pk}"' in index and '<td class="target">12</td>' in index
    assert 'id="coverage-target">12<' in page and f'data-node="{city.a.street.pk}"' in page
    assert city.b.district.name not in page.split('id="coverage"')[1]
    assert 'id="round-actions"' not in page


def test_street_officer_cannot_drill_into_another_district(client, street_officer_a, city_round, city):
    client.force_login(street_officer_a)
    response = client.get(f"/testing/rounds/{city_round.pk}/?node={city.b.district.pk}")
    assert response.status_code == 404
    response = client.get(f"/testing/rounds/{city_round.pk}/unsampled/?node={city.b.grid.pk}")
    assert response.status_code == 404


# --- the round form ----------------------------------------------------------------------------------------------


def test_the_round_form_creates_a_round_over_the_chosen_nodes(client, officer_a, city, residents_a, resident_b):
    now = timezone.now()
    client.force_login(officer_a)
    response = client.post("/testing/rounds/new/", {
        "code": "R-A-9", "name": "东城区加测", "nodes": [city.a.street.pk], "pool_size": 10,
        "starts_at": _local(now - datetime.timedelta(minutes=5)), "ends_at": _local(now + datetime.timedelta(days=1))})
    round_ = Round.objects.get(code="R-A-9")
    assert response.status_code == 302 and response.url == f"/testing/rounds/{round_.pk}/"
    assert round_.target_total == 12 and list(round_.nodes.all()) == [city.a.street]
    assert round_.status == Round.Status.RUNNING and round_.created_by == officer_a


def test_the_round_form_shows_field_errors_and_creates_nothing(client, officer_a, city):
    now = timezone.now()
    client.force_login(officer_a)
    response = client.post("/testing/rounds/new/", {
        "code": "R A!", "name": "错误", "nodes": [city.a.district.pk], "pool_size": 10,
        "starts_at": _local(now + datetime.timedelta(days=1)), "ends_at": _local(now)})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="error-code"' in page
    assert not Round.objects.exists()


def test_the_round_form_reports_end_before_start_on_its_field(client, officer_a, city):
    now = timezone.now()
    client.force_login(officer_a)
    response = client.post("/testing/rounds/new/", {
        "code": "R-A-3", "name": "倒序", "nodes": [city.a.district.pk], "pool_size": 10,
        "starts_at": _local(now + datetime.timedelta(days=1)), "ends_at": _local(now)})
    assert response.status_code == 422
    assert 'id="error-ends_at"' in response.content.decode()
    assert not Round.objects.exists()


def test_the_round_form_offers_only_nodes_in_scope(client, officer_a, city):
    client.force_login(officer_a)
    page = client.get("/testing/rounds/new/").content.decode()
    assert f'value="{city.a.grid.pk}"' in page and f'value="{city.b.district.pk}"' not in page
    now = timezone.now()
    response = client.post("/testing/rounds/new/", {
        "code": "R-B-1", "name": "越界", "nodes": [city.b.district.pk], "pool_size": 10,
        "starts_at": _local(now), "ends_at": _local(now + datetime.timedelta(days=1))})
    assert response.status_code == 422 and 'id="error-nodes"' in response.content.decode()
    assert not Round.objects.exists()


def test_the_round_form_offers_the_protocols_pool_sizes(client, officer_a):
    rules = services.active_rules()
    page = _page(client, officer_a, "/testing/rounds/new/")
    select = page.split('name="pool_size"')[1].split("</select>")[0]
    for size in rules.pool_sizes:
        assert f'value="{size}"' in select
    assert f'value="{rules.pool_size}" selected' in select


# --- the round page ----------------------------------------------------------------------------------------------


def test_coverage_drills_down_to_the_grid_and_links_to_the_unsampled_list(client, hq, round_a, city, point_a,
                                                                          residents_a):
    fill_tube(round_a, point_a, "T0000001", residents_a[:3])
    page = _page(client, hq, f"/testing/rounds/{round_a.pk}/")
    assert 'id="coverage-sampled">3<' in page and 'id="coverage-target">12<' in page
    assert f'href="?node={city.a.street.pk}"' in page
    page = _page(client, hq, f"/testing/rounds/{round_a.pk}/?node={city.a.community.pk}")
    assert f'id="coverage-{city.a.grid.pk}" data-target="12" data-sampled="3"' in page
    assert f"/testing/rounds/{round_a.pk}/unsampled/?node={city.a.grid.pk}" in page
    # the breadcrumb leads back up
    assert f'data-node="{city.a.district.pk}"' in page and f'data-node="{city.a.street.pk}"' in page


def test_start_and_close_a_round(client, officer_a, city, residents_a):
    now = timezone.now()
    round_ = services.round_create(code="R-A-5", name="计划轮", nodes=[city.a.district],
                                   starts_at=now + datetime.timedelta(hours=2),
                                   ends_at=now + datetime.timedelta(days=1), actor=None)
    assert round_.status == Round.Status.PLANNED
    client.force_login(officer_a)
    assert 'id="round-start"' in client.get(f"/testing/rounds/{round_.pk}/").content.decode()
    client.post(f"/testing/rounds/{round_.pk}/status/", {"status": "running"})
    round_.refresh_from_db()
    assert round_.status == Round.Status.RUNNING
    client.post(f"/testing/rounds/{round_.pk}/status/", {"status": "closed"})
    round_.refresh_from_db()
    assert round_.status == Round.Status.CLOSED
    # going back is refused
    client.post(f"/testing/rounds/{round_.pk}/status/", {"status": "running"})
    round_.refresh_from_db()
    assert round_.status == Round.Status.CLOSED


def test_add_a_person_by_hand_to_the_target(client, officer_a, round_a, resident_b):
    client.force_login(officer_a)
    response = client.post(f"/testing/rounds/{round_a.pk}/extras/", {"id_number": resident_b.id_number})
    assert response.status_code == 302
    assert RoundExtra.objects.filter(round=round_a, person=resident_b).exists()
    round_a.refresh_from_db()
    assert round_a.target_total == 13


def test_adding_an_unknown_id_number_adds_nobody(client, officer_a, round_a):
    client.force_login(officer_a)
    client.post(f"/testing/rounds/{round_a.pk}/extras/", {"id_number": resident_id(777)})
    assert not RoundExtra.objects.exists()


def test_round_page_shows_turnaround_and_late_tubes(client, hq, round_a, point_a, residents_a, lab):
    tube = fill_tube(round_a, point_a, "T0000020", residents_a[:10])
    # given a tube closed long before the protocol's result deadline, still without a result
    tube.closed_at = timezone.now() - datetime.timedelta(hours=services.active_rules().round_result_hours + 2)
    tube.save(update_fields=["closed_at"])
    page = _page(client, hq, f"/testing/rounds/{round_a.pk}/")
    assert 'id="turnaround-lab"' in page and 'id="turnaround-point"' in page
    assert 'id="late-T0000020"' in page
    point_row = page.split('id="turnaround-point"')[1].split(f'data-label="{point_a.name}"')[1].split("</tr>")[0]
    assert 'class="late overdue">1</td>' in point_row


# --- people not yet sampled ----------------------------------------------------------------------------------------


def test_unsampled_list_shows_people_by_building_with_their_grid_worker(client, hq, round_a, grid_a, city, point_a,
                                                                        residents_a):
    fill_tube(round_a, point_a, "T0000001", residents_a[:10])
    page = _page(client, hq, f"/testing/rounds/{round_a.pk}/unsampled/?node={city.a.grid.pk}")
    building = page.split(f'id="building-{city.a.building.pk}"')[1]
    assert "王网格" in building.split('id="grid-worker-')[1].split("</p>")[0]
    for person in residents_a[10:]:
        assert f'id="person-{person.pk}"' in building
    for person in residents_a[:10]:
        assert f'id="person-{person.pk}"' not in page
    # masked by default
    assert residents_a[11].id_number not in page and residents_a[11].phone not in page


def test_unsampled_list_without_a_grid_worker_says_so(client, hq, round_a, city):
    page = _page(client, hq, f"/testing/rounds/{round_a.pk}/unsampled/?node={city.a.grid.pk}")
    assert f'id="grid-worker-{city.a.building.pk}"' in page and "王网格" not in page


def test_building_tasks_give_the_grid_worker_one_task_per_building(client, officer_a, round_a, grid_a, city):
    # given twelve target people in one building, none sampled
    client.force_login(officer_a)
    # when the officer gives each building a task, twice
    url = f"/testing/rounds/{round_a.pk}/unsampled/tasks/"
    client.post(url, {"node": city.a.grid.pk})
    client.post(url, {"node": city.a.grid.pk})
    # then the grid worker has one task for the building, not twelve
    tasks = Task.objects.filter(kind="round_unsampled")
    assert tasks.count() == 1
    task = tasks.get()
    assert (task.owner, task.unit, task.subject_type, task.subject_id) == (grid_a, city.a.building,
                                                                           "testing.round", round_a.pk)
    assert "12" in task.detail and round_a.code in task.detail


def test_round_unsampled_tasks_counts_what_it_opened(round_a, grid_a, city, officer_a):
    assert services.round_unsampled_tasks(round_=round_a, node=city.a.district, actor=officer_a) == 1
    assert services.round_unsampled_tasks(round_=round_a, node=city.a.district, actor=officer_a) == 0
    assert Task.objects.filter(kind="round_unsampled", owner=grid_a).count() == 1


def test_round_unsampled_tasks_skips_buildings_everyone_sampled(round_a, grid_a, city, officer_a, point_a,
                                                                residents_a):
    fill_tube(round_a, point_a, "T0000001", residents_a[:10])
    fill_tube(round_a, point_a, "T0000002", residents_a[10:])
    assert services.round_unsampled_tasks(round_=round_a, node=city.a.district, actor=officer_a) == 0
    assert not Task.objects.filter(kind="round_unsampled").exists()


def test_round_unsampled_tasks_refuses_a_node_outside_the_actors_scope(round_a, city, officer_b):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.round_unsampled_tasks(round_=round_a, node=city.a.district, actor=officer_b)
    assert not Task.objects.exists()


# --- recalls -------------------------------------------------------------------------------------------------------


def test_recall_page_lists_the_pools_members_masked_with_building_and_door(client, hq, positive_tube_a, residents_a,
                                                                           city):
    recall = Recall.objects.get(tube=positive_tube_a)
    page = _page(client, hq, f"/testing/recalls/{recall.pk}/")
    assert page.count('class="recall-member"') == 10
    for person in residents_a[:10]:
        assert person.name in page and person.id_number not in page
    assert city.a.building.name in page and "<td>101</td>" in page


def test_recall_export_needs_testing_export(client, grid_worker_a, round_a, positive_tube_a):
    client.force_login(grid_worker_a)
    assert client.get(f"/testing/rounds/{round_a.pk}/recall.csv").status_code == 404
    assert client.post(f"/testing/rounds/{round_a.pk}/recall.csv", {"reason": "入户"}).status_code == 404
    assert not AccessLog.objects.exists()


def test_recall_export_needs_a_reason(client, officer_a, round_a, positive_tube_a):
    client.force_login(officer_a)
    response = client.post(f"/testing/rounds/{round_a.pk}/recall.csv", {"reason": ""})
    assert response.status_code == 422 and 'id="error-reason"' in response.content.decode()
    assert not AccessLog.objects.exists()


def test_recall_export_has_the_ten_members_with_full_ids_and_is_logged(client, officer_a, round_a, positive_tube_a,
                                                                       residents_a):
    client.force_login(officer_a)
    response = client.post(f"/testing/rounds/{round_a.pk}/recall.csv", {"reason": "夜间召回"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    body = response.content
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["身份证号", "姓名", "手机", "家庭住址", "网格", "试管编码", "原因"]
    assert sorted(r[0] for r in rows[1:]) == sorted(p.id_number for p in residents_a[:10])
    assert {r[5] for r in rows[1:]} == {"T0000010"}
    log = AccessLog.objects.get()
    assert (log.actor, log.kind, log.reason, log.row_count) == (officer_a, "export", "夜间召回", 10)


# --- points and labs -----------------------------------------------------------------------------------------------


def test_officer_sets_up_a_sampling_point(client, officer_a, city):
    client.force_login(officer_a)
    response = client.post("/testing/points/new/", {"code": "P-A9", "name": "东一社区新采样点",
                                                    "unit": city.a.community.pk, "opens_at": "07:00",
                                                    "closes_at": "21:00", "address": "东一社区广场"})
    assert response.status_code == 302
    point = SamplingPoint.objects.get(code="P-A9")
    assert point.unit == city.a.community
    assert 'data-code="P-A9"' in client.get("/testing/points/manage/").content.decode()


def test_a_point_with_bad_hours_is_refused_on_the_field(client, officer_a, city):
    client.force_login(officer_a)
    response = client.post("/testing/points/new/", {"code": "P-A8", "name": "同时开关", "unit": city.a.community.pk,
                                                    "opens_at": "07:00", "closes_at": "07:00"})
    assert response.status_code == 422 and 'id="error-closes_at"' in response.content.decode()
    assert not SamplingPoint.objects.exists()


def test_hq_sets_up_a_lab_and_adds_a_lab_account_as_staff(client, hq, city, lab_user):
    client.force_login(hq)
    response = client.post("/testing/labs/new/", {"code": "LAB9", "name": "新实验室", "unit": city.city.pk})
    assert response.status_code == 302
    lab = Lab.objects.get(code="LAB9")
    client.post(f"/testing/labs/{lab.pk}/staff/", {"user": lab_user.pk})
    assert LabStaff.objects.filter(lab=lab, user=lab_user).exists()
    assert lab_user.username in client.get("/testing/labs/").content.decode()


def test_officer_a_cannot_add_staff_to_a_city_lab(client, officer_a, lab, lab_user):
    client.force_login(officer_a)
    assert client.post(f"/testing/labs/{lab.pk}/staff/", {"user": lab_user.pk}).status_code == 404
    assert not LabStaff.objects.exists()


# --- uploading sampling records --------------------------------------------------------------------------------------


def test_uploading_sampling_records_lands_good_rows_and_lists_bad_ones(client, officer_a, round_a, point_a,
                                                                       residents_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fangkong.testing.models import Sample

    at = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    lines = ["tube_code,id_number,name,phone,sampled_at,point_code"]
    lines += [f"T0000030,{p.id_number},{p.name},,{at},P-A1" for p in residents_a[:2]]
    lines.append(f"T0000030,123,坏行,,{at},P-A1")
    upload = SimpleUploadedFile("samples.csv", "\n".join(lines).encode(), content_type="text/csv")
    client.force_login(officer_a)
    response = client.post(f"/testing/rounds/{round_a.pk}/import/", {"file": upload})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-created="2"' in page and 'data-rejected="1"' in page and 'data-line="4"' in page
    assert Sample.objects.filter(round=round_a).count() == 2


def test_a_lab_account_sees_no_recalled_people(client, lab_staff, round_a, positive_tube_a):
    recall = Recall.objects.get(tube=positive_tube_a)
    client.force_login(lab_staff)
    assert client.get(f"/testing/recalls/{recall.pk}/").status_code == 404
    assert client.get(f"/testing/rounds/{round_a.pk}/unsampled/").status_code == 404


def test_index_sends_samplers_and_labs_to_their_own_pages(client, sampler_a, lab_staff, round_a):
    page = _page(client, sampler_a, "/testing/")
    assert 'id="sampler-home"' in page and 'id="lab-home"' not in page and 'id="new-round"' not in page
    client.logout()
    page = _page(client, lab_staff, "/testing/")
    assert 'id="lab-home"' in page and 'id="sampler-home"' not in page


def test_a_large_sampling_file_goes_to_the_worker_with_a_progress_box(client, officer_a, round_a, point_a,
                                                                      residents_a, settings, tmp_path, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fangkong.testing.models import Sample
    from fangkong.testing.views import hq

    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(hq, "INLINE_MAX_BYTES", 10)
    at = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    body = "tube_code,id_number,name,phone,sampled_at,point_code\n" + "\n".join(
        f"T0000040,{p.id_number},{p.name},,{at},P-A1" for p in residents_a[:3])
    client.force_login(officer_a)
    response = client.post(f"/testing/rounds/{round_a.pk}/import/",
                           {"file": SimpleUploadedFile("big.csv", body.encode(), content_type="text/csv")})
    assert response.status_code == 200 and 'class="job-progress' in response.content.decode()
    assert Sample.objects.filter(round=round_a, tube__code="T0000040").count() == 3


def test_the_round_page_reads_a_bounded_number_of_queries(client, hq, round_a, point_a, residents_a, lab,
                                                          django_assert_max_num_queries):
    from .conftest import send_and_result

    for n in range(3):
        tube = fill_tube(round_a, point_a, f"T00000{50 + n}", residents_a[n * 4:n * 4 + 4])
        send_and_result(tube, lab, result="positive" if n == 0 else "negative")
    client.force_login(hq)
    with django_assert_max_num_queries(40):
        assert client.get(f"/testing/rounds/{round_a.pk}/").status_code == 200
    with django_assert_max_num_queries(25):
        assert client.get("/testing/").status_code == 200


def test_a_grid_worker_sees_the_unsampled_people_of_their_grid(client, grid_a, round_a, residents_a):
    page = _page(client, grid_a, f"/testing/rounds/{round_a.pk}/unsampled/")
    assert page.count('id="person-') == 12 and 'id="building-tasks"' not in page
