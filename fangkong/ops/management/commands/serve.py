"""`fangkong serve`: the web server — Django's runserver for development, gunicorn with --prod.

With --with-worker it also runs `fangkong worker` as a child process and stops it on exit.
"""

import json
import os
import signal
import subprocess
import sys

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core import checks
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from fangkong.core.logging import GUNICORN_ACCESS_FORMAT

NOT_PRODUCTION = (
    "Refusing to start: `serve --prod` needs the production settings. Set, in the environment "
    "(e.g. /etc/fangkong/env):\n"
    "  FANGKONG_PRODUCTION=1\n"
    "  FANGKONG_SECRET_KEY=<40+ random characters: python3 -c \"import secrets; print(secrets.token_urlsafe(50))\">\n"
    "  FANGKONG_ALLOWED_HOSTS=<the server's host names, comma-separated>\n"
    "and leave FANGKONG_DEBUG unset. For a look around without them, run `fangkong serve` (no --prod)."
)


def web_workers() -> int:
    """FANGKONG_WEB_WORKERS, else gunicorn's rule of thumb 2 × CPUs + 1, capped: each holds a database connection."""
    configured = os.environ.get("FANGKONG_WEB_WORKERS", "").strip()
    if configured:
        return max(1, int(configured))
    return min(2 * (os.cpu_count() or 1) + 1, 12)


def fangkong_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "fangkong.cli", *args]


def static_is_current() -> bool:
    """True when collectstatic's manifest lists every source file and is newer than each of them.

    Hashing and compressing every file takes most of a minute; a restart with nothing changed needs none of it.
    """
    manifest_name = getattr(staticfiles_storage, "manifest_name", None)
    if not manifest_name or not staticfiles_storage.exists(manifest_name):
        return False
    manifest = staticfiles_storage.path(manifest_name)
    try:
        with open(manifest, encoding="utf-8") as handle:
            collected = json.load(handle).get("paths", {})
    except (OSError, ValueError):
        return False
    written = os.path.getmtime(manifest)
    for finder in get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            prefix = getattr(storage, "prefix", None)
            name = f"{prefix}/{path}" if prefix else path
            if name.replace(os.sep, "/") not in collected or os.path.getmtime(storage.path(path)) > written:
                return False
    return True


def stop_process(process: subprocess.Popen | None, timeout: float = 30) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Command(BaseCommand):
    help = "Run the web server (runserver; gunicorn with --prod), optionally with a background worker."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--prod", action="store_true", help="gunicorn after checks and collectstatic.")
        parser.add_argument("--no-collectstatic", action="store_false", dest="collectstatic",
                            help="With --prod: do not run collectstatic (run it at deploy time instead).")
        parser.add_argument("--with-worker", action="store_true", dest="with_worker",
                            help="Also run `fangkong worker` and stop it on exit.")
        parser.add_argument("--addr", default="127.0.0.1:8000", help="host:port to listen on (default: %(default)s)")
        parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: FANGKONG_WEB_WORKERS "
                            "or 2 × CPUs + 1)")

    def handle(self, *args, prod=False, with_worker=False, addr="127.0.0.1:8000", workers=None, collectstatic=True,
               **options):
        if prod:
            self.refuse_unsafe_start()
            self.prepare_static(collectstatic)
        worker = None
        previous = signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
        try:
            if with_worker:
                worker = subprocess.Popen(fangkong_command("worker"))
                self.stdout.write(f"worker started (pid {worker.pid})")
            if prod:
                self.run_gunicorn(addr, workers or web_workers())
            else:
                call_command("runserver", addr, use_reloader=not with_worker)
        except KeyboardInterrupt:
            pass
        finally:
            stop_process(worker)
            signal.signal(signal.SIGTERM, previous)

    def refuse_unsafe_start(self) -> None:
        if not settings.PRODUCTION:
            raise CommandError(NOT_PRODUCTION)
        errors = [message for message in checks.run_checks(include_deployment_checks=True)
                  if message.is_serious() and not message.is_silenced()]
        if errors:
            raise CommandError("Refusing to start in production:\n" + "\n".join(f"  {e.id}: {e.msg}" for e in errors))
        connection = connections[DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError("Refusing to start: migrations are not applied. Run `fangkong migrate` first.")

    def prepare_static(self, collectstatic: bool) -> None:
        if static_is_current():
            self.stdout.write("Static files are up to date; collectstatic skipped.")
        elif collectstatic:
            self.stdout.write("Collecting static files (run `fangkong collectstatic` at deploy time to skip this)…")
            call_command("collectstatic", interactive=False, verbosity=0)
        elif getattr(staticfiles_storage, "manifest_name", None):
            raise CommandError("Refusing to start: the static files are not collected or out of date. "
                               "Run `fangkong collectstatic --noinput` first.")

    def run_gunicorn(self, addr: str, workers: int) -> None:
        command = [
            sys.executable, "-m", "gunicorn", "fangkong.wsgi",
            "--bind", addr, "--workers", str(workers),
            "--timeout", "120", "--graceful-timeout", "30",
            # Recycling workers now and then bounds slow memory growth.
            "--max-requests", "2000", "--max-requests-jitter", "200",
            # The access log names no query string (a search for a phone number) and masks IDs in paths.
            "--access-logfile", "-", "--access-logformat", GUNICORN_ACCESS_FORMAT,
            "--logger-class", "fangkong.core.logging.GunicornLogger",
            "--forwarded-allow-ips", os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        ]
        server = subprocess.Popen(command)
        try:
            code = server.wait()
        finally:
            stop_process(server)
        if code:
            raise CommandError(f"gunicorn exited with status {code}")


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt
