from conftest import make_user
from fangkong.accounts.roles import Role
from fangkong.ops.models import Job
from fangkong.ops.services import run_with_retry
from tests.browser.conftest import login


def make_job(user, unit, **extra):
    values = dict(kind="import", label="Import households", started_by=user, scope_path=unit.path,
                  func_path="fangkong.ops.tests.sample_jobs.count_to", status=Job.Status.RUNNING, total=200, done=50)
    values.update(extra)
    return Job.objects.create(**values)


def test_progress_box_follows_the_job_until_it_ends(page, officer_a, city):
    job = make_job(officer_a, city.a.district)
    login(page, "officer_a")
    page.goto(f"/ops/jobs/{job.pk}/")
    page.wait_for_selector(f"#job-{job.pk}.job-running progress[value='50']")

    Job.objects.filter(pk=job.pk).update(done=120)
    page.wait_for_selector(f"#job-{job.pk} progress[value='120']")
    Job.objects.filter(pk=job.pk).update(done=200, status=Job.Status.SUCCEEDED, result={"message": "200 imported"})

    page.wait_for_selector(f"#job-{job.pk}.job-succeeded")
    assert "200 imported" in page.inner_text(f"#job-{job.pk}")


def test_cancel_button_stops_a_queued_job_on_a_phone(phone_page, officer_a, city):
    job = make_job(officer_a, city.a.district, status=Job.Status.QUEUED, done=0, total=None)
    login(phone_page, "officer_a")
    phone_page.goto(f"/ops/jobs/{job.pk}/")
    phone_page.on("dialog", lambda dialog: dialog.accept())

    phone_page.click(f"#job-{job.pk} button[type=submit]")

    phone_page.wait_for_selector(f"#job-{job.pk}.job-cancelled")
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED


def test_admin_sees_a_failed_job_with_its_error(page, city):
    make_user("admin", Role.ADMIN, city.city)
    run_with_retry(job_path="fangkong.ops.tests.sample_jobs.always_fails", max_attempts=1)
    login(page, "admin")

    page.goto("/ops/jobs/")

    row = page.locator("#failed-runs tr.failed-run").first
    assert "always_fails" in row.inner_text()
    assert "cannot reach SMS gateway" in row.inner_text()
