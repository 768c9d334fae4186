"""The nightly review meeting's pack (复盘会): tonight's problems by kind, yesterday's fixes, inline edits.

GET ?day=YYYY-MM-DD (default today) &unit= (a node inside the user's scope, default their scope node). Edits post
one item's fields (htmx swaps just that item; without JavaScript the page comes back). A refused edit shows the
item's errors and writes nothing.
"""

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from fangkong.command.review import selectors, services
from fangkong.command.review.forms import AddForm, ItemForm
from fangkong.core.forms import add_service_errors
from fangkong.territory.selectors import unit_breadcrumb


def _page_url(*, day: datetime.date | None = None, unit_id=None) -> str:
    params = {k: v for k, v in (("day", day.isoformat() if day else ""), ("unit", unit_id or "")) if v}
    return reverse("command:review") + (f"?{urlencode(params)}" if params else "")


def _parse_day(value: str, today: datetime.date) -> tuple[datetime.date, str]:
    if not value:
        return today, ""
    try:
        return datetime.date.fromisoformat(value), ""
    except ValueError:
        return today, _("“%(value)s” is not a date (YYYY-MM-DD); showing today.") % {"value": value[:20]}


def _page(request, node, day, *, add_form=None, failed=None, status=200):
    """The pack of `node` for `day`; `failed` is an item form with errors to show in place of that item's."""
    user = request.user
    today = timezone.localdate()
    pack = selectors.review_pack(user=user, node=node, day=day)
    for item in [i for g in pack.groups for i in g.items] + pack.carried:
        item.form = failed if failed is not None and failed.item_id == item.pk else ItemForm.for_item(item)
    return render(request, "command/review.html", {
        "pack": pack, "node": node, "day": day, "today": today,
        "prev_day": day - datetime.timedelta(days=1),
        "next_day": day + datetime.timedelta(days=1) if day < today else None,
        "trail": unit_breadcrumb(user=user, unit=node),
        "children": selectors.child_nodes(user=user, node=node),
        "owners": selectors.owner_choices(node=node),
        "add_form": add_form or AddForm(auto_id="add-%s"),
        "unit_param": node.pk if node.pk != user.scope_id else "",
    }, status=status)


@login_required
def review_page(request):
    node = selectors.review_node(user=request.user, unit_id=request.GET.get("unit"))
    day, problem = _parse_day(request.GET.get("day", ""), timezone.localdate())
    if problem:
        messages.error(request, problem)
    return _page(request, node, day)


@login_required
@require_POST
@vary_on_headers("HX-Request")
def item_update(request, item_id: int):
    item = selectors.review_item_get(user=request.user, item_id=item_id)
    form = ItemForm.for_item(item, request.POST)
    saved = False
    if form.is_valid():
        try:
            item = services.review_item_update(item=item, actor=request.user,
                                               **form.submitted_changes(request.POST))
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            saved = True
    if request.htmx:
        item = selectors.review_item_get(user=request.user, item_id=item.pk)
        item.state = selectors.item_state(item, timezone.localdate())
        item.form = ItemForm.for_item(item) if saved else form
        # 200 even when refused: htmx swaps only successful responses, and the errors belong in the item.
        return render(request, "command/review.html#item", {"item": item, "saved": saved,
                                                            "unit_param": request.POST.get("unit", "")})
    back = request.POST.get("unit") or None
    if saved:
        messages.success(request, _("Saved: %(title)s") % {"title": item.title[:60]})
        return redirect(_page_url(day=item.day, unit_id=back))
    node = selectors.review_node(user=request.user, unit_id=back)
    form.item_id = item.pk
    messages.error(request, _("Nothing was saved; see the problem marked below."))
    return _page(request, node, item.day, failed=form, status=422)


@login_required
@require_POST
def generate(request):
    node = selectors.review_node(user=request.user, unit_id=request.POST.get("unit"))
    try:
        result = services.review_pack_generate(node=node, actor=request.user)
    except PermissionDenied:
        raise Http404 from None
    except IntegrityError:
        # The nightly job (or a colleague) added the same problems at the same moment: theirs stand.
        messages.error(request, _("The pack was being generated at the same time; look again."))
    else:
        messages.success(request, ngettext("%(added)d new problem added to tonight's pack (%(found)d found).",
                                           "%(added)d new problems added to tonight's pack (%(found)d found).",
                                           result.added) % {"added": result.added, "found": result.found})
    return redirect(_page_url(unit_id=request.POST.get("unit") or None))


@login_required
@require_POST
def item_add(request):
    node = selectors.review_node(user=request.user, unit_id=request.POST.get("unit"))
    form = AddForm(request.POST, auto_id="add-%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            item = services.review_item_add(node=node, title=data["title"], kind=data["kind"], owner=data["owner"],
                                            fix=data["fix"], fix_due=data["fix_due"], actor=request.user)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Added to tonight's pack: %(title)s") % {"title": item.title[:60]})
            return redirect(_page_url(unit_id=request.POST.get("unit") or None))
    return _page(request, node, timezone.localdate(), add_form=form, status=422)
