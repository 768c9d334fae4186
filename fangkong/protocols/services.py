"""Writes: rule sets and their versions (HQ), measures for people (the system, arrivals, tracing, field staff).

A version is never changed: editing a rule set adds a version, and a running measure keeps the version it
started under, so changing or switching the active rule set only affects measures started afterwards.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import acting_user, ensure_unit_in_scope
from fangkong.audit.services import audit_record
from fangkong.protocols import selectors
from fangkong.protocols.engine.measures import FIRST_CONTACT, STAGE_END, TEST, TRANSFER, measures_for
from fangkong.protocols.engine.rules import CATEGORIES, RulesError, rules_diff, rules_from_dict, rules_to_dict
from fangkong.protocols.models import Category, Measure, RuleSet, RuleSetVersion

MEASURE_SUBJECT = "protocols.measure"


class RulesInvalid(ValidationError):
    """The engine refused the rules; `path` names the value at fault (forms show the message there)."""

    def __init__(self, exc: RulesError):
        super().__init__({"rules": rules_error_message(exc)})
        self.path = exc.field
        self.detail = _(exc.template) % exc.params if exc.params else _(exc.template)


def rules_error_message(exc: RulesError) -> str:
    """The engine's message in the user's language, naming the field at fault."""
    message = _(exc.template) % exc.params if exc.params else _(exc.template)
    return f"{exc.field}: {message}"


def _audit_path(actor) -> str:
    # Rule sets belong to the whole city: recorded at the actor's scope (the HQ's is the city root).
    path = getattr(actor, "scope_path", None)
    if path:
        return path
    from fangkong.territory.models import Unit

    root = Unit.objects.filter(parent__isnull=True).order_by("pk").values_list("path", flat=True).first()
    return root or "/"


def _ensure_may_change(actor) -> None:
    if actor is not None and not has_capability(actor, "protocols.change"):
        raise PermissionDenied("protocols.change")


# --- rule sets ---------------------------------------------------------------------------------------------


def _clean_name(name: str, *, exclude_pk: int | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Give the rule set a name.")})
    if len(name) > 100:
        raise ValidationError({"name": _("The name is longer than 100 characters.")})
    if RuleSet.objects.filter(name=name).exclude(pk=exclude_pk).exists():
        raise ValidationError({"name": _("A rule set named “%(name)s” already exists.") % {"name": name}})
    return name


@transaction.atomic
def ruleset_copy(*, rule_set: RuleSet, name: str, actor) -> RuleSet:
    """A new, editable rule set starting from the source's current rules."""
    _ensure_may_change(actor)
    name = _clean_name(name)
    source = selectors.current_version(rule_set)
    copy = RuleSet.objects.create(name=name, description=rule_set.description, is_preset=False,
                                  copied_from=rule_set, created_by=acting_user(actor))
    RuleSetVersion.objects.create(rule_set=copy, number=1, rules=source.rules, created_by=acting_user(actor),
                                  note=_("Copied from %(name)s v%(number)d") % {"name": rule_set.name,
                                                                                 "number": source.number})
    audit_record(actor=actor, obj=copy, action="copy", unit_path=_audit_path(actor),
                 changes={"copied_from": (None, f"{rule_set.name} v{source.number}")})
    return copy


@transaction.atomic
def ruleset_edit(*, rule_set: RuleSet, rules_dict: dict, note: str = "", actor,
                 description: str | None = None) -> RuleSetVersion:
    """Check the rules and store them as the rule set's next version. Presets are copied, not edited."""
    _ensure_may_change(actor)
    rule_set = RuleSet.objects.select_for_update().get(pk=rule_set.pk)
    if rule_set.is_preset:
        raise ValidationError({"rule_set": _("A preset cannot be edited; copy it first and edit the copy.")})
    try:
        rules = rules_to_dict(rules_from_dict(rules_dict))
    except RulesError as exc:
        raise RulesInvalid(exc) from None
    note = (note or "").strip()
    if len(note) > 300:
        raise ValidationError({"note": _("The note is longer than 300 characters.")})
    current = selectors.current_version(rule_set)
    changed = rules_diff(current.rules if current else {}, rules)
    description_changed = description is not None and description.strip() != rule_set.description
    if not changed and not description_changed:
        raise ValidationError({"rules": _("Nothing changed.")})
    number = (rule_set.versions.aggregate(top=Max("number"))["top"] or 0) + 1
    version = RuleSetVersion.objects.create(rule_set=rule_set, number=number, rules=rules,
                                            created_by=acting_user(actor), note=note)
    if description_changed:
        rule_set.description = description.strip()
        rule_set.save(update_fields=["description"])
    audit_record(actor=actor, obj=rule_set, action="edit", unit_path=_audit_path(actor),
                 changes={path: (old, new) for path, old, new in changed[:50]}, note=f"v{number} {note}"[:300])
    return version


