"""Accountability (问责), the figures, and the scoped photo view."""

import datetime

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_date

from fangkong.accounts.scope import require_capability_or_404
from fangkong.supervision import selectors
from fangkong.supervision.models import SiteType
from fangkong.territory.selectors import unit_get, unit_scope_root


def _period(request) -> tuple[datetime.date, datetime.date]:
    today = timezone.localdate()
    until = parse_date(request.GET.get("until", "") or "") or today
    since = parse_date(request.GET.get("since", "") or "") or until - datetime.timedelta(days=29)
    return min(since, until), until


@login_required
def accountability(request):
    require_capability_or_404(request.user, "supervision.report")
    since, until = _period(request)
    sort = request.GET.get("sort", "serious")
    rows = selectors.accountability(user=request.user, since=since, until=until, sort=sort)
    return render(request, "supervision/accountability.html", {
        "rows": rows, "since": since, "until": until, "sort": sort, "sorts": selectors.ACCOUNTABILITY_SORTS})


@login_required
def figures(request):
    require_capability_or_404(request.user, "supervision.report")
    node = request.GET.get("node", "")
    root = unit_get(user=request.user, unit_id=int(node)) if node.isdigit() else unit_scope_root(user=request.user)
    data = selectors.figures(user=request.user, root=root)
    type_rows = [(SiteType(code).label, [counts.get(day, 0) for day in data.days], sum(counts.values()))
                 for code, counts in data.by_type.items()]
    node_rows = [(unit, [counts.get(day, 0) for day in data.days], sum(counts.values()))
                 for unit, counts in data.by_node]
    return render(request, "supervision/figures.html", {
        "root": root, "figures": data, "type_rows": type_rows, "node_rows": node_rows})


@login_required
def photo(request, photo_id: int):
    require_capability_or_404(request.user, "supervision.view")
    found = selectors.photo_get(user=request.user, photo_id=photo_id)
    try:
        handle = found.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response
