from datetime import timedelta
from types import SimpleNamespace
from unittest import mock

import pytest
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

    response = client.get("/ops/readyz")

    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "ok"
    assert {name: check["ok"] for name, check in data["checks"].items()} == {
        "database": True, "migrations": True, "worker": True}


@pytest.mark.django_db
def test_not_ready_without_a_worker(client):
    response = client.get("/ops/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == {"ok": False, "error": "no worker has reported"}


@pytest.mark.django_db
def test_not_ready_when_the_worker_went_silent(client):
    beat(seconds_ago=600)

    response = client.get("/ops/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["worker"]["ok"] is False


@pytest.mark.django_db
def test_not_ready_with_unapplied_migrations(client):
    beat(seconds_ago=5)
    unapplied = [(SimpleNamespace(app_label="people", name="0009_new_field"), False)]

    with mock.patch("fangkong.ops.health.MigrationExecutor") as executor:
        executor.return_value.migration_plan.return_value = unapplied
        response = client.get("/ops/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == {"ok": False, "unapplied": ["people.0009_new_field"]}


@pytest.mark.django_db
def test_not_ready_when_the_database_is_unreachable(client):
    with mock.patch("fangkong.ops.health.check_database", return_value={"ok": False, "error": "down"}):
        response = client.get("/ops/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["database"]["ok"] is False