@transaction.atomic
def ruleset_activate(*, rule_set: RuleSet, actor) -> RuleSet:
    """Make this the rule set new measures start under; running measures keep their version."""
    _ensure_may_change(actor)
    rule_set = RuleSet.objects.select_for_update().get(pk=rule_set.pk)
    if rule_set.is_active:
        return rule_set
    if selectors.current_version(rule_set) is None:
        raise ValidationError({"rule_set": _("This rule set has no rules yet.")})
    previous = list(RuleSet.objects.select_for_update().filter(is_active=True))
    RuleSet.objects.filter(pk__in=[r.pk for r in previous]).update(is_active=False)
    rule_set.is_active = True
    rule_set.save(update_fields=["is_active"])
    audit_record(actor=actor, obj=rule_set, action="activate", unit_path=_audit_path(actor),
                 changes={"active": (", ".join(r.name for r in previous) or None, rule_set.name)})
    return rule_set


# --- measures ----------------------------------------------------------------------------------------------

# A new measure never lowers a stricter status the person is already under (in hospital, say).
_SEVERITY = {"normal": 0, "released": 0, "home_monitoring": 1, "home_isolation": 2, "observation": 3,
             "central_isolation": 3, "hospital": 4}


def _title(kind: str, task, person, category_label: str, plan) -> str:
    name = person.name
    if kind == FIRST_CONTACT:
        return _("First contact: %(name)s (%(category)s)") % {"name": name, "category": category_label}
    if kind == TRANSFER:
        return _("Transfer %(name)s to centralised isolation") % {"name": name}
    if kind == TEST and task.make_up:
        return _("Make-up test for missed days: %(name)s") % {"name": name}
    if kind == TEST:
        return _("Test on day %(day)d: %(name)s") % {"day": task.day_number, "name": name}
    stage = plan.stages[task.stage_index]
    return _("End of stage %(stage)d (days %(first)d–%(last)d): %(name)s") % {
        "stage": stage.index + 1, "first": stage.first_day, "last": stage.first_day + (stage.last - stage.start).days,
        "name": name}


def _measure_tasks(measure: Measure, plan, person, keys=None) -> dict:
    from fangkong.tasks.services import TaskSpec, task_create_many

    category_label = str(Category(measure.category).label)
    version = measure.version
    detail = _("Under %(rule_set)s v%(number)d; day one %(day)s, ends %(end)s.") % {
        "rule_set": version.rule_set.name, "number": version.number, "day": measure.day_one.isoformat(),
        "end": measure.ends_on.isoformat() if measure.ends_on else "—"}
    household = person.household if person.household_id else None
    unit = household.unit if household is not None else person.unit
    by_kind: dict[str, list] = {}
    for n, task in enumerate(plan.tasks):
        key = f"measure:{measure.pk}:{n}"
        if keys is not None and key not in keys:
            continue
        by_kind.setdefault(task.kind, []).append(TaskSpec(
            unit=unit, person=person, household=household,
            title=_title(task.kind, task, person, category_label, plan)[:200], detail=detail, due_at=task.due_at,
            subject_type=MEASURE_SUBJECT, subject_id=measure.pk, dedupe_key=key))
    made = {}
    for kind, specs in by_kind.items():
        # Opened by the system: the protocol demands them, whoever registered the person.
        tasks, _created = task_create_many(kind=kind, specs=specs, actor=None)
        made.update((t.dedupe_key, t) for t in tasks)
    return made


