"""`fangkong jobs list|watch|cancel` and the hint `import people --background` prints."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from fangkong.ops.management.commands import jobs as jobs_command
from fangkong.ops.models import Job
from fangkong.ops.services import start_job

SAMPLE = "fangkong.ops.tests.sample_jobs"


def _call(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("jobs", *args, stdout=out, stderr=err)
    return out.getvalue()


def _job(**extra):
    values = dict(kind="people_import", label="Import people.csv", func_path=f"{SAMPLE}.count_to",
                  status=Job.Status.RUNNING, total=1000, done=0)
    values.update(extra)
    return Job.objects.create(**values)


@pytest.mark.django_db
def test_list_shows_recent_jobs_with_status_progress_and_error():
    running = _job(done=250)
    failed = _job(label="Import lab.csv", status=Job.Status.FAILED, error="ValueError: bad header")

    printed = _call("list").splitlines()

    assert printed[1].split()[:3] == [str(failed.pk), "failed", "0/1000"]
    assert "Import lab.csv" in printed[1] and "ValueError: bad header" in printed[1]
    assert printed[2].split()[:4] == [str(running.pk), "running", "250/1000", "(25%)"]
    assert "Import people.csv" in printed[2]
    assert [line.split()[0] for line in _call("list", "--status", "running").splitlines()[1:]] == [str(running.pk)]


@pytest.mark.django_db
def test_list_without_jobs_says_so():
    assert _call("list").strip() == "No jobs."


@pytest.mark.django_db
def test_watch_follows_a_running_job_until_it_succeeds(monkeypatch):
    job = _job()
    steps = iter([(400, Job.Status.RUNNING), (1000, Job.Status.SUCCEEDED)])
    seen = []

    def worker_meanwhile(seconds):
        # What the worker writes between two looks of `watch`.
        done, status = next(steps)
        Job.objects.filter(pk=job.pk).update(done=done, status=status, result={"message": "1000 persons imported."})

    real_call = jobs_command.TqdmProgress.__call__

    def record(bar, done, total=None):
        seen.append((done, total))
        real_call(bar, done, total)

    monkeypatch.setattr(jobs_command.time, "sleep", worker_meanwhile)
    monkeypatch.setattr(jobs_command.TqdmProgress, "__call__", record)

    printed = _call("watch", str(job.pk), "--interval", "0")

    assert seen == [(0, 1000), (400, 1000), (1000, 1000)]
    assert f"job {job.pk} succeeded: 1000 persons imported." in printed


@pytest.mark.django_db
def test_watch_of_a_failed_job_exits_non_zero_with_its_error():
    job = start_job(kind="import", label="Import lab results", actor=None, func_path=f"{SAMPLE}.broken")
    assert job.status == Job.Status.FAILED

    with pytest.raises(CommandError, match="failed: RuntimeError: the lab feed") as raised:
        _call("watch", str(job.pk))

    assert raised.value.returncode == 1


@pytest.mark.django_db
def test_watch_of_a_cancelled_job_exits_non_zero():
    job = _job(status=Job.Status.CANCELLED)

    with pytest.raises(CommandError, match="cancelled"):
        _call("watch", str(job.pk))


@pytest.mark.django_db
def test_cancel_stops_a_queued_job_at_once_and_a_running_one_at_its_next_step():
    queued = _job(status=Job.Status.QUEUED)
    running = _job()

    assert _call("cancel", str(queued.pk)).strip() == f"job {queued.pk} cancelled."
    assert "stops at its next step" in _call("cancel", str(running.pk))

    queued.refresh_from_db()
    running.refresh_from_db()
    assert queued.status == Job.Status.CANCELLED and queued.finished_at is not None
    assert running.status == Job.Status.RUNNING and running.cancel_requested


@pytest.mark.django_db
def test_cancel_of_a_finished_job_is_refused_and_changes_nothing():
    done = _job(status=Job.Status.SUCCEEDED, done=1000)

    with pytest.raises(CommandError, match="already ended"):
        _call("cancel", str(done.pk))

    done.refresh_from_db()
    assert done.status == Job.Status.SUCCEEDED and not done.cancel_requested


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["watch", "cancel"])
def test_unknown_job_id_is_a_clear_message_with_exit_status_2(action):
    with pytest.raises(CommandError, match="No job 4242") as raised:
        _call(action, "4242")

    assert raised.value.returncode == 2


@pytest.mark.django_db
def test_background_import_prints_how_to_follow_and_cancel_the_job(tmp_path):
    people = tmp_path / "people.csv"
    people.write_text("name,id_number,building_code,door\n", encoding="utf-8")
    out = io.StringIO()

    call_command("import", "people", str(people), "--background", stdout=out)

    job = Job.objects.get()
    assert out.getvalue().splitlines() == [
        f"queued job {job.pk}",
        f"follow it with `fangkong jobs watch {job.pk}`, stop it with `fangkong jobs cancel {job.pk}`",
    ]
