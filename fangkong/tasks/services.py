"""Writes to work orders. Other modules create tasks only through `task_create` / `task_create_many`.

Who may act on a task (accept, complete, fail): its owner, the person it was escalated to, or anyone
holding `tasks.dispatch` over the task's node. Cancel and reassign are dispatchers' decisions only.
actor=None is the system (protocol engine, jobs, commands) and skips these checks.

Outcomes: `task_complete` closes the task as done with any outcome of its kind. An outcome marked
unsuccessful (household visit: nobody home, refused, new person found) still closes the task — the
visit was made and reported — and opens the kind's follow-up task for the same owner, so nothing
is left as a note. `task_fail` is for work that could not be attempted at all (wrong address, the
subject does not exist) and needs a reason.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.scope import ensure_unit_in_scope, unit_in_scope
from fangkong.audit.services import audit_record
from fangkong.tasks.kinds import DEFAULT_GRACE, TaskKind, all_kinds, find_kind, get_kind
from fangkong.tasks.models import OPEN_STATUSES, Task
from fangkong.territory.models import Responsibility, Unit
from fangkong.territory.selectors import responsible_for

logger = logging.getLogger(__name__)

ESCALATION_ROLES = (Responsibility.Role.AREA_LEADER, Responsibility.Role.LIAISON_CADRE)


def _kind(kind) -> TaskKind:
    return kind if isinstance(kind, TaskKind) else get_kind(kind)


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


# --- creation -------------------------------------------------------------------------------------


@dataclass
class TaskSpec:
    """One task to create in `task_create_many`; the fields mean what they mean in `task_create`."""

    unit: Unit
    title: str = ""
    person: object = None
    household: object = None
    subject_type: str = ""
    subject_id: int | None = None
    detail: str = ""
    due_at: datetime | None = None
    priority: int = Task.Priority.NORMAL
    owner: object = None
    dedupe_key: str | None = None


def _default_title(kind: TaskKind, spec: TaskSpec) -> str:
    subject = spec.person or spec.household
    return f"{kind.label}: {subject}" if subject is not None else str(kind.label)


def _check_spec(kind: TaskKind, spec: TaskSpec, actor) -> None:
    ensure_unit_in_scope(actor, spec.unit, app_label="tasks", action="dispatch")
    for subject in (spec.household, spec.person):
        if subject is not None:
            ensure_unit_in_scope(actor, subject.unit, app_label="tasks", action="dispatch")
    errors = {}
    if kind.subject == "household" and spec.household is None:
        errors["household"] = _("A %(kind)s task needs a household.") % {"kind": kind.label}
    if kind.subject == "person" and spec.person is None:
        errors["person"] = _("A %(kind)s task needs a person.") % {"kind": kind.label}
    if len(spec.title) > 200:
        errors["title"] = _("The title is longer than 200 characters.")
    if spec.priority not in Task.Priority.values:
        errors["priority"] = _("Unknown priority: %(value)s.") % {"value": spec.priority}
    if spec.dedupe_key is not None and len(spec.dedupe_key) > 120:
        errors["dedupe_key"] = _("The dedupe key is longer than 120 characters.")
    if bool(spec.subject_type) != (spec.subject_id is not None):
        errors["subject_type"] = _("A subject needs both its type and its id.")
    if errors:
        raise ValidationError(errors)


def _build(kind: TaskKind, spec: TaskSpec, *, owner, actor, now: datetime) -> Task:
    return Task(
        kind=kind.code,
        title=(spec.title or "").strip() or _default_title(kind, spec),
        detail=spec.detail or "",
        unit=spec.unit,
        person=spec.person,
        household=spec.household,
        subject_type=spec.subject_type or "",
        subject_id=spec.subject_id,
        owner=owner,
        owner_role=kind.owner_role,
        priority=spec.priority,
        due_at=_aware(spec.due_at) or now + kind.due,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        dedupe_key=spec.dedupe_key or None,
    )


def _resolve_owner(kind: TaskKind, spec: TaskSpec):
    if spec.owner is not None:
        return spec.owner
    responsibility = responsible_for(unit=spec.unit, role=kind.owner_role, household=spec.household)
    return responsibility.user if responsibility is not None else None


def _audit_created(task: Task, actor) -> None:
    audit_record(actor=actor, obj=task, action="create", unit_path=task.unit.path,
                 changes={"status": (None, task.status), "owner": (None, _user_label(task.owner)),
                          "due_at": (None, task.due_at.isoformat())})


@transaction.atomic
def task_create(*, kind, title: str, unit: Unit, due_at: datetime | None = None, person=None, household=None,
                subject_type: str = "", subject_id: int | None = None, detail: str = "",
                priority: int = Task.Priority.NORMAL, owner=None, dedupe_key: str | None = None,
                actor=None) -> Task:
    """Open a work order; its owner comes from the responsibility map unless given.

    With a `dedupe_key` the call is idempotent: a second call with the same key returns the first task.
    """
    kind = _kind(kind)
    spec = TaskSpec(unit=unit, title=title or "", person=person, household=household, subject_type=subject_type,
                    subject_id=subject_id, detail=detail, due_at=due_at, priority=priority, owner=owner,
                    dedupe_key=dedupe_key)
    _check_spec(kind, spec, actor)
    if dedupe_key:
        existing = Task.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    task = _build(kind, spec, owner=_resolve_owner(kind, spec), actor=actor, now=timezone.now())
    try:
        with transaction.atomic():
            task.save()
    except IntegrityError:
        # Two callers with the same key at once: the other one's task is the task.
        existing = Task.objects.filter(dedupe_key=dedupe_key).first() if dedupe_key else None
        if existing is None:
            raise
        return existing
    _audit_created(task, actor)
    return task


@transaction.atomic
def task_create_many(*, kind, specs: list[TaskSpec], actor=None) -> tuple[list[Task], int]:
    """Open many work orders in one go (a building's households, a pool's ten people).

    Returns every task in the order of `specs` — the ones created now and the ones whose dedupe key
    already existed — and how many were created. Owners are resolved once per node, not once per row.
    """
    kind = _kind(kind)
    for spec in specs:
        _check_spec(kind, spec, actor)
    keys = [s.dedupe_key for s in specs if s.dedupe_key]
    if len(keys) != len(set(keys)):
        raise ValidationError({"dedupe_key": _("The same dedupe key appears twice in one dispatch.")})
    existing = {t.dedupe_key: t for t in Task.objects.filter(dedupe_key__in=keys)} if keys else {}
    todo = [s for s in specs if not (s.dedupe_key and s.dedupe_key in existing)]

    direct = {}
    household_ids = [s.household.pk for s in todo if s.household is not None and s.owner is None]
    if household_ids:
        for r in (Responsibility.objects.filter(household_id__in=household_ids, role=kind.owner_role)
                  .select_related("user").order_by("since")):
            direct[r.household_id] = r.user
    by_unit = {}
    now = timezone.now()
    new_tasks = []
    for spec in todo:
        owner = spec.owner
        if owner is None and spec.household is not None and spec.household.pk in direct:
            owner = direct[spec.household.pk]
        elif owner is None:
            if spec.unit.pk not in by_unit:
                found = responsible_for(unit=spec.unit, role=kind.owner_role)
                by_unit[spec.unit.pk] = found.user if found else None
            owner = by_unit[spec.unit.pk]
        new_tasks.append(_build(kind, spec, owner=owner, actor=actor, now=now))
    try:
        with transaction.atomic():
            created = Task.objects.bulk_create(new_tasks)
    except IntegrityError as exc:
        raise ValidationError(_("Another dispatch of the same tasks ran at the same time; please try again.")) \
            from exc
    for task in created:
        _audit_created(task, actor)
    made = dict(zip((id(s) for s in todo), created, strict=True))
    result = [existing[s.dedupe_key] if id(s) not in made else made[id(s)] for s in specs]
    return result, len(created)


def household_visits_dispatch(*, households, due_at: datetime | None = None, detail: str = "",
                              priority: int = Task.Priority.NORMAL, round_key: str = "",
                              actor) -> tuple[list[Task], int]:
    """One household_visit per household; a second dispatch of the same round creates nothing new.

    The round defaults to the due date, so dispatching a building twice on one day gives one visit per door.
    """
    kind = get_kind("household_visit")
    due_at = _aware(due_at) or timezone.now() + kind.due
    round_key = (round_key or timezone.localtime(due_at).strftime("%Y%m%d")).strip()
    households = list(households)
    if not households:
        raise ValidationError({"households": _("Choose at least one household.")})
    specs = [
        TaskSpec(unit=h.unit, household=h, title=f"{kind.label}: {h}", detail=detail, due_at=due_at,
                 priority=priority, dedupe_key=f"household_visit:{h.pk}:{round_key}"[:120])
        for h in households
    ]
    return task_create_many(kind=kind, specs=specs, actor=actor)


# --- transitions ----------------------------------------------------------------------------------


def _user_label(user) -> str | None:
    return str(user) if user is not None else None


def _locked(task: Task) -> Task:
    # of=("self",): PostgreSQL refuses FOR UPDATE on the nullable side of the owner joins.
    locked = Task.objects.select_for_update(of=("self",)).select_related("unit", "owner", "escalated_owner")
    return locked.get(pk=task.pk)


def _ensure_may_act(actor, task: Task, *, dispatch_only: bool = False) -> None:
    if actor is None:
        return
    if not Task.objects.visible_to(actor, "change").filter(pk=task.pk).exists():
        raise PermissionDenied("outside your jurisdiction")
    if unit_in_scope(actor, task.unit, "dispatch", capability_app="tasks"):
        return
    if not dispatch_only and actor.pk in (task.owner_id, task.escalated_owner_id):
        return
    if dispatch_only:
        raise PermissionDenied(_("Only a dispatcher of this node may do this."))
    raise PermissionDenied(_("Only the task's owner, the person it was escalated to, or a dispatcher may do this."))


_VERBS = {
    "accept": lambda status: _("This task is %(status)s; it cannot be accepted.") % {"status": status},
    "complete": lambda status: _("This task is %(status)s; it cannot be completed.") % {"status": status},
    "fail": lambda status: _("This task is %(status)s; it cannot be marked as failed.") % {"status": status},
    "cancel": lambda status: _("This task is %(status)s; it cannot be cancelled.") % {"status": status},
    "reassign": lambda status: _("This task is %(status)s; it cannot be reassigned.") % {"status": status},
}


def _ensure_status(task: Task, verb: str, allowed=OPEN_STATUSES) -> None:
    if task.status not in allowed:
        raise ValidationError(_VERBS[verb](str(task.get_status_display()).lower()))


@transaction.atomic
def task_accept(*, task: Task, actor) -> Task:
    task = _locked(task)
    _ensure_may_act(actor, task)
    _ensure_status(task, "accept", allowed=(Task.Status.OPEN,))
    now = timezone.now()
    changes = {"status": (task.status, Task.Status.ACCEPTED)}
    task.status, task.accepted_at = Task.Status.ACCEPTED, now
    fields = ["status", "accepted_at"]
    if task.owner_id is None and actor is not None:
        changes["owner"] = (None, _user_label(actor))
        task.owner = actor
        fields.append("owner")
    task.save(update_fields=fields)
    audit_record(actor=actor, obj=task, action="accept", unit_path=task.unit.path, changes=changes)
    return task


@transaction.atomic
def task_complete(*, task: Task, outcome: str, note: str = "", data: dict | None = None, actor) -> Task:
    """Close the task as done with one of its kind's outcomes; an unsuccessful one opens a follow-up."""
    task = _locked(task)
    _ensure_may_act(actor, task)
    _ensure_status(task, "complete")
    kind = get_kind(task.kind)
    chosen = kind.outcome(outcome or "")
    if chosen is None:
        raise ValidationError({"outcome": _("Choose one of: %(choices)s.") % {
            "choices": ", ".join(str(label) for _code, label in kind.outcome_choices)}})
    note = (note or "").strip()
    data = kind.clean_data(task, chosen.code, data)
    now = timezone.now()
    changes = {"status": (task.status, Task.Status.DONE), "outcome": (task.outcome or None, chosen.code)}
    task.status, task.outcome, task.outcome_note, task.outcome_data = Task.Status.DONE, chosen.code, note, data
    task.closed_at = now
    task.accepted_at = task.accepted_at or now
    task.save(update_fields=["status", "outcome", "outcome_note", "outcome_data", "closed_at", "accepted_at"])
    audit_record(actor=actor, obj=task, action="complete", unit_path=task.unit.path, changes=changes, note=note)
    kind.completed(task, chosen.code, actor)
    if not chosen.success and kind.follow_up_kind and find_kind(kind.follow_up_kind):
        follow = get_kind(kind.follow_up_kind)
        task_create(
            kind=follow, title=f"{follow.label}: {task.title} ({chosen.label})"[:200], unit=task.unit,
            person=task.person, household=task.household, subject_type=task.subject_type,
            subject_id=task.subject_id, detail=note, priority=task.priority, owner=task.owner,
            dedupe_key=f"follow_up:after:{task.pk}", actor=None,
        )
    return task


