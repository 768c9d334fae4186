"""The periodic jobs. Jobs are named by dotted path so that a module not written yet breaks nothing:
its schedule shows "job not found" on /ops/jobs/ and is skipped until the function exists.

A job is a plain function (or a django-tasks task) taking no arguments, idempotent: it may run twice.
"""

from dataclasses import dataclass
from datetime import time

from django.conf import settings


@dataclass(frozen=True)
class ScheduleSpec:
    name: str
    job_path: str
    interval_seconds: int | None = None
    daily_at: time | None = None


def _daily_report_at() -> time:
    hour, minute = getattr(settings, "OPS_DAILY_REPORT_AT", "07:00").split(":")
    return time(int(hour), int(minute))


def _review_at() -> time:
    hour, minute = getattr(settings, "OPS_REVIEW_PACK_AT", "20:00").split(":")
    return time(int(hour), int(minute))


def _dhis2_push_at() -> time:
    hour, minute = getattr(settings, "OPS_DHIS2_PUSH_AT", "23:30").split(":")
    return time(int(hour), int(minute))


def default_schedules() -> list[ScheduleSpec]:
    return [
        ScheduleSpec("escalate-overdue", "fangkong.tasks.jobs.escalate_overdue_job", interval_seconds=300),
        ScheduleSpec("unit-tallies", "fangkong.territory.jobs.refresh_unit_tallies", interval_seconds=300),
        ScheduleSpec("dashboard-snapshot", "fangkong.command.jobs.refresh_dashboard_snapshot", interval_seconds=300),
        ScheduleSpec("daily-report", "fangkong.command.jobs.send_daily_report", daily_at=_daily_report_at()),
        ScheduleSpec("review-pack", "fangkong.command.jobs.generate_review_pack", daily_at=_review_at()),
        ScheduleSpec("risk-downgrade-proposals", "fangkong.risk.jobs.propose_downgrades_job", interval_seconds=3600),
        ScheduleSpec("protocol-reminders", "fangkong.protocols.jobs.send_protocol_reminders", interval_seconds=900),
        ScheduleSpec("testing-unsampled-sweep", "fangkong.testing.jobs.sweep_unsampled_job", interval_seconds=1800),
        ScheduleSpec("resident-missed-checkins", "fangkong.residents.jobs.sweep_missed_checkins",
                     interval_seconds=1800),
        ScheduleSpec("notify-scan-events", "fangkong.notify.jobs.scan_events", interval_seconds=60),
        ScheduleSpec("notify-send-due", "fangkong.notify.jobs.send_due", interval_seconds=60),
        ScheduleSpec("workforce-uncovered-shifts", "fangkong.workforce.jobs.flag_uncovered_shifts",
                     interval_seconds=900),
        ScheduleSpec("exports-expire", "fangkong.exports.jobs.expire_exports_job", interval_seconds=3600),
        ScheduleSpec("units-loop-checks", "fangkong.units.jobs.dispatch_loop_tasks", interval_seconds=3600),
        ScheduleSpec("units-disinfection-orders", "fangkong.units.disinfection.jobs.order_for_new_cases",
                     interval_seconds=600),
        ScheduleSpec("units-routine-disinfection", "fangkong.units.disinfection.jobs.dispatch_routine_disinfection",
                     interval_seconds=3600),
        ScheduleSpec("dhis2-push", "fangkong.interop.jobs.push_dhis2_daily", daily_at=_dhis2_push_at()),
        # The 60-second schedules alone leave ~4,500 succeeded runs and queue rows a day.
        ScheduleSpec("ops-prune-succeeded", "fangkong.ops.services.prune_succeeded", interval_seconds=3600),
    ]
