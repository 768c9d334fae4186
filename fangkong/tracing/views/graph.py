"""The transmission graph: every cluster in the viewer's scope, or one case's cluster with its contacts
(`?case=<id>`). The page draws it with ECharts from the same JSON that graph_data serves."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import render

from fangkong.accounts.scope import require_capability_or_404
from fangkong.tracing import selectors
from fangkong.tracing.graph import graph_for


def graph_params(request):
    """The case (404 outside the viewer's scope) and whether contacts are drawn: by default only for one case."""
    case = None
    raw = request.GET.get("case", "")
    if raw:
        if not raw.isdigit():
            raise Http404
        case = selectors.case_get(user=request.user, case_id=int(raw))
    flag = request.GET.get("contacts", "")
    include_contacts = flag in ("1", "true", "yes") if flag else case is not None
    return case, include_contacts


@login_required
def graph_page(request):
    require_capability_or_404(request.user, "tracing.report")
    case, include_contacts = graph_params(request)
    data = graph_for(request.user, case=case, include_contacts=include_contacts)
    return render(request, "tracing/graph.html", {"case": case, "data": data, "include_contacts": include_contacts})


@login_required
def graph_data(request):
    require_capability_or_404(request.user, "tracing.report")
    case, include_contacts = graph_params(request)
    return JsonResponse(graph_for(request.user, case=case, include_contacts=include_contacts))
