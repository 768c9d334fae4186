"""Readiness: may this process take traffic? The database answers, every migration is applied, a worker is alive."""


from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from fangkong.core.logging import scrub

# Once every migration is applied in this process it stays so until a deploy restarts it.
_migrations_applied = False


def check_database(alias: str = DEFAULT_DB_ALIAS) -> dict:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return {"ok": False, "error": scrub(f"{type(exc).__name__}: {exc}")[:300]}
    return {"ok": True}


def check_migrations(alias: str = DEFAULT_DB_ALIAS) -> dict:
    global _migrations_applied
    if _migrations_applied:
        return {"ok": True}
    try:
        executor = MigrationExecutor(connections[alias])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:
        return {"ok": False, "error": scrub(f"{type(exc).__name__}: {exc}")[:300]}
    if plan:
        return {"ok": False, "unapplied": [f"{m.app_label}.{m.name}" for m, _backwards in plan][:20]}
    _migrations_applied = True
    return {"ok": True}


def check_worker() -> dict:
    from fangkong.ops.models import WorkerHeartbeat

    max_age = getattr(settings, "OPS_WORKER_HEARTBEAT_MAX_AGE", 60)
    try:
        last = WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
    except Exception as exc:
        return {"ok": False, "error": scrub(f"{type(exc).__name__}: {exc}")[:300]}
    if last is None:
        return {"ok": False, "error": "no worker has reported"}
    age = (timezone.now() - last).total_seconds()
    return {"ok": age <= max_age, "last_seen_seconds": round(age, 1), "max_age_seconds": max_age}


def readiness() -> tuple[bool, dict]:
    checks = {"database": check_database()}
    if checks["database"]["ok"]:
        checks["migrations"] = check_migrations()
        checks["worker"] = check_worker()
    else:
        checks["migrations"] = {"ok": False, "error": "database unreachable"}
        checks["worker"] = {"ok": False, "error": "database unreachable"}
    return all(check["ok"] for check in checks.values()), checks


def reset_cache() -> None:
    global _migrations_applied
    _migrations_applied = False


