"""The press figures (新闻发布会): the day's numbers for the user's node in the wording a spokesperson reads,
ready to copy, and the same as a table."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils import timezone

from fangkong.accounts.scope import require_capability_or_404
from fangkong.command.reports.press import press_figures
from fangkong.command.reports.services import clean_report_day
from fangkong.territory.selectors import unit_get


@login_required
def press_page(request, **kwargs):
    require_capability_or_404(request.user, "command.view")
    unit_id = request.GET.get("unit", "")
    unit = unit_get(user=request.user, unit_id=int(unit_id) if unit_id.isdigit() else request.user.scope_id)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    day, status = yesterday, 200
    if request.GET.get("day"):
        try:
            day = clean_report_day(request.GET["day"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            status = 422
    figures = press_figures(user=request.user, unit=unit, day=day)
    return render(request, "command/press.html", {"figures": figures, "unit": unit, "day": day},
                  status=status)
