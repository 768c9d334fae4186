import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from fangkong.ops.models import JobRun
from fangkong.ops.services import run_with_retry
from fangkong.ops.tests import sample_jobs

SAMPLE = "fangkong.ops.tests.sample_jobs"


@pytest.mark.django_db
def test_failing_job_is_retried_then_marked_failed_with_its_error():
    run = run_with_retry(job_path=f"{SAMPLE}.always_fails", max_attempts=3)

    assert run.status == JobRun.Status.FAILED
    assert run.attempts == 3
    assert run.last_error == "ValueError: cannot reach SMS gateway for 138********"
    assert "13812345678" not in run.traceback
    assert run.finished_at is not None


@pytest.mark.django_db
def test_flaky_job_succeeds_on_a_later_attempt():
    sample_jobs.calls["flaky"] = 0

    run = run_with_retry(job_path=f"{SAMPLE}.flaky", max_attempts=3)

    assert run.status == JobRun.Status.SUCCEEDED
    assert run.attempts == 3


@pytest.mark.django_db
def test_unknown_job_fails_at_once():
    run = run_with_retry(job_path="fangkong.nowhere.jobs.x", max_attempts=3)

    assert run.status == JobRun.Status.FAILED
    assert run.attempts == 1
    assert "Job not found" in run.last_error


@pytest.mark.django_db
@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}, OPS_RETRY_BASE_SECONDS=30)
def test_on_the_database_queue_a_retry_waits_for_its_backoff():
    from django_tasks_db.models import DBTaskResult

    from fangkong.ops.jobs import run_job_run

    run = run_with_retry(job_path=f"{SAMPLE}.always_fails", max_attempts=3)
    first = DBTaskResult.objects.get()
    run_job_run.call(run.pk)

    run.refresh_from_db()
    retry = DBTaskResult.objects.exclude(pk=first.pk).get()
    assert run.status == JobRun.Status.RETRYING
    assert run.attempts == 1
    assert retry.run_after >= timezone.now() + timezone.timedelta(seconds=25)


def test_failed_jobs_page_shows_the_error_to_admins(admin_client):
    run_with_retry(job_path=f"{SAMPLE}.always_fails", max_attempts=2)

    page = admin_client.get(reverse("ops:job_list"))

    assert page.status_code == 200
    body = page.content.decode()
    assert f"{SAMPLE}.always_fails" in body
    assert "ValueError: cannot reach SMS gateway" in body
    assert "2/2" in body


@pytest.mark.parametrize("persona", ["hq", "officer_a", "grid_worker_a"])
def test_only_admins_see_the_failed_jobs_page(client, persona, request):
    client.force_login(request.getfixturevalue(persona))
    run_with_retry(job_path=f"{SAMPLE}.always_fails", max_attempts=1)

    page = client.get(reverse("ops:job_list"))

    assert page.status_code == 403
    assert "SMS gateway" not in page.content.decode()


@pytest.mark.django_db
def test_anonymous_cannot_see_the_failed_jobs_page(client):
    response = client.get(reverse("ops:job_list"))

    assert response.status_code == 302
