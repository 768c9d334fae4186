"""Progress callbacks: a long function takes `progress(done, total=None)` and calls it as it goes.

In a background job the callback is a JobProgress that writes to the Job row the page polls and
raises JobCancelled once someone pressed Cancel; from a management command it is a tqdm bar.
The function stays the same in both places.
"""

import time
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from tqdm import tqdm


class JobCancelled(Exception):
    """Raised by a progress callback when the user asked to stop; the job ends as "cancelled"."""


class Progress(Protocol):
    def __call__(self, done: int, total: int | None = None) -> None: ...


class JobProgress:
    """Writes progress to a Job row at most every `min_interval` seconds, and checks for cancellation then.

    Writes go through the job's own connection: a job that works inside one big transaction shows
    its progress only at the end, so long jobs commit per batch.
    """

    def __init__(self, job_id: int, *, min_interval: float | None = None):
        self.job_id = job_id
        if min_interval is None:
            min_interval = getattr(settings, "OPS_PROGRESS_MIN_INTERVAL", 0.5)
        self.min_interval = min_interval
        self._last_write = float("-inf")
        self.done = 0
        self.total: int | None = None

    def __call__(self, done: int, total: int | None = None) -> None:
        from fangkong.ops.models import Job

        self.done = done
        if total is not None:
            self.total = total
        now = time.monotonic()
        finished = self.total is not None and done >= self.total
        if now - self._last_write < self.min_interval and not finished:
            return
        self._last_write = now
        fields = {"done": done, "updated_at": timezone.now()}
        if total is not None:
            fields["total"] = total
        Job.objects.filter(pk=self.job_id).update(**fields)
        if Job.objects.filter(pk=self.job_id, cancel_requested=True).exists():
            raise JobCancelled


class TqdmProgress:
    """A progress bar on the terminal, for management commands: `with TqdmProgress("Import") as progress:`."""

    def __init__(self, label: str = "", *, disable: bool | None = False, file=None):
        self.bar = tqdm(desc=label, total=None, unit="", dynamic_ncols=True, disable=disable, file=file)

    def __call__(self, done: int, total: int | None = None) -> None:
        if total is not None and total != self.bar.total:
            self.bar.total = total
            self.bar.refresh()
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        self.bar.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def no_progress(done: int, total: int | None = None) -> None:
    return None
