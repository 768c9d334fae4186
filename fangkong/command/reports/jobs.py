"""The daily report in the background: the city's, every morning on the schedule, and any node's on demand
through the ops job queue (its progress on the job page, the report on the list when done)."""

import datetime

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.command.models import DailyReport
from fangkong.command.reports.services import clean_report_day, report_create
from fangkong.territory.models import Level, Unit

JOB_KIND = "command_report"


class ReportNotMade(Exception):
    pass


def send_daily_report() -> int | None:
    """The city's report of yesterday, 0–24 时, made in the morning (OPS_DAILY_REPORT_AT) as a district office
    reads it. Idempotent: when the schedule already made that report (a retried or doubled run), nothing new is
    made; a report requested by hand does not count. Returns the report's id."""
    city = Unit.objects.filter(parent__isnull=True, level=Level.CITY).order_by("pk").first()
    if city is None:
        return None
    day = timezone.localdate() - datetime.timedelta(days=1)
    existing = DailyReport.objects.filter(unit=city, day=day, created_by__isnull=True).order_by("-pk").first()
    if existing is not None:
        return existing.pk
    return report_create(unit=city, day=day).pk


def report_start(*, unit: Unit, day, actor):
    """Queues the report of `unit` for `day`; a bad day is refused here, before anything is queued."""
    from fangkong.ops.services import start_job

    day = clean_report_day(day)
    return start_job(kind=JOB_KIND, actor=actor, unit=unit,
                     label=_("Daily report of %(node)s for %(day)s") % {"node": unit.name, "day": day.isoformat()},
                     func_path="fangkong.command.reports.jobs.report_job",
                     kwargs={"unit_id": unit.pk, "day": day.isoformat(),
                             "actor_id": actor.pk if actor is not None else None})


def report_job(*, progress, unit_id: int, day: str, actor_id: int | None = None) -> dict:
    from fangkong.accounts.models import User

    progress(0, 1)
    unit = Unit.objects.get(pk=unit_id)
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    try:
        report = report_create(unit=unit, day=datetime.date.fromisoformat(day), actor=actor)
    except ValidationError as exc:
        # The job page shows the refusal (no snapshot yet) as the job's error, in the words the service used.
        raise ReportNotMade(" ".join(exc.messages)) from exc
    progress(1, 1)
    return {"report_id": report.pk, "url": reverse("command:report_list"),
            "message": _("The report of %(node)s for %(day)s is ready.") % {"node": unit.name, "day": day}}
