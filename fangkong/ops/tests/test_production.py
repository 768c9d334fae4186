import os
from unittest import mock

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import override_settings

from fangkong.core.checks import production_settings

SAFE = dict(PRODUCTION=True, DEBUG=False, SECRET_KEY="x" * 50, ALLOWED_HOSTS=["fk.example.org"])
UNSAFE = dict(PRODUCTION=True, DEBUG=True, SECRET_KEY=settings.DEFAULT_SECRET_KEY, ALLOWED_HOSTS=[])
SERVE = "fangkong.ops.management.commands.serve"
MANIFEST_STORAGE = {"default": settings.STORAGES["default"],
                    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}


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


@pytest.mark.django_db
def test_serve_prod_refuses_to_start_without_the_production_settings_and_says_what_to_set():
    # Each value safe on its own, but FANGKONG_PRODUCTION is not set: cookies would go out over plain HTTP.
    with override_settings(**{**SAFE, "PRODUCTION": False}), mock.patch(f"{SERVE}.subprocess.Popen") as popen, \
            mock.patch(f"{SERVE}.call_command") as inner, pytest.raises(CommandError) as refused:
        call_command("serve", prod=True)

    message = str(refused.value)
    assert "FANGKONG_PRODUCTION=1" in message
    assert "FANGKONG_SECRET_KEY" in message and "FANGKONG_ALLOWED_HOSTS" in message
    popen.assert_not_called()
    inner.assert_not_called()


@pytest.mark.django_db
@pytest.mark.parametrize(("unsafe", "error_id"), [
    ({"DEBUG": True}, "fangkong.E001"),
    ({"SECRET_KEY": settings.DEFAULT_SECRET_KEY}, "fangkong.E002"),
    ({"SECRET_KEY": "short-key"}, "fangkong.E002"),
    ({"ALLOWED_HOSTS": []}, "fangkong.E003"),
])
def test_serve_prod_refuses_each_unsafe_production_setting(unsafe, error_id):
    with override_settings(**{**SAFE, **unsafe}), mock.patch(f"{SERVE}.subprocess.Popen") as popen, \
            pytest.raises(CommandError, match=error_id):
        call_command("serve", prod=True)

    popen.assert_not_called()


@pytest.mark.django_db
def test_serve_prod_skips_collectstatic_when_the_manifest_is_current(tmp_path, monkeypatch):
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    with override_settings(**SAFE, STATIC_ROOT=tmp_path, STORAGES=MANIFEST_STORAGE):
        with mock.patch(f"{SERVE}.subprocess.Popen", return_value=finished_process()):
            call_command("serve", prod=True)
        manifest = tmp_path / "staticfiles.json"
        assert manifest.exists()

        with mock.patch(f"{SERVE}.subprocess.Popen", return_value=finished_process()) as popen, \
                mock.patch(f"{SERVE}.call_command") as inner:
            call_command("serve", prod=True)
        inner.assert_not_called()
        popen.assert_called_once()

        # A source file newer than the manifest (a deploy brought new CSS): collected again.
        os.utime(manifest, (0, 0))
        with mock.patch(f"{SERVE}.subprocess.Popen", return_value=finished_process()), \
                mock.patch(f"{SERVE}.call_command") as inner:
            call_command("serve", prod=True)
        inner.assert_called_once_with("collectstatic", interactive=False, verbosity=0)


@pytest.mark.django_db
def test_serve_prod_no_collectstatic_refuses_when_nothing_was_collected(tmp_path, monkeypatch):
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    with override_settings(**SAFE, STATIC_ROOT=tmp_path, STORAGES=MANIFEST_STORAGE), \
            mock.patch(f"{SERVE}.subprocess.Popen") as popen, pytest.raises(CommandError, match="collectstatic"):
        call_command("serve", prod=True, collectstatic=False)

    popen.assert_not_called()
    assert not (tmp_path / "staticfiles.json").exists()


@pytest.mark.django_db
def test_gunicorn_access_log_carries_no_query_string(tmp_path, monkeypatch):
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    with override_settings(**SAFE, STATIC_ROOT=tmp_path), \
            mock.patch(f"{SERVE}.subprocess.Popen", return_value=finished_process()) as popen:
        call_command("serve", prod=True)

    command = popen.call_args.args[0]
    access_format = command[command.index("--access-logformat") + 1]
    assert "%(q)s" not in access_format and "%(f)s" not in access_format
    assert command[command.index("--logger-class") + 1] == "fangkong.core.logging.GunicornLogger"


def test_serve_dev_with_worker_runs_runserver_without_reloader_and_stops_the_worker():
    worker = finished_process()
    with mock.patch(f"{SERVE}.subprocess.Popen", return_value=worker), \
            mock.patch(f"{SERVE}.call_command") as inner:
        call_command("serve", with_worker=True)

    inner.assert_called_once_with("runserver", "127.0.0.1:8000", use_reloader=False)
    worker.send_signal.assert_called_once()
