"""Readiness: may this process take traffic? The database answers and every migration is applied.

The worker's heartbeat is reported too, but a silent worker makes /readyz a 503 only when asked for
(`/readyz?worker=1`, or FANGKONG_READYZ_REQUIRES_WORKER=1): every web server shares the one queue, so a dead
worker taking them all out of the balancer would turn a background problem into an outage.
"""

import logging

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.utils import timezone

from fangkong.core.logging import scrub

logger = logging.getLogger("fangkong.ops.health")
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


def readiness(*, require_worker: bool = False) -> tuple[bool, dict]:
    checks = {"database": check_database()}
    if checks["database"]["ok"]:
        checks["migrations"] = check_migrations()
        checks["worker"] = check_worker()
    else:
        checks["migrations"] = {"ok": False, "error": "database unreachable"}
        checks["worker"] = {"ok": False, "error": "database unreachable"}
    required = ("database", "migrations", "worker") if require_worker else ("database", "migrations")
    return all(checks[name]["ok"] for name in required), checks


def readyz_response(request) -> JsonResponse:
    require_worker = settings.OPS_READYZ_REQUIRES_WORKER or request.GET.get("worker", "") in ("1", "true", "yes")
    ok, checks = readiness(require_worker=require_worker)
    if not ok:
        status = "unavailable"
    elif not checks["worker"]["ok"]:
        status = "degraded"
    else:
        status = "ok"
    _log_state_change(status, checks)
    response = JsonResponse({"status": status, "checks": checks}, status=200 if ok else 503)
    # Django logs every 5xx as an ERROR ("Service Unavailable"); a balancer probing every 2 s would fill the log
    # with them. _log_state_change has said it once.
    response._has_been_logged = True
    return response


# The last state this process reported: a balancer probes every few seconds, so one line per change, not per probe.
_last_state = "ok"


def _log_state_change(status: str, checks: dict) -> None:
    global _last_state
    state = "ok" if status == "ok" else ",".join(name for name, check in checks.items() if not check["ok"])
    if state == _last_state:
        return
    _last_state = state
    if state == "ok":
        logger.info("readiness: all checks pass again")
    else:
        logger.warning("readiness: failing checks: %s (%s)", state,
                       "; ".join(f"{name}: {check.get('error') or check}" for name, check in checks.items()
                                 if not check["ok"]))


def reset_cache() -> None:
    global _migrations_applied, _last_state
    _migrations_applied = False
    _last_state = "ok"


