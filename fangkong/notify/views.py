"""The HQ's page of outgoing messages: delivery figures by kind and by child node, then the message list."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from fangkong.accounts.scope import require_capability_or_404
from fangkong.core.masking import mask_phone
from fangkong.core.pagination import page_from_request
from fangkong.notify import selectors
from fangkong.notify.message_kinds import all_message_kinds, message_kind_label
from fangkong.notify.models import Message
from fangkong.territory.selectors import unit_breadcrumb, unit_get, unit_scope_root


def _root(request):
    node = request.GET.get("node", "")
    return unit_get(user=request.user, unit_id=int(node)) if node.isdigit() else unit_scope_root(user=request.user)


def _days(request) -> int:
    value = request.GET.get("days", "")
    return int(value) if value.isdigit() and int(value) in selectors.PERIODS else 7


@login_required
def index(request):
    require_capability_or_404(request.user, "notify.view")
    root = _root(request)
    days = _days(request)
    kind = request.GET.get("kind", "") if request.GET.get("kind", "") in {k.code for k in all_message_kinds()} else ""
    status = request.GET.get("status", "") if request.GET.get("status", "") in Message.Status.values else ""
    page = page_from_request(selectors.message_list(user=request.user, root=root, kind=kind, status=status),
                             request)
    rows = [{"message": m, "phone": mask_phone(m.phone), "kind_label": message_kind_label(m.kind)}
            for m in page.items]
    data = selectors.figures(user=request.user, root=root, days=days)
    columns = [(code, Message.Status(code).label) for code in selectors.COLUMNS]
    return render(request, "notify/index.html", {
        "root": root, "breadcrumb": unit_breadcrumb(user=request.user, unit=root),
        "figures": data, "days": days, "periods": selectors.PERIODS, "columns": columns,
        "totals": [(code, label, data.totals[code]) for code, label in columns], "page": page, "rows": rows,
        "kinds": all_message_kinds(), "statuses": Message.Status.choices, "kind": kind, "status": status})
