"""The field devices' API: the inbox, one task, accept, complete, dispatch. Same scoping as the pages."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Router, Status

from fangkong.accounts.scope import get_visible_or_404
from fangkong.people.models import Household, Person
from fangkong.tasks import selectors, services
from fangkong.tasks.kinds import find_kind
from fangkong.tasks.presenters import subject_label
from fangkong.tasks.schemas import CompleteIn, DispatchIn, NoteIn, TaskOut, TaskPage
from fangkong.territory.models import Unit

router = Router(tags=["tasks"])


def task_out(task, user) -> dict:
    kind = find_kind(task.kind)
    return {
        "id": task.pk, "kind": task.kind, "kind_label": str(kind.label) if kind else task.kind, "title": task.title,
        "detail": task.detail, "status": task.status, "priority": task.priority, "unit_id": task.unit_id,
        "unit_name": task.unit.name, "subject": subject_label(task, user), "person_id": task.person_id,
        "household_id": task.household_id, "subject_type": task.subject_type, "subject_id": task.subject_id,
        "owner": str(task.owner) if task.owner_id else None, "due_at": task.due_at, "overdue": task.is_overdue,
        "created_at": task.created_at, "accepted_at": task.accepted_at, "closed_at": task.closed_at,
        "outcome": task.outcome, "outcome_note": task.outcome_note, "outcome_data": task.outcome_data or {},
        "escalation_level": task.escalation_level, "escalated_to_id": task.escalated_to_id,
        "escalated_owner": str(task.escalated_owner) if task.escalated_owner_id else None,
        "outcomes": [{"code": o.code, "label": str(o.label), "success": o.success} for o in kind.outcomes]
        if kind else [],
    }


def _fresh(request, task_id: int) -> dict:
    return task_out(selectors.task_get(user=request.auth, task_id=task_id), request.auth)


@router.get("/inbox", response=TaskPage)
def inbox(request, after: int | None = None, size: int = 30):
    page = selectors.due_keyset_page(selectors.inbox(user=request.auth), after=after, size=size)
    return {"items": [task_out(t, request.auth) for t in page.items], "next_after": page.next_after}


@router.get("/tasks/{task_id}", response=TaskOut)
def task_detail(request, task_id: int):
    return _fresh(request, task_id)


@router.post("/tasks/{task_id}/accept", response=TaskOut)
def task_accept(request, task_id: int):
    task = selectors.task_get(user=request.auth, task_id=task_id)
    services.task_accept(task=task, actor=request.auth)
    return _fresh(request, task_id)


@router.post("/tasks/{task_id}/complete", response=TaskOut)
def task_complete(request, task_id: int, payload: CompleteIn):
    task = selectors.task_get(user=request.auth, task_id=task_id)
    services.task_complete(task=task, outcome=payload.outcome, note=payload.note, data=payload.data,
                           actor=request.auth)
    return _fresh(request, task_id)


@router.post("/tasks/{task_id}/fail", response=TaskOut)
def task_fail(request, task_id: int, payload: NoteIn):
    task = selectors.task_get(user=request.auth, task_id=task_id)
    services.task_fail(task=task, note=payload.note, actor=request.auth)
    return _fresh(request, task_id)


@router.post("/tasks/{task_id}/cancel", response=TaskOut)
def task_cancel(request, task_id: int, payload: NoteIn):
    task = selectors.task_get(user=request.auth, task_id=task_id)
    services.task_cancel(task=task, note=payload.note, actor=request.auth)
    return _fresh(request, task_id)


@router.post("/tasks", response={201: TaskOut})
def task_dispatch(request, payload: DispatchIn):
    user = request.auth
    unit = get_visible_or_404(Unit.objects, user=user, action="view", pk=payload.unit_id)
    household = person = None
    if payload.household_id is not None:
        household = get_visible_or_404(Household.objects, user=user, action="view", pk=payload.household_id)
    if payload.person_id is not None:
        person = get_visible_or_404(Person.objects, user=user, action="view", pk=payload.person_id)
    if payload.priority not in (0, 1):
        raise ValidationError({"priority": _("Priority is 0 (normal) or 1 (urgent).")})
    task = services.task_create(
        kind=payload.kind, title=payload.title, unit=unit, due_at=payload.due_at, person=person,
        household=household, detail=payload.detail, priority=payload.priority, dedupe_key=payload.dedupe_key,
        actor=user,
    )
    return Status(201, _fresh(request, task.pk))
