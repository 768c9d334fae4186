from unittest import mock

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import override_settings

from fangkong.core.checks import production_settings

SAFE = dict(PRODUCTION=True, DEBUG=False, SECRET_KEY="x" * 50, ALLOWED_HOSTS=["fk.example.org"])
UNSAFE = dict(PRODUCTION=True, DEBUG=True, SECRET_KEY=settings.DEFAULT_SECRET_KEY, ALLOWED_HOSTS=[])
SERVE = "fangkong.ops.management.commands.serve"


def test_production_settings_refuse_debug_default_secret_and_empty_hosts():
    with override_settings(**UNSAFE):
        ids = {error.id for error in production_settings(None)}

    assert ids == {"fangkong.E001", "fangkong.E002", "fangkong.E003"}


def test_safe_production_settings_pass():
    with override_settings(**SAFE):
        assert production_settings(None) == []


def finished_process():
    process = mock.Mock(pid=4242)
    process.wait.return_value = 0
    process.poll.return_value = None
    return process


@pytest.mark.django_db
def test_serve_prod_refuses_to_start_with_unsafe_settings():
    with override_settings(**UNSAFE), mock.patch(f"{SERVE}.subprocess.Popen") as popen, \
            pytest.raises(CommandError, match="fangkong.E002"):
        call_command("serve", prod=True)

    popen.assert_not_called()


@pytest.mark.django_db
def test_serve_prod_collects_static_and_runs_gunicorn_with_a_worker(tmp_path, monkeypatch):
    # The browser tests set this in the same process; production rightly refuses to start with it.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    processes = [finished_process(), finished_process()]
    with override_settings(**SAFE, STATIC_ROOT=tmp_path), \
            mock.patch(f"{SERVE}.subprocess.Popen", side_effect=processes) as popen:
        call_command("serve", prod=True, with_worker=True, addr="127.0.0.1:9000", workers=3)

    worker_cmd, gunicorn_cmd = (call.args[0] for call in popen.call_args_list)
    assert worker_cmd[-3:] == ["-m", "fangkong.cli", "worker"]
    assert gunicorn_cmd[1:4] == ["-m", "gunicorn", "fangkong.wsgi"]
    assert gunicorn_cmd[4:8] == ["--bind", "127.0.0.1:9000", "--workers", "3"]
    assert (tmp_path / "fangkong" / "app.css").exists()
    processes[0].send_signal.assert_called_once()


def test_serve_dev_with_worker_runs_runserver_without_reloader_and_stops_the_worker():
    worker = finished_process()
    with mock.patch(f"{SERVE}.subprocess.Popen", return_value=worker), \
            mock.patch(f"{SERVE}.call_command") as inner:
        call_command("serve", with_worker=True)

    inner.assert_called_once_with("runserver", "127.0.0.1:8000", use_reloader=False)
    worker.send_signal.assert_called_once()
