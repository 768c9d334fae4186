"""The on-call page /ops/jobs/: retry a failed run or job now, turn schedules on and off, run one now."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from fangkong.audit.models import AuditEntry
from fangkong.ops.models import Job, JobRun, Schedule
from fangkong.ops.services import run_with_retry, schedule_sync, start_job
from fangkong.ops.tests import sample_jobs

SAMPLE = "fangkong.ops.tests.sample_jobs"


@pytest.fixture(autouse=True)
def _english(settings):
    # The page's new strings get their Chinese in the project catalogue; the tests read the msgids.
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _gateway_down():
    sample_jobs.outage["down"] = True
    yield
    sample_jobs.outage["down"] = True


@pytest.fixture
def failed_run(db):
    run = run_with_retry(job_path=f"{SAMPLE}.needs_gateway", max_attempts=2)
    assert run.status == JobRun.Status.FAILED
    return run


@pytest.fixture
def failed_job(officer_a, city):
    job = start_job(kind="import", label="Import lab results", actor=officer_a,
                    func_path=f"{SAMPLE}.import_needing_gateway", kwargs={"n": 4}, unit=city.a.district)
    assert job.status == Job.Status.FAILED
    return job


@pytest.fixture
def schedules(db):
    schedule_sync()
    return Schedule.objects.get(name="ops-prune-succeeded")


def test_failed_run_has_a_retry_button_that_runs_it_again_with_its_arguments(admin_client, admin_user,
                                                                             failed_run):
    page = admin_client.get(reverse("ops:job_list")).content.decode()
    assert reverse("ops:jobrun_retry", kwargs={"run_id": failed_run.pk}) in page
    assert "Retry now" in page
    sample_jobs.outage["down"] = False

    response = admin_client.post(reverse("ops:jobrun_retry", kwargs={"run_id": failed_run.pk}), follow=True)

    failed_run.refresh_from_db()
    assert failed_run.status == JobRun.Status.SUCCEEDED
    assert failed_run.attempts == 1
    assert f"{SAMPLE}.needs_gateway" in response.content.decode()
    entry = AuditEntry.objects.get(action="retry")
    assert entry.actor == admin_user and entry.object_id == failed_run.pk
    assert "ConnectionError: SMS gateway unreachable" in str(entry.changes)


def test_a_retry_that_fails_again_gets_a_full_set_of_attempts_and_stays_failed(admin_client, failed_run):
    admin_client.post(reverse("ops:jobrun_retry", kwargs={"run_id": failed_run.pk}))

    failed_run.refresh_from_db()
    assert failed_run.status == JobRun.Status.FAILED
    assert failed_run.attempts == 2


def test_retrying_a_run_that_is_no_longer_failed_says_so_and_enqueues_nothing(admin_client, failed_run):
    sample_jobs.outage["down"] = False
    admin_client.post(reverse("ops:jobrun_retry", kwargs={"run_id": failed_run.pk}))

    response = admin_client.post(reverse("ops:jobrun_retry", kwargs={"run_id": failed_run.pk}), follow=True)

    assert "Only a failed run can be retried" in response.content.decode()
    failed_run.refresh_from_db()
    assert failed_run.attempts == 1
    assert AuditEntry.objects.filter(action="retry").count() == 1


def test_failed_user_job_is_run_again_with_the_same_arguments_and_its_page_shows_it(admin_client, admin_user,
                                                                                  failed_job, officer_a):
    page = admin_client.get(reverse("ops:job_list")).content.decode()
    assert reverse("ops:job_retry", kwargs={"job_id": failed_job.pk}) in page
    sample_jobs.outage["down"] = False

    admin_client.post(reverse("ops:job_retry", kwargs={"job_id": failed_job.pk}))

    failed_job.refresh_from_db()
    assert failed_job.status == Job.Status.SUCCEEDED
    assert (failed_job.done, failed_job.total, failed_job.error) == (4, 4, "")
    assert failed_job.result == {"message": "imported 4"}
    assert failed_job.started_by == officer_a
    entry = AuditEntry.objects.get(action="retry")
    assert entry.actor == admin_user and entry.unit_path == failed_job.scope_path
    assert "ConnectionError: lab feed unreachable" in str(entry.changes)


def test_schedule_is_turned_off_and_on_from_the_page(admin_client, admin_user, schedules):
    url = reverse("ops:schedule_toggle", kwargs={"schedule_id": schedules.pk})
    assert url in admin_client.get(reverse("ops:job_list")).content.decode()

    response = admin_client.post(url, {"enabled": "0"}, follow=True)

    schedules.refresh_from_db()
    assert not schedules.enabled
    assert "The schedule ops-prune-succeeded is off." in response.content.decode()
    assert "Turn on" in response.content.decode()
    admin_client.post(url, {"enabled": "1"})
    schedules.refresh_from_db()
    assert schedules.enabled
    schedule_type = ContentType.objects.get_for_model(Schedule)
    assert list(AuditEntry.objects.filter(content_type=schedule_type, object_id=schedules.pk).order_by("pk")
                .values_list("action", flat=True)) == ["disable", "enable"]


def test_a_schedule_no_longer_in_the_code_cannot_be_turned_on(admin_client, db):
    gone = Schedule.objects.create(name="old-sweep", job_path=f"{SAMPLE}.counted", interval_seconds=60,
                                   next_run_at=timezone.now(), enabled=False)

    response = admin_client.post(reverse("ops:schedule_toggle", kwargs={"schedule_id": gone.pk}),
                                 {"enabled": "1"}, follow=True)

    gone.refresh_from_db()
    assert not gone.enabled
    assert "is no longer defined" in response.content.decode()


def test_run_now_runs_the_schedules_job_once_and_keeps_its_timetable(admin_client, admin_user, db):
    sample_jobs.calls["counted"] = 0
    due = timezone.now() + timedelta(hours=3)
    schedule = Schedule.objects.create(name="count", job_path=f"{SAMPLE}.counted", interval_seconds=3600,
                                       next_run_at=due)

    admin_client.post(reverse("ops:schedule_run_now", kwargs={"schedule_id": schedule.pk}))

    assert sample_jobs.calls["counted"] == 1
    run = JobRun.objects.get(schedule=schedule)
    assert run.status == JobRun.Status.SUCCEEDED
    schedule.refresh_from_db()
    assert schedule.next_run_at == due
    assert AuditEntry.objects.filter(action="run", object_id=schedule.pk, actor=admin_user).exists()


def test_run_now_of_a_job_that_does_not_exist_says_so(admin_client, db):
    schedule = Schedule.objects.create(name="later", job_path="fangkong.nowhere.jobs.x", interval_seconds=60,
                                       next_run_at=timezone.now())

    response = admin_client.post(reverse("ops:schedule_run_now", kwargs={"schedule_id": schedule.pk}),
                                 follow=True)

    assert "fangkong.nowhere.jobs.x" in response.content.decode()
    assert not JobRun.objects.exists()


def test_non_admins_cannot_retry_or_touch_schedules_and_nothing_changes(client, officer_a, hq, failed_run,
                                                                        failed_job, schedules):
    sample_jobs.outage["down"] = False
    for user in (officer_a, hq):
        client.force_login(user)
        posts = [
            (reverse("ops:jobrun_retry", kwargs={"run_id": failed_run.pk}), {}),
            (reverse("ops:job_retry", kwargs={"job_id": failed_job.pk}), {}),
            (reverse("ops:schedule_toggle", kwargs={"schedule_id": schedules.pk}), {"enabled": "0"}),
            (reverse("ops:schedule_run_now", kwargs={"schedule_id": schedules.pk}), {}),
        ]
        for url, data in posts:
            assert client.post(url, data).status_code == 404, url
        assert client.get(reverse("ops:job_list")).status_code == 403

    failed_run.refresh_from_db()
    failed_job.refresh_from_db()
    schedules.refresh_from_db()
    assert failed_run.status == JobRun.Status.FAILED and failed_job.status == Job.Status.FAILED
    assert schedules.enabled
    assert JobRun.objects.count() == 1
    assert not AuditEntry.objects.filter(action__in=["retry", "enable", "disable", "run"]).exists()


def test_retry_and_schedule_actions_need_a_post(admin_client, failed_run, schedules):
    assert admin_client.get(reverse("ops:jobrun_retry", kwargs={"run_id": failed_run.pk})).status_code == 405
    assert admin_client.get(reverse("ops:schedule_run_now", kwargs={"schedule_id": schedules.pk})).status_code == 405
