"""How fast cases are traced: per day of the positive result, the hours to each step against the protocol's
deadlines, and the cases with a step past its deadline."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from fangkong.accounts.scope import require_capability_or_404
from fangkong.tracing import selectors, services
from fangkong.tracing.kpis import node_indicators
from fangkong.tracing.reports import STEPS, case_timeliness, step_deadlines, timeliness_by_day

DAY_CHOICES = (7, 14, 30)
LATE_SHOWN = 200


@login_required
def timeliness_page(request):
    require_capability_or_404(request.user, "tracing.report")
    try:
        days = int(request.GET.get("days", 14))
    except ValueError:
        days = 14
    days = days if days in DAY_CHOICES else 14
    rules = services.active_rules()
    deadlines = step_deadlines(rules)
    now = timezone.now()
    late = list(selectors.case_list(user=request.user, state="late")[:LATE_SHOWN])
    for case in late:
        case.steps = case_timeliness(case, rules, now=now)
    kpi_snapshot, indicators = node_indicators(user=request.user, unit=request.user.scope)
    return render(request, "tracing/timeliness.html", {
        "kpi_snapshot": kpi_snapshot, "indicators": indicators,
        "rows": timeliness_by_day(request.user, days=days, rules=rules, now=now),
        "steps": STEPS, "step_deadlines": [(step, deadlines[step.key]) for step in STEPS],
        "colspan": 2 + 5 * len(STEPS), "days": days, "day_choices": DAY_CHOICES,
        "late": late, "late_capped": len(late) >= LATE_SHOWN,
    })
