"""`fangkong jobs list|watch ID|cancel ID`: follow and stop background jobs from the shell.

`watch` draws the same progress bar an import run inline draws, from the numbers the worker writes to the
job's row, and exits non-zero when the job failed or was cancelled. `cancel` is the page's Cancel button.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fangkong.ops.models import Job
from fangkong.ops.progress import TqdmProgress
from fangkong.ops.services import job_cancel

UNKNOWN_JOB = 2


def _get(job_id: int) -> Job:
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        raise CommandError(f"No job {job_id}. `fangkong jobs list` shows the recent ones.", returncode=UNKNOWN_JOB)
    return job


def _progress_text(job: Job) -> str:
    if job.total:
        return f"{job.done}/{job.total} ({job.percent}%)"
    return str(job.done) if job.done else "-"


class Command(BaseCommand):
    help = "List, follow (with a progress bar) or cancel background jobs such as `import people --background`."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{list,watch,cancel}")
        listing = actions.add_parser("list", help="Recent jobs with their status and progress.")
        listing.add_argument("--status", choices=Job.Status.values, help="Only jobs with this status.")
        listing.add_argument("--limit", type=int, default=20, help="How many jobs, newest first (default: 20).")
        watch = actions.add_parser("watch", help="Follow a job's progress until it ends; non-zero if it failed.")
        watch.add_argument("job_id", type=int)
        watch.add_argument("--interval", type=float, default=1.0, help="Seconds between looks (default: 1).")
        watch.add_argument("--no-progress", action="store_true", help="No bar, only the outcome (for logs).")
        cancel = actions.add_parser("cancel", help="Stop a job: at once if queued, at its next step if running.")
        cancel.add_argument("job_id", type=int)

    def handle(self, *args, action, **options):
        if action == "list":
            return self._list(options["status"], options["limit"])
        if action == "watch":
            return self._watch(options["job_id"], options["interval"], options["no_progress"])
        return self._cancel(options["job_id"])

    def _list(self, status: str | None, limit: int) -> None:
        jobs = Job.objects.order_by("-pk")
        if status:
            jobs = jobs.filter(status=status)
        rows = list(jobs[:max(limit, 1)])
        if not rows:
            self.stdout.write("No jobs.")
            return
        self.stdout.write(f"{'id':>6}  {'status':<10} {'progress':<20} {'created':<16}  job")
        for job in rows:
            created = timezone.localtime(job.created_at).strftime("%Y-%m-%d %H:%M")
            line = f"{job.pk:>6}  {job.status:<10} {_progress_text(job):<20} {created:<16}  {job.label}"
            if job.status == Job.Status.FAILED and job.error:
                line += f"  ({job.error[:120]})"
            self.stdout.write(line)

    def _watch(self, job_id: int, interval: float, no_progress: bool) -> None:
        job = _get(job_id)
        with TqdmProgress(job.label, disable=True if no_progress else None) as bar:
            try:
                while True:
                    bar(job.done, job.total)
                    if job.is_finished:
                        break
                    time.sleep(interval)
                    job.refresh_from_db()
            except KeyboardInterrupt:
                self.stderr.write(f"\nStopped watching; job {job_id} goes on. `fangkong jobs cancel {job_id}` "
                                  "stops it.")
                return
        if job.status == Job.Status.SUCCEEDED:
            message = (job.result or {}).get("message") if isinstance(job.result, dict) else None
            self.stdout.write(self.style.SUCCESS(f"job {job_id} succeeded" + (f": {message}" if message else "")))
            return
        if job.status == Job.Status.CANCELLED:
            raise CommandError(f"job {job_id} was cancelled.")
        raise CommandError(f"job {job_id} failed: {job.error or 'no error recorded'}")

    def _cancel(self, job_id: int) -> None:
        job = _get(job_id)
        if job.is_finished:
            raise CommandError(f"job {job_id} has already ended ({job.status}); nothing to cancel.")
        job = job_cancel(job=job, actor=None)
        if job.status == Job.Status.CANCELLED:
            self.stdout.write(f"job {job_id} cancelled.")
        else:
            self.stdout.write(f"job {job_id} stops at its next step; `fangkong jobs watch {job_id}` shows when.")
