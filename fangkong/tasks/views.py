from datetime import datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from fangkong.accounts.roles import has_capability
from fangkong.audit.selectors import audit_for_object
from fangkong.people.models import Household
from fangkong.tasks import selectors, services
from fangkong.tasks.forms import BacklogFilterForm, DispatchForm, NoteForm, ReassignForm, TimelinessForm
from fangkong.tasks.kinds import find_kind, get_kind
from fangkong.tasks.models import Task
from fangkong.territory.models import Level, Unit


def _error_text(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    text = str(exc)
    return text if text and text != "outside your jurisdiction" else _("This is outside your jurisdiction.")


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _back_to_task(request, task):
    url = reverse("tasks:task", args=[task.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _report_unit(request, capability: str = "tasks.report") -> Unit:
    if not has_capability(request.user, capability) or request.user.scope_id is None:
        raise Http404
    unit_id = request.GET.get("unit") or request.POST.get("unit")
    try:
        unit_id = int(unit_id) if unit_id else request.user.scope_id
    except ValueError as exc:
        raise Http404 from exc
    return selectors.unit_get(user=request.user, unit_id=unit_id, capability=capability)


def _trail(user, unit: Unit) -> list[Unit]:
    return list(Unit.objects.visible_to(user, "view").filter(pk__in=unit.ancestor_ids).order_by("depth"))


# --- inbox and detail -----------------------------------------------------------------------------


@login_required
@vary_on_headers("HX-Request")
def inbox(request):
    after = request.GET.get("after")
    page = selectors.due_keyset_page(selectors.inbox(user=request.user), after=after)
    context = {"page": page, "closed": [] if after else selectors.inbox_recently_closed(user=request.user)}
    template = "tasks/inbox.html#cards" if request.htmx and after else "tasks/inbox.html"
    return render(request, template, context)


def _completion_form(task, kind, data=None):
    return kind.get_form_class()(data, task=task, kind=kind, prefix="complete")


def _detail_context(request, task, **forms):
    kind = find_kind(task.kind)
    may_act = selectors.may_act_on(user=request.user, task=task)
    may_dispatch = selectors.may_act_on(user=request.user, task=task, dispatch_only=True)
    context = {
        "task": task, "kind": kind, "may_act": may_act and task.is_open, "may_dispatch": may_dispatch and task.is_open,
        "history": audit_for_object(user=request.user, obj=task),
        "outcome_members": selectors.outcome_members(task=task, user=request.user),
    }
    if task.is_open and may_act and kind is not None:
        context["complete_form"] = forms.get("complete_form") or _completion_form(task, kind)
        context["fail_form"] = forms.get("fail_form") or NoteForm(prefix="fail")
    if task.is_open and may_dispatch:
        context["cancel_form"] = forms.get("cancel_form") or NoteForm(prefix="cancel")
        context["reassign_form"] = forms.get("reassign_form") or ReassignForm(prefix="reassign")
    return context


@login_required
def task_detail(request, task_id: int):
    task = selectors.task_get(user=request.user, task_id=task_id)
    return render(request, "tasks/task_detail.html", _detail_context(request, task))


@login_required
@require_POST
def task_accept(request, task_id: int):
    task = selectors.task_get(user=request.user, task_id=task_id)
    try:
        task = services.task_accept(task=task, actor=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _error_text(exc))
        if request.htmx:
            return HttpResponseClientRedirect(request.headers.get("HX-Current-URL") or reverse("tasks:inbox"))
        return _back_to_task(request, task)
    if request.htmx and request.POST.get("from") == "inbox":
        task = selectors.task_get(user=request.user, task_id=task.pk)
        return render(request, "tasks/inbox.html#card", {"task": task})
    messages.success(request, _("Task accepted."))
    return _back_to_task(request, task)


@login_required
@require_POST
def task_complete(request, task_id: int):
    task = selectors.task_get(user=request.user, task_id=task_id)
    kind = get_kind(task.kind)
    form = _completion_form(task, kind, request.POST)
    if form.is_valid():
        try:
            services.task_complete(task=task, actor=request.user, **form.completion())
        except ValidationError as exc:
            _apply_errors(form, exc)
        except PermissionDenied as exc:
            messages.error(request, _error_text(exc))
            return _back_to_task(request, task)
        else:
            messages.success(request, _("Task completed."))
            return _back_to_task(request, task)
    return render(request, "tasks/task_detail.html", _detail_context(request, task, complete_form=form), status=422)


def _note_action(request, task_id: int, *, service, prefix: str, done_message: str):
    task = selectors.task_get(user=request.user, task_id=task_id)
    form = NoteForm(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            service(task=task, note=form.cleaned_data["note"], actor=request.user)
        except ValidationError as exc:
            _apply_errors(form, exc)
        except PermissionDenied as exc:
            messages.error(request, _error_text(exc))
            return _back_to_task(request, task)
        else:
            messages.success(request, done_message)
            return _back_to_task(request, task)
    return render(request, "tasks/task_detail.html",
                  _detail_context(request, task, **{f"{prefix}_form": form}), status=422)


@login_required
@require_POST
def task_fail(request, task_id: int):
    return _note_action(request, task_id, service=services.task_fail, prefix="fail",
                        done_message=_("Task marked as failed."))


@login_required
@require_POST
def task_cancel(request, task_id: int):
    return _note_action(request, task_id, service=services.task_cancel, prefix="cancel",
                        done_message=_("Task cancelled."))


@login_required
@require_POST
def task_reassign(request, task_id: int):
    task = selectors.task_get(user=request.user, task_id=task_id)
    form = ReassignForm(request.POST, prefix="reassign")
    if form.is_valid():
        owner = get_user_model().objects.filter(username=form.cleaned_data["username"].strip(),
                                                is_active=True).first()
        try:
            if owner is None:
                raise ValidationError({"username": _("No such user.")})
            services.task_reassign(task=task, owner=owner, note=form.cleaned_data["note"], actor=request.user)
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "owner" in exc.error_dict:
                exc = ValidationError({"username": exc.error_dict["owner"]})
            _apply_errors(form, exc)
        except PermissionDenied as exc:
            messages.error(request, _error_text(exc))
            return _back_to_task(request, task)
        else:
            messages.success(request, _("Task reassigned."))
            return _back_to_task(request, task)
    return render(request, "tasks/task_detail.html", _detail_context(request, task, reassign_form=form), status=422)


# --- backlog, timeliness, dispatch ----------------------------------------------------------------


@login_required
@vary_on_headers("HX-Request")
def backlog(request):
    unit = _report_unit(request)
    form = BacklogFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    page = selectors.backlog_page(user=request.user, unit=unit, filters=filters, after=request.GET.get("after"))
    if request.htmx:
        return render(request, "tasks/backlog.html#results", {"page": page, "unit": unit})
    children = selectors.children_page(user=request.user, unit=unit, after=request.GET.get("children_after"))
    context = {
        "unit": unit, "form": form, "page": page, "trail": _trail(request.user, unit), "children": children,
        "counts": selectors.overdue_counts_by_child(user=request.user, unit=unit, children=children.items),
        "may_dispatch": has_capability(request.user, "tasks.dispatch"),
        "query": _query_without(request, "after"),
    }
    return render(request, "tasks/backlog.html", context)


def _query_without(request, *names) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@login_required
def timeliness(request):
    unit = _report_unit(request)
    today = timezone.localdate()
    form = TimelinessForm(request.GET if {"since", "until", "kind"} & set(request.GET) else None,
                          initial={"since": today - timedelta(days=6), "until": today})
    since_day, until_day, kind_code = today - timedelta(days=6), today, ""
    if form.is_bound and form.is_valid():
        since_day = form.cleaned_data["since"] or since_day
        until_day = form.cleaned_data["until"] or until_day
        kind_code = form.cleaned_data["kind"] or ""
    overall, rows = selectors.timeliness(user=request.user, unit=unit, since=_day_start(since_day),
                                         until=_day_start(until_day + timedelta(days=1)), kind=kind_code or None)
    context = {
        "unit": unit, "form": form, "overall": overall, "rows": rows, "trail": _trail(request.user, unit),
        "kind": find_kind(kind_code) if kind_code else None, "since": since_day, "until": until_day,
        "query": _query_without(request, "unit"),
    }
    return render(request, "tasks/timeliness.html", context)


@login_required
def dispatch(request):
    unit = _report_unit(request, capability="tasks.dispatch")
    context = {"unit": unit, "trail": _trail(request.user, unit), "is_building": unit.level == Level.BUILDING}
    if not context["is_building"]:
        context["children"] = selectors.children_page(user=request.user, unit=unit, after=request.GET.get("after"))
        return render(request, "tasks/dispatch.html", context)
    households = list(Household.objects.visible_to(request.user, "view").filter(unit=unit)
                      .select_related("unit").order_by("number", "pk"))
    form = DispatchForm(request.POST or None, households=households,
                        initial={"households": [str(h.pk) for h in households]})
    if request.method == "POST" and form.is_valid():
        try:
            tasks, created = services.household_visits_dispatch(
                households=form.chosen_households(), due_at=form.cleaned_data["due_at"],
                detail=form.cleaned_data["detail"], actor=request.user,
                priority=Task.Priority.URGENT if form.cleaned_data["urgent"] else Task.Priority.NORMAL,
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("%(created)d household visits dispatched; %(existing)d already existed.")
                             % {"created": created, "existing": len(tasks) - created})
            return redirect(f"{reverse('tasks:backlog')}?unit={unit.pk}")
    context["form"] = form
    return render(request, "tasks/dispatch.html", context, status=422 if form.errors else 200)
