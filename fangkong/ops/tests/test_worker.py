import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from fangkong.ops.management.commands.worker import SchedulerLoop
from fangkong.ops.models import JobRun, Schedule, WorkerHeartbeat


@pytest.mark.django_db
def test_one_loop_step_beats_and_enqueues_what_is_due():
    Schedule.objects.create(name="count", job_path="fangkong.ops.tests.sample_jobs.counted", interval_seconds=60,
                            next_run_at=timezone.now() - timedelta(seconds=1))
    loop = SchedulerLoop(stop=threading.Event(), worker_id="w-test", scheduler=True)

    loop.step(last_beat=float("-inf"))

    assert WorkerHeartbeat.objects.get().worker_id == "w-test"
    assert JobRun.objects.get().status == JobRun.Status.SUCCEEDED


def _wait_for(predicate, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def _heartbeats(path):
    try:
        with sqlite3.connect(path) as db:
            return db.execute("SELECT COUNT(*) FROM ops_workerheartbeat").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_worker_process_beats_and_stops_cleanly_on_sigterm(tmp_path):
    db_path = tmp_path / "worker.sqlite3"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DJANGO_SETTINGS_MODULE="fangkong.settings", FANGKONG_SQLITE_PATH=str(db_path),
               FANGKONG_DATA_DIR=str(tmp_path), FANGKONG_DEBUG="0", FANGKONG_LOG_LEVEL="WARNING")
    fangkong = [sys.executable, "-m", "fangkong.cli"]
    subprocess.run([*fangkong, "migrate", "--verbosity=0"], env=env, check=True, cwd=settings.PROJECT_DIR)

    worker = subprocess.Popen([*fangkong, "worker", "--heartbeat=1"], env=env, cwd=settings.PROJECT_DIR,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        reported = _wait_for(lambda: _heartbeats(db_path) > 0 or worker.poll() is not None, seconds=300)
        assert reported and worker.poll() is None, worker.communicate(timeout=5)[0] if worker.poll() else "silent"
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()

    assert worker.returncode == 0, output
    with sqlite3.connect(db_path) as db:
        names = {row[0] for row in db.execute("SELECT name FROM ops_schedule")}
    assert "escalate-overdue" in names
