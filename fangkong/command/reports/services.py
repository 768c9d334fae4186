"""Writing a daily report: its figures read from the latest snapshot, rendered once as a PDF and a workbook, and
stored with the snapshot's time, so that a download later shows what the report said when it was made."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from fangkong.accounts.scope import ensure_unit_in_scope
from fangkong.command.models import DailyReport
from fangkong.command.reports.context import NoSnapshot, report_context
from fangkong.territory.models import Unit


def clean_report_day(value, *, today: datetime.date | None = None) -> datetime.date:
    """A report day: a date (or "YYYY-MM-DD"), not after today."""
    today = today or timezone.localdate()
    day = value
    if isinstance(value, str):
        try:
            day = parse_date(value.strip())
        except ValueError:
            day = None
    if not isinstance(day, datetime.date):
        raise ValidationError({"day": _("Enter the day as YYYY-MM-DD.")})
    if day > today:
        raise ValidationError({"day": _("A report cannot be made for a day that has not come yet.")})
    return day


def report_create(*, unit: Unit, day: datetime.date, actor=None) -> DailyReport:
    """The report of `unit` for `day`, from the latest snapshot. actor=None is the schedule."""
    from fangkong.command.reports.pdf import report_pdf
    from fangkong.command.reports.xlsx import report_xlsx

    ensure_unit_in_scope(actor, unit, app_label="command", action="report")
    day = clean_report_day(day)
    # The report is a document of the command system: written in the site's language, whoever asks for it.
    with translation.override(settings.LANGUAGE_CODE):
        try:
            context = report_context(unit=unit, day=day)
        except NoSnapshot as exc:
            raise ValidationError(_("There are no figures for %(node)s yet: the dashboard snapshot has not been "
                                    "taken. Try again in a few minutes.") % {"node": unit.name}) from exc
        pdf, xlsx = report_pdf(context), report_xlsx(context)
    return DailyReport.objects.create(
        unit=unit, day=day, snapshot_taken_at=context.snapshot.taken_at, pdf=pdf, xlsx=xlsx,
        created_by=actor if actor is not None and actor.is_authenticated else None)