@transaction.atomic
def measure_tasks_ensure(*, measure: Measure, plan=None, keys=None) -> dict:
    """Open the measure's planned tasks that do not exist (all, or those dedupe `keys`); returns them by key."""
    plan = plan or selectors.measure_plan(measure=measure)
    return _measure_tasks(measure, plan, measure.person, keys=set(keys) if keys is not None else None)


def _status_until_transfer(plan) -> str:
    """The status to set at registration. Someone the plan sends to centralised isolation stays where they are
    (home isolation) until the isolation site receives them: the site's handover sets centralised isolation."""
    if plan.status_now == "central_isolation" and any(t.kind == TRANSFER for t in plan.tasks):
        return "home_isolation"
    return plan.status_now


@transaction.atomic
def measure_start(*, person, category: str, day_one: datetime.date, actor, source: str, source_ref: str = "",
                  registered_at: datetime.datetime | None = None) -> Measure:
    """Put a person under the active protocol's measures for `category`, counting from `day_one`.

    Sets the person's status for the current stage and opens the tasks (first contact, transfer, one sampling
    task per test day, one stage-end task per stage). Idempotent: the same person, category and day one
    while the measure runs returns that measure.
    """
    from fangkong.people.services import person_status_change

    ensure_unit_in_scope(actor, person.unit, app_label="people")
    if category not in CATEGORIES:
        raise ValidationError({"category": _("Unknown category “%(category)s”.") % {"category": category}})
    source = (source or "").strip()
    if not source:
        raise ValidationError({"source": _("Say where the measure comes from.")})
    registered_at = registered_at or timezone.now()
    if timezone.is_naive(registered_at):
        registered_at = timezone.make_aware(registered_at)
    if day_one > timezone.localtime(registered_at).date():
        raise ValidationError({"day_one": _("Day one cannot be after the day of registration.")})
    existing = Measure.objects.filter(person=person, category=category, day_one=day_one,
                                      status__in=(Measure.Status.ACTIVE, Measure.Status.NOT_REQUIRED)).first()
    if existing is not None:
        return existing
    try:
        version = selectors.active_version()
    except RuleSetVersion.DoesNotExist:
        raise ValidationError(_("No rule set is active; an administrator must activate one.")) from None
    plan = measures_for(category=category, day_one=day_one, registered_at=registered_at,
                        rules=selectors.version_rules(version), tz=timezone.get_default_timezone())
    status = Measure.Status.ACTIVE if plan.tasks else Measure.Status.NOT_REQUIRED
    measure = Measure(person=person, version=version, category=category, day_one=day_one, ends_on=plan.ends_on,
                      status=status, source=source[:60], source_ref=(source_ref or "")[:60],
                      started_at=registered_at, created_by=acting_user(actor),
                      stage_index=next((s.index for s in plan.stages if s.ends_at > registered_at), 0))
    if status == Measure.Status.NOT_REQUIRED:
        measure.ended_at = timezone.now()
    try:
        with transaction.atomic():
            measure.save()
    except IntegrityError:
        # The same event registered twice at once: the other call's measure is the measure.
        return Measure.objects.get(person=person, category=category, day_one=day_one, status=Measure.Status.ACTIVE)
    audit_record(actor=actor, obj=measure, action="start", unit_path=person.unit.path,
                 changes={"category": (None, category), "day_one": (None, day_one.isoformat()),
                          "version": (None, str(version)), "status": (None, status)}, note=source)
    if not plan.tasks:
        return measure
    person.refresh_from_db(fields=["status", "status_since"])
    status_now = _status_until_transfer(plan)
    if status_now and _SEVERITY[status_now] > _SEVERITY.get(person.status, 0):
        person_status_change(person=person, to_status=status_now, actor=actor,
                             cause=_("%(category)s under %(rule_set)s v%(number)d, day one %(day)s") % {
                                 "category": Category(category).label, "rule_set": version.rule_set.name,
                                 "number": version.number, "day": day_one.isoformat()})
        person.refresh_from_db(fields=["status", "status_since"])
    _measure_tasks(measure, plan, person)
    return measure


def _measure_open_tasks(measure: Measure):
    from fangkong.tasks.models import OPEN_STATUSES, Task

    return Task.objects.filter(dedupe_key__startswith=f"measure:{measure.pk}:", status__in=OPEN_STATUSES)


