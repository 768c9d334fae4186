import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from fangkong.ops.models import Job
from fangkong.ops.progress import TqdmProgress
from fangkong.ops.services import start_job

SAMPLE = "fangkong.ops.tests.sample_jobs"


def make_job(user, unit, **extra):
    values = dict(kind="import", label="Import households", started_by=user, scope_path=unit.path,
                  func_path=f"{SAMPLE}.count_to", status=Job.Status.RUNNING, total=200, done=50)
    values.update(extra)
    return Job.objects.create(**values)


def test_start_job_runs_with_progress_and_keeps_the_result(officer_a):
    job = start_job(kind="import", label="Import households", actor=officer_a, func_path=f"{SAMPLE}.count_to",
                    kwargs={"n": 5})

    assert job.status == Job.Status.SUCCEEDED
    assert (job.done, job.total) == (5, 5)
    assert job.result == {"message": "counted to 5", "url": "/done/"}
    assert job.scope_path == officer_a.scope.path
    assert job.started_by == officer_a


def test_unknown_job_function_is_refused_and_nothing_is_written(officer_a):
    with pytest.raises(ValidationError, match="fangkong.nowhere.jobs.run"):
        start_job(kind="import", label="x", actor=officer_a, func_path="fangkong.nowhere.jobs.run")

    assert not Job.objects.exists()


def test_failing_job_shows_its_error_without_personal_data(client, officer_a):
    job = start_job(kind="import", label="Import lab results", actor=officer_a, func_path=f"{SAMPLE}.broken")
    client.force_login(officer_a)

    response = client.get(reverse("ops:job_detail", kwargs={"job_id": job.pk}))

    assert job.status == Job.Status.FAILED
    assert "RuntimeError: the lab feed" in response.content.decode()
    assert "110101199003077777" not in job.error


def test_cancel_requested_while_running_stops_the_job(officer_a):
    job = start_job(kind="import", label="Import", actor=officer_a, func_path=f"{SAMPLE}.cancelled_midway",
                    kwargs={"n": 10})

    assert job.status == Job.Status.CANCELLED
    assert job.done == 3
    assert job.result is None


def test_progress_page_polls_every_two_seconds_while_running(client, officer_a, city):
    job = make_job(officer_a, city.a.district)
    client.force_login(officer_a)
    url = reverse("ops:job_detail", kwargs={"job_id": job.pk})

    page = client.get(url)
    poll = client.get(url, headers={"HX-Request": "true"})

    assert page.status_code == 200
    assert 'hx-trigger="every 2s"' in page.content.decode()
    assert poll.status_code == 200
    body = poll.content.decode()
    assert "<html" not in body
    assert 'hx-trigger="every 2s"' in body
    assert '<progress value="50" max="200">' in body


def test_progress_poll_stops_with_286_when_the_job_ended(client, officer_a, city):
    job = make_job(officer_a, city.a.district, status=Job.Status.SUCCEEDED, done=200,
                   result={"message": "200 households imported"})
    client.force_login(officer_a)

    poll = client.get(reverse("ops:job_detail", kwargs={"job_id": job.pk}), headers={"HX-Request": "true"})

    assert poll.status_code == 286
    body = poll.content.decode()
    assert "200 households imported" in body
    assert "hx-trigger" not in body


def test_cancel_button_cancels_a_queued_job(client, officer_a, city):
    job = make_job(officer_a, city.a.district, status=Job.Status.QUEUED, done=0)
    client.force_login(officer_a)
    url = reverse("ops:job_detail", kwargs={"job_id": job.pk})
    assert "Cancel" in client.get(url).content.decode() or "取消" in client.get(url).content.decode()

    response = client.post(reverse("ops:job_cancel", kwargs={"job_id": job.pk}), headers={"HX-Request": "true"})

    job.refresh_from_db()
    assert response.status_code == 200
    assert job.status == Job.Status.CANCELLED


def test_cancel_of_a_running_job_is_requested(client, officer_a, city):
    job = make_job(officer_a, city.a.district)
    client.force_login(officer_a)

    client.post(reverse("ops:job_cancel", kwargs={"job_id": job.pk}))

    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING
    assert job.cancel_requested


def test_user_does_not_see_another_districts_job(client, officer_a, officer_b, city):
    job = make_job(officer_a, city.a.district)
    client.force_login(officer_b)

    detail = client.get(reverse("ops:job_detail", kwargs={"job_id": job.pk}))
    cancel = client.post(reverse("ops:job_cancel", kwargs={"job_id": job.pk}))

    job.refresh_from_db()
    assert detail.status_code == 404
    assert cancel.status_code == 404
    assert not job.cancel_requested


def test_grid_worker_does_not_see_a_district_job_but_sees_their_own(client, officer_a, grid_worker_a, city):
    district_job = make_job(officer_a, city.a.district)
    own_job = make_job(grid_worker_a, city.a.district)
    client.force_login(grid_worker_a)

    assert client.get(reverse("ops:job_detail", kwargs={"job_id": district_job.pk})).status_code == 404
    assert client.get(reverse("ops:job_detail", kwargs={"job_id": own_job.pk})).status_code == 200


def test_headquarters_sees_a_district_job_but_cannot_cancel_it(client, officer_a, hq, city):
    job = make_job(officer_a, city.a.district)
    client.force_login(hq)

    detail = client.get(reverse("ops:job_detail", kwargs={"job_id": job.pk}))
    cancel = client.post(reverse("ops:job_cancel", kwargs={"job_id": job.pk}))

    job.refresh_from_db()
    assert detail.status_code == 200
    assert "Cancel" not in detail.content.decode() and "取消" not in detail.content.decode()
    assert cancel.status_code == 404
    assert not job.cancel_requested


def test_anonymous_is_sent_to_login(client, officer_a, city):
    job = make_job(officer_a, city.a.district)

    response = client.get(reverse("ops:job_detail", kwargs={"job_id": job.pk}))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_job_progress_tag_renders_for_other_modules(rf, officer_a, city):
    from django.template import Context, Template

    job = make_job(officer_a, city.a.district)
    request = rf.get("/")
    request.user = officer_a

    html = Template("{% load ops %}{% job_progress job %}").render(Context({"job": job, "request": request}))

    assert f'id="job-{job.pk}"' in html
    assert 'hx-trigger="every 2s"' in html


def test_cli_progress_bar_counts_to_the_total():
    out = io.StringIO()
    with TqdmProgress("Import", file=out) as progress:
        for i in range(1, 4):
            progress(i, 3)

    assert "3/3" in out.getvalue()
