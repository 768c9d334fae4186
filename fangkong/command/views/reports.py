"""The daily reports (日报): the list of a user's jurisdiction's reports, a request for one more (made in the
background), and the downloads, each recorded in the access log as an export."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fangkong.accounts.scope import get_visible_or_404, require_capability_or_404
from fangkong.command.models import DailyReport
from fangkong.command.reports.jobs import JOB_KIND, report_start
from fangkong.command.reports.services import clean_report_day
from fangkong.core.forms import add_service_errors
from fangkong.territory.models import Level, Unit
from fangkong.territory.selectors import unit_get

PAGE_SIZE = 50
# Jobs shown above the list: the user's running ones, and those that ended in the last few minutes.
RECENT_JOBS = datetime.timedelta(minutes=15)
CONTENT_TYPES = {"pdf": "application/pdf",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


class ReportForm(forms.Form):
    unit = forms.IntegerField(label=gettext_lazy("Node"), widget=forms.Select)
    day = forms.CharField(label=gettext_lazy("Day"), max_length=10, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].widget.choices = [(u.pk, u.name) for u in units]

    def clean_day(self):
        try:
            return clean_report_day(self.cleaned_data["day"])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["day"]) from exc


def _node_choices(user) -> list[Unit]:
    """The user's node and the nodes down to the street below it (a grid's report is on the dashboard)."""
    scope = unit_get(user=user, unit_id=user.scope_id)
    deepest = max(scope.level + 1, Level.STREET)
    return [scope] + list(Unit.objects.visible_to(user).filter(level__gt=scope.level, level__lte=deepest)
                          .order_by("path"))


def _recent_jobs(user):
    from django.db.models import Q

    from fangkong.ops.models import Job

    since = timezone.now() - RECENT_JOBS
    return list(Job.objects.visible_to(user).filter(kind=JOB_KIND, started_by=user)
                .filter(Q(finished_at__isnull=True) | Q(finished_at__gte=since)).order_by("-pk")[:5])


def _list_page(request, *, form=None, status: int = 200):
    user = request.user
    reports = (DailyReport.objects.visible_to(user, "report").select_related("unit", "created_by")
               .defer("pdf", "xlsx").order_by("-pk"))
    before = request.GET.get("before", "")
    if before.isdigit():
        reports = reports.filter(pk__lt=int(before))
    page = list(reports[:PAGE_SIZE + 1])
    units = _node_choices(user)
    form = form or ReportForm(units=units, initial={"unit": user.scope_id, "day": timezone.localdate().isoformat()})
    return render(request, "command/report_list.html", {
        "reports": page[:PAGE_SIZE], "next_before": page[PAGE_SIZE - 1].pk if len(page) > PAGE_SIZE else None,
        "form": form, "jobs": _recent_jobs(user),
    }, status=status)


@login_required
def report_list(request, **kwargs):
    require_capability_or_404(request.user, "command.report")
    return _list_page(request)


@login_required
@require_POST
def report_new(request, **kwargs):
    require_capability_or_404(request.user, "command.report")
    form = ReportForm(request.POST, units=_node_choices(request.user))
    if not form.is_valid():
        return _list_page(request, form=form, status=422)
    # A node outside the user's jurisdiction looks like a missing one.
    unit = unit_get(user=request.user, unit_id=form.cleaned_data["unit"])
    try:
        report_start(unit=unit, day=form.cleaned_data["day"], actor=request.user)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _list_page(request, form=form, status=422)
    messages.success(request, _("The report of %(node)s for %(day)s is being made; it appears in the list when "
                                "it is ready.") % {"node": unit.name, "day": form.cleaned_data["day"].isoformat()})
    return redirect("command:report_list")


def _download(request, report_id: int, fmt: str):
    from fangkong.accounts.services import access_log_record

    require_capability_or_404(request.user, "command.report")
    report = get_visible_or_404(DailyReport.objects.select_related("unit"), user=request.user, action="report",
                                pk=report_id)
    content = bytes(report.pdf if fmt == "pdf" else report.xlsx)
    with transaction.atomic():
        access_log_record(actor=request.user, kind="export", obj=report, fields=["daily_report", fmt],
                          reason=_("Daily report download (%(format)s)") % {"format": fmt.upper()},
                          ip=request.META.get("REMOTE_ADDR") or None)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    disposition = "inline" if fmt == "pdf" else "attachment"
    response["Content-Disposition"] = (f'{disposition}; filename="daily-report-{report.unit.code}-'
                                       f'{report.day:%Y%m%d}-{report.pk}.{fmt}"')
    return response


@login_required
def report_pdf(request, report_id: int):
    return _download(request, report_id, "pdf")


@login_required
def report_xlsx(request, report_id: int):
    return _download(request, report_id, "xlsx")