def _close(task: Task, *, verb: str, status: str, note: str, actor, dispatch_only: bool = False) -> Task:
    task = _locked(task)
    _ensure_may_act(actor, task, dispatch_only=dispatch_only)
    _ensure_status(task, verb)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say why.")})
    changes = {"status": (task.status, status)}
    task.status, task.outcome_note, task.closed_at = status, note, timezone.now()
    task.save(update_fields=["status", "outcome_note", "closed_at"])
    audit_record(actor=actor, obj=task, action=verb, unit_path=task.unit.path, changes=changes, note=note)
    return task


@transaction.atomic
def task_fail(*, task: Task, note: str, actor) -> Task:
    """The work could not be attempted at all; the reason is required."""
    return _close(task, verb="fail", status=Task.Status.FAILED, note=note, actor=actor)


@transaction.atomic
def task_cancel(*, task: Task, note: str, actor) -> Task:
    """The work is no longer needed (a dispatcher's decision); the reason is required."""
    return _close(task, verb="cancel", status=Task.Status.CANCELLED, note=note, actor=actor, dispatch_only=True)


@transaction.atomic
def task_reassign(*, task: Task, owner, note: str = "", actor) -> Task:
    """Hand the task to someone else; they must accept it again."""
    task = _locked(task)
    _ensure_may_act(actor, task, dispatch_only=True)
    _ensure_status(task, "reassign")
    if owner is None:
        raise ValidationError({"owner": _("Choose the new owner.")})
    if owner.pk == task.owner_id:
        raise ValidationError({"owner": _("%(user)s already owns this task.") % {"user": owner}})
    if not Task.objects.visible_to(owner, "change").filter(pk=task.pk).exists():
        raise ValidationError({"owner": _("%(user)s does not work in %(unit)s.") % {"user": owner,
                                                                                  "unit": task.unit}})
    changes = {"owner": (_user_label(task.owner), _user_label(owner)), "status": (task.status, Task.Status.OPEN)}
    task.owner, task.status, task.accepted_at = owner, Task.Status.OPEN, None
    task.save(update_fields=["owner", "status", "accepted_at"])
    audit_record(actor=actor, obj=task, action="reassign", unit_path=task.unit.path, changes=changes,
                 note=(note or "").strip())
    return task


