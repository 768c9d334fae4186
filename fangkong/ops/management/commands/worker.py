"""`fangkong worker`: runs queued jobs (django-tasks-db) and the scheduler, until SIGTERM or Ctrl+C."""

import logging
import os
import signal
import socket
import sys
import threading
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Worker

from fangkong.ops import jobs
from fangkong.ops.services import heartbeat_beat, heartbeat_prune, jobs_recover, schedule_sync, scheduler_step

logger = logging.getLogger("fangkong.ops.worker")


class SchedulerLoop:
    """Heartbeat every `heartbeat_every` seconds; enqueue due schedules every `tick` seconds."""

    def __init__(self, *, stop: threading.Event, worker_id: str, scheduler: bool, tick: float = 1.0,
                 heartbeat_every: float = 10.0):
        self.stop = stop
        self.worker_id = worker_id
        self.scheduler = scheduler
        self.tick = tick
        self.heartbeat_every = heartbeat_every
        self.started_at = timezone.now()

    def step(self, last_beat: float) -> float:
        if time.monotonic() - last_beat >= self.heartbeat_every:
            heartbeat_beat(worker_id=self.worker_id, started_at=self.started_at)
            last_beat = time.monotonic()
            jobs_recover(me=self.worker_id)
        if self.scheduler:
            while not self.stop.is_set() and scheduler_step():
                pass
        return last_beat

    def run(self) -> None:
        last_beat = float("-inf")
        try:
            while not self.stop.is_set():
                try:
                    close_old_connections()
                    last_beat = self.step(last_beat)
                except Exception:
                    # The database may be away for a while (restart, failover): log and keep going.
                    logger.exception("scheduler step failed")
                self.stop.wait(self.tick)
        finally:
            connection.close()


class Command(BaseCommand):
    help = "Run background jobs and the periodic scheduler until stopped (SIGTERM or Ctrl+C)."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1.0,
                            help="Seconds between queue polls when idle (default: 1).")
        parser.add_argument("--queue-name", default="*", help="Queues to run, comma-separated; '*' for all.")
        parser.add_argument("--no-scheduler", action="store_false", dest="scheduler",
                            help="Run queued jobs only; another worker runs the scheduler.")
        parser.add_argument("--heartbeat", type=float, default=10.0,
                            help="Seconds between heartbeats that /readyz checks (default: 10).")
        parser.add_argument("--worker-id", default="", help="Unique id of this worker (default: host-pid-random).")

    def handle(self, *args, interval, queue_name, scheduler, heartbeat, worker_id, **options):
        worker_id = (worker_id or f"{socket.gethostname()}-{os.getpid()}-{get_random_string(6)}")[:64]
        jobs.current_worker_id = worker_id
        heartbeat_prune()
        if scheduler:
            schedule_sync()
        stop = threading.Event()
        loop = SchedulerLoop(stop=stop, worker_id=worker_id, scheduler=scheduler, heartbeat_every=heartbeat)
        backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
        worker = None
        if isinstance(backend, DatabaseBackend):
            worker = Worker(queue_names=queue_name.split(","), interval=interval, batch=False,
                            backend_name=DEFAULT_TASK_BACKEND_ALIAS, startup_delay=True, max_tasks=None,
                            worker_id=worker_id, excluded_queue_names=[])

        def on_signal(signum, frame):
            if stop.is_set():
                logger.warning("%s again: stopping the running job now", signal.strsignal(signum))
                sys.exit(1)
            logger.info("%s: finishing the current job, then stopping", signal.strsignal(signum))
            stop.set()
            if worker is not None:
                worker.running = False

        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, on_signal)

        logger.info("worker %s started (scheduler %s, queue %s)", worker_id, "on" if scheduler else "off",
                    "database" if worker else "none: tasks run where they are enqueued")
        if worker is None:
            loop.run()
        else:
            thread = threading.Thread(target=loop.run, name="fangkong-scheduler", daemon=True)
            thread.start()
            try:
                worker.run()
            finally:
                stop.set()
                thread.join(timeout=30)
        logger.info("worker %s stopped", worker_id)