@transaction.atomic
def measure_end(*, measure: Measure, reason: str, actor) -> Measure:
    """Stop a measure early (upgraded to close contact, taken to hospital, recorded in error); its open tasks
    are cancelled. The person's status is left to whoever ends it."""
    from fangkong.tasks.services import task_cancel

    measure = Measure.objects.select_for_update(of=("self",)).select_related("person__unit").get(pk=measure.pk)
    ensure_unit_in_scope(actor, measure.person.unit, app_label="people")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the measure ends.")})
    if measure.status != Measure.Status.ACTIVE:
        raise ValidationError(_("This measure is no longer running."))
    measure.status, measure.ended_at, measure.ended_reason = Measure.Status.ENDED, timezone.now(), reason[:200]
    measure.save(update_fields=["status", "ended_at", "ended_reason"])
    for task in _measure_open_tasks(measure):
        task_cancel(task=task, note=reason, actor=None)
    audit_record(actor=actor, obj=measure, action="end", unit_path=measure.person.unit.path,
                 changes={"status": (Measure.Status.ACTIVE, Measure.Status.ENDED)}, note=reason)
    return measure


def stage_end_completed(task, outcome: str, actor) -> None:
    """Called by tasks.task_complete inside its transaction: a stage ended "released" moves the person on.

    Released from a stage: the next stage's status, or "released" after the last; the measure is then
    completed. "extended" / "not_released" keep the status (tasks opens the follow-up).
    """
    from fangkong.people.models import ManagementStatus, Person
    from fangkong.people.services import person_status_change

    if outcome != "released" or task.subject_type != MEASURE_SUBJECT or not task.dedupe_key:
        return
    measure = (Measure.objects.select_for_update(of=("self",)).select_related("version__rule_set")
               .filter(pk=task.subject_id).first())
    if measure is None or measure.status != Measure.Status.ACTIVE:
        return
    plan = selectors.measure_plan(measure=measure)
    planned = plan.tasks[int(task.dedupe_key.rsplit(":", 1)[1])]
    if planned.kind != STAGE_END:
        return
    following = plan.stages[planned.stage_index + 1:]
    ending = plan.stages[planned.stage_index].status
    # The next stage's status; leaving isolation for a stage of tests only, or for nothing, is a release;
    # the end of a stage of tests only changes nothing.
    target = (following[0].status if following else "") or (ManagementStatus.RELEASED if ending else "")
    fields = ["stage_index"]
    measure.stage_index = max(measure.stage_index, planned.stage_index + 1)
    if measure.stage_index >= len(plan.stages):
        measure.status, measure.ended_at = Measure.Status.COMPLETED, timezone.now()
        fields += ["status", "ended_at"]
    measure.save(update_fields=fields)
    person = Person.objects.get(pk=measure.person_id)
    if target and person.status != target:
        person_status_change(person=person, to_status=target, actor=actor, task=task,
                             cause=_("Stage %(stage)d of %(category)s ended: released (%(rule_set)s v%(number)d)")
                             % {"stage": planned.stage_index + 1, "category": Category(measure.category).label,
                                "rule_set": measure.version.rule_set.name, "number": measure.version.number})


def transfer_completed(task, outcome: str, actor) -> None:
    """Called by tasks.task_complete in its transaction: a person handed over at the isolation site is under
    centralised isolation from now (the isolation app's handover closes this task; so may a grid worker)."""
    from fangkong.people.models import Person
    from fangkong.people.services import person_status_change

    if outcome != "transferred" or task.subject_type != MEASURE_SUBJECT or task.person_id is None:
        return
    person = Person.objects.get(pk=task.person_id)
    if _SEVERITY.get(person.status, 0) < _SEVERITY["central_isolation"]:
        person_status_change(person=person, to_status="central_isolation", actor=actor, task=task,
                             cause=_("Received at the centralised isolation site"))


def measures_repoint_person(*, survivor, duplicate) -> int:
    """Called inside people.services.person_merge: the duplicate's measures now belong to the survivor."""
    return Measure.objects.filter(person=duplicate).update(person=survivor)