# --- escalation -----------------------------------------------------------------------------------


def _past_grace(limit: datetime) -> Q:
    # Past its due time by the grace, and (after a first escalation) as long again since the last one.
    return Q(due_at__lt=limit) & (Q(escalated_at__isnull=True) | Q(escalated_at__lt=limit))


def escalation_due_q(now: datetime) -> Q:
    codes, q = [], Q()
    for kind in all_kinds():
        codes.append(kind.code)
        q |= Q(kind=kind.code) & _past_grace(now - kind.grace)
    return q | (~Q(kind__in=codes) & _past_grace(now - DEFAULT_GRACE))


_CAN_CLIMB = Q(escalated_to__isnull=True, unit__parent__isnull=False) | Q(escalated_to__parent__isnull=False)


def _escalation_owner(unit: Unit):
    for role in ESCALATION_ROLES:
        found = responsible_for(unit=unit, role=role)
        if found is not None and found.user_id is not None:
            return found.user
    return None


def _escalate_next(now: datetime) -> bool | None:
    """None: nothing to escalate. True: escalated one task. False: another worker took it first."""
    candidate = (
        Task.objects.still_open().filter(escalation_due_q(now)).filter(_CAN_CLIMB)
        .select_related("unit", "escalated_to", "escalated_owner").order_by("due_at", "pk").first()
    )
    if candidate is None:
        return None
    current = candidate.escalated_to or candidate.unit
    target = Unit.objects.get(pk=current.parent_id)
    escalated_owner = _escalation_owner(target)
    with transaction.atomic():
        claimed = Task.objects.filter(
            pk=candidate.pk, escalation_level=candidate.escalation_level, status__in=OPEN_STATUSES,
        ).update(escalation_level=F("escalation_level") + 1, escalated_to=target, escalated_owner=escalated_owner,
                 escalated_at=now)
        if claimed != 1:
            # Nothing got updated: another worker escalated (or someone closed) it first.
            return False
        audit_record(
            actor=None, obj=candidate, action="escalate", unit_path=candidate.unit.path,
            changes={"escalated_to": (current.name, target.name),
                     "escalation_level": (candidate.escalation_level, candidate.escalation_level + 1),
                     "escalated_owner": (_user_label(candidate.escalated_owner), _user_label(escalated_owner))},
        )
    logger.info("task %s escalated to %s (level %s)", candidate.pk, target.name, candidate.escalation_level + 1)
    return True


def escalate_next_overdue(*, now: datetime | None = None) -> bool:
    """Escalate the most overdue task that is past its kind's grace, one level up. True if there was one."""
    return _escalate_next(now or timezone.now()) is not None


def escalate_overdue(*, now: datetime | None = None) -> int:
    """Escalate every task that is due for it; returns how many this call escalated."""
    now = now or timezone.now()
    escalated = 0
    while (result := _escalate_next(now)) is not None:
        escalated += int(result)
    return escalated


def tasks_repoint_person(*, survivor, duplicate) -> int:
    """Called inside people.services.person_merge: the duplicate's tasks now concern the survivor."""
    return Task.objects.filter(person=duplicate).update(person=survivor)


@transaction.atomic
def tasks_cancel_for_subject(*, subject_type: str, subject_id: int, note: str, actor=None) -> int:
    """Cancels the open tasks of one subject (a measure ended early, a site closed): each one audited."""
    count = 0
    for task in Task.objects.still_open().filter(subject_type=subject_type, subject_id=subject_id):
        task_cancel(task=task, note=note, actor=actor)
        count += 1
    return count
