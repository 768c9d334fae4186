import logging
import re
from datetime import timedelta
from types import SimpleNamespace
from unittest import mock

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from fangkong.ops import health
from fangkong.ops.models import WorkerHeartbeat


@pytest.fixture(autouse=True)
def _fresh_migration_check():
    health.reset_cache()
    yield
    health.reset_cache()


def beat(seconds_ago: int) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.create(worker_id="w1", hostname="host", pid=1, started_at=now - timedelta(hours=1),
                                   seen_at=now - timedelta(seconds=seconds_ago))


@pytest.mark.django_db
def test_ready_when_database_migrations_and_worker_are_fine(client):
    beat(seconds_ago=5)

    response = client.get("/readyz")

    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "ok"
    assert {name: check["ok"] for name, check in data["checks"].items()} == {
        "database": True, "migrations": True, "worker": True}


@pytest.mark.django_db
def test_without_a_worker_the_web_server_stays_in_the_balancer_and_says_so(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "degraded"
    assert data["checks"]["worker"] == {"ok": False, "error": "no worker has reported"}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/readyz?worker=1", "/ops/readyz?worker=1"])
def test_monitoring_asks_for_the_worker_and_gets_503_without_one(client, path):
    response = client.get(path)

    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == {"ok": False, "error": "no worker has reported"}


@pytest.mark.django_db
def test_a_silent_worker_is_503_when_the_setting_requires_it(client):
    beat(seconds_ago=600)

    with override_settings(OPS_READYZ_REQUIRES_WORKER=True):
        response = client.get("/readyz")

    assert response.status_code == 503
    worker = response.json()["checks"]["worker"]
    assert worker["ok"] is False and worker["last_seen_seconds"] >= 600


@pytest.mark.django_db
def test_a_recent_worker_passes_the_monitoring_check(client):
    beat(seconds_ago=5)

    assert client.get("/readyz?worker=1").status_code == 200


@pytest.mark.django_db
def test_not_ready_with_unapplied_migrations(client):
    beat(seconds_ago=5)
    unapplied = [(SimpleNamespace(app_label="people", name="0009_new_field"), False)]

    with mock.patch("fangkong.ops.health.MigrationExecutor") as executor:
        executor.return_value.migration_plan.return_value = unapplied
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == {"ok": False, "unapplied": ["people.0009_new_field"]}


@pytest.mark.django_db
def test_not_ready_when_the_database_is_unreachable(client):
    with mock.patch("fangkong.ops.health.check_database", return_value={"ok": False, "error": "down"}):
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["database"]["ok"] is False


@pytest.mark.django_db
def test_a_failing_check_is_logged_once_as_a_warning_and_once_when_it_recovers(client, caplog):
    caplog.set_level(logging.INFO, logger="fangkong.ops.health")
    down = {"ok": False, "error": "connection refused"}
    with mock.patch("fangkong.ops.health.check_database", return_value=down):
        for _probe in range(5):
            assert client.get("/readyz").status_code == 503
    beat(seconds_ago=5)
    for _probe in range(3):
        assert client.get("/readyz").status_code == 200

    lines = [(record.levelname, record.getMessage()) for record in caplog.records]
    assert len(lines) == 2
    assert lines[0][0] == "WARNING" and "database: connection refused" in lines[0][1]
    assert lines[1] == ("INFO", "readiness: all checks pass again")
    assert not any(record.levelno >= logging.ERROR for record in caplog.records)


def test_healthz_answers_without_touching_the_database(client):
    # No django_db mark: any query here would fail the test.
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


PRODUCTION_HTTP = dict(ALLOWED_HOSTS=["fk.example.org"], SECURE_SSL_REDIRECT=True,
                       SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/ops/readyz"])
def test_probes_over_plain_http_by_ip_are_answered_not_redirected_or_refused(client, path):
    beat(seconds_ago=5)

    with override_settings(**PRODUCTION_HTTP):
        response = client.get(path, HTTP_HOST="10.0.3.17:8000")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.django_db
def test_other_pages_keep_the_https_redirect_and_the_host_check(client):
    with override_settings(**PRODUCTION_HTTP):
        redirected = client.get("/accounts/login/", HTTP_HOST="fk.example.org")
        refused = client.get("/accounts/login/", HTTP_HOST="10.0.3.17:8000", HTTP_X_FORWARDED_PROTO="https")

    assert redirected.status_code == 301
    assert redirected["Location"] == "https://fk.example.org/accounts/login/"
    assert refused.status_code == 400


def test_the_health_paths_are_exempt_from_the_https_redirect():
    for path in ("healthz", "readyz", "ops/readyz"):
        assert any(re.search(pattern, path) for pattern in settings.SECURE_REDIRECT_EXEMPT), path
    assert not any(re.search(pattern, "people/") for pattern in settings.SECURE_REDIRECT_EXEMPT)
