"""Closed-loop operation (闭环管理): the unit's sites and the people of its roster inside them, from a start to a
planned end. A person leaving the loop, or someone from outside coming in, is an event the protocol turns into
measures (protocols.services.measure_start); while the loop runs, the unit contact gets the daily health check and
each test day as tasks.

A break of the loop falls under the protocol's category loop_break (the presets: 7 days of home health monitoring,
tests on days 1, 3 and 7†); a rule set without it (copied before it existed) falls back to the first of
UNITS_LOOP_BREAK_CATEGORIES it has a plan for.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.scope import acting_user
from fangkong.audit.services import audit_record
from fangkong.units.access import LOOP, ensure_org_may
from fangkong.units.kinds import LOOP_HEALTH_CHECK, LOOP_TEST, SUBJECT_TYPE
from fangkong.units.models import ClosedLoop, LoopEvent, LoopMember, LoopSite, Organisation, StaffMember

# The protocol's own category first; a rule set without it (one copied before it existed) falls back in this order.
DEFAULT_BREAK_CATEGORIES = ("loop_break", "secondary_contact", "co_present", "arrival_low", "close_contact")
SOURCE_EXIT, SOURCE_ENTRY = "units.loop_exit", "units.loop_entry"


def loop_break_category() -> str:
    from fangkong.protocols import selectors

    try:
        plans = selectors.version_rules(selectors.active_version()).plans
    except Exception:  # noqa: BLE001 (no active rule set: measure_start says so in its own words)
        plans = {}
    for category in getattr(settings, "UNITS_LOOP_BREAK_CATEGORIES", DEFAULT_BREAK_CATEGORIES):
        if category in plans:
            return category
    raise ValidationError(_("The active rule set has no measures for someone breaking a closed loop; "
                            "the HQ must add one of: %(categories)s.")
                          % {"categories": ", ".join(getattr(settings, "UNITS_LOOP_BREAK_CATEGORIES",
                                                             DEFAULT_BREAK_CATEGORIES))})


def _check_due(day: datetime.date) -> datetime.datetime:
    hour = int(getattr(settings, "UNITS_LOOP_CHECK_DUE_HOUR", 18))
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour=hour)))


def _owner(organisation: Organisation):
    """The first linked unit contact; without one the task goes to the node's unit contact on the responsibility
    map (task_create resolves it)."""
    link = organisation.contacts.filter(user__is_active=True).select_related("user").order_by("pk").first()
    return link.user if link is not None else None


def loop_tasks_dispatch(*, loop: ClosedLoop, day: datetime.date | None = None) -> int:
    """The day's health check, and the test if it is a test day, for the unit contact; idempotent. Returns how many
    tasks were opened (or already there)."""
    from fangkong.tasks.services import task_create

    day = day or timezone.localdate()
    if loop.status != ClosedLoop.Status.ACTIVE or not loop.starts_on <= day <= loop.planned_end_on:
        return 0
    organisation = loop.organisation
    owner = _owner(organisation)
    kinds = [LOOP_HEALTH_CHECK]
    if (day - loop.starts_on).days % max(1, loop.test_every_days) == 0:
        kinds.append(LOOP_TEST)
    for kind in kinds:
        task_create(kind=kind, title=f"{kind.label}: {organisation.name} {day:%Y-%m-%d}", unit=organisation.unit,
                    due_at=_check_due(day), subject_type=SUBJECT_TYPE, subject_id=organisation.pk, owner=owner,
                    dedupe_key=f"units:loop:{loop.pk}:{kind.code}:{day.isoformat()}", actor=None)
    return len(kinds)


def loop_tasks_dispatch_all(*, day: datetime.date | None = None) -> int:
    """The periodic job's step: today's tasks of every running loop."""
    count = 0
    for loop in ClosedLoop.objects.filter(status=ClosedLoop.Status.ACTIVE).select_related("organisation__unit"):
        with transaction.atomic():
            count += loop_tasks_dispatch(loop=loop, day=day)
    return count


@transaction.atomic
def loop_start(*, organisation: Organisation, starts_on: datetime.date | None, planned_end_on: datetime.date | None,
               sites: list[tuple[str, str]], staff_ids: list[int], test_every_days: int = 1, actor) -> ClosedLoop:
    """Put the unit in closed loop with its sites and the people of its roster named in `staff_ids`."""
    organisation = Organisation.objects.select_for_update().select_related("unit").get(pk=organisation.pk)
    ensure_org_may(actor, LOOP, organisation)
    errors = {}
    if ClosedLoop.objects.filter(organisation=organisation, status=ClosedLoop.Status.ACTIVE).exists():
        errors["__all__"] = _("This unit is already in closed loop.")
    if starts_on is None:
        errors["starts_on"] = _("Give the start date.")
    if planned_end_on is None:
        errors["planned_end_on"] = _("Give the planned end date.")
    elif starts_on is not None and planned_end_on < starts_on:
        errors["planned_end_on"] = _("The planned end must not be before the start.")
    sites = [(kind, " ".join((name or "").split())[:100]) for kind, name in sites if (name or "").strip()]
    if not sites:
        errors["sites"] = _("Name at least one site of the loop (the plant, the dormitory, the canteen).")
    elif any(kind not in LoopSite.Kind.values for kind, _name in sites):
        errors["sites"] = _("Choose the kind of each site.")
    if not test_every_days or not 1 <= int(test_every_days) <= 14:
        errors["test_every_days"] = _("Test every 1 to 14 days.")
    staff = list(StaffMember.objects.filter(organisation=organisation, pk__in=staff_ids or [])
                 .exclude(presence=StaffMember.Presence.LEFT))
    if not staff:
        errors["staff"] = _("Choose the people of the roster who stay inside the loop.")
    elif len(staff) != len(set(staff_ids)):
        errors["staff"] = _("Some of the chosen people are not on this unit's roster.")
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            loop = ClosedLoop.objects.create(organisation=organisation, starts_on=starts_on,
                                             planned_end_on=planned_end_on, test_every_days=int(test_every_days),
                                             created_by=acting_user(actor))
    except IntegrityError:
        raise ValidationError(_("This unit is already in closed loop.")) from None
    LoopSite.objects.bulk_create([LoopSite(loop=loop, kind=kind, name=name) for kind, name in sites])
    # People already inside a loop that is recorded after it began joined it when it began.
    joined = min(timezone.now(), timezone.make_aware(datetime.datetime.combine(starts_on, datetime.time.min)))
    LoopMember.objects.bulk_create([LoopMember(loop=loop, staff=s, person_id=s.person_id, joined_at=joined)
                                    for s in staff])
    audit_record(actor=actor, obj=loop, action="create", unit_path=organisation.unit.path,
                 changes={"starts_on": (None, starts_on.isoformat()),
                          "planned_end_on": (None, planned_end_on.isoformat()), "members": (None, len(staff))})
    loop_tasks_dispatch(loop=loop)
    return loop


@transaction.atomic
def loop_end(*, loop: ClosedLoop, actor) -> ClosedLoop:
    from fangkong.tasks.models import OPEN_STATUSES, Task
    from fangkong.tasks.services import task_cancel

    loop = ClosedLoop.objects.select_for_update(of=("self",)).select_related("organisation__unit").get(pk=loop.pk)
    ensure_org_may(actor, LOOP, loop.organisation)
    if loop.status != ClosedLoop.Status.ACTIVE:
        raise ValidationError(_("This closed loop has already ended."))
    loop.status, loop.ended_at = ClosedLoop.Status.ENDED, timezone.now()
    loop.save(update_fields=["status", "ended_at"])
    for task in Task.objects.filter(dedupe_key__startswith=f"units:loop:{loop.pk}:", status__in=OPEN_STATUSES):
        task_cancel(task=task, note=_("The closed loop ended."), actor=None)
    audit_record(actor=actor, obj=loop, action="end", unit_path=loop.organisation.unit.path,
                 changes={"status": (ClosedLoop.Status.ACTIVE, loop.status)})
    return loop


def _clean_time(at: datetime.datetime | None) -> datetime.datetime:
    at = at or timezone.now()
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"at": _("The time is in the future.")})
    return at


def _break(loop: ClosedLoop, *, kind: str, person, at, note: str, actor) -> LoopEvent:
    from fangkong.protocols.services import measure_start

    category = loop_break_category()
    event = LoopEvent.objects.create(loop=loop, kind=kind, person=person, at=at, note=(note or "").strip()[:300],
                                     category=category, recorded_by=acting_user(actor))
    # The unit contact may not put people under measures themselves: the protocol does it on the unit's event.
    measure = measure_start(person=person, category=category, day_one=timezone.localtime(at).date(), actor=None,
                            source=SOURCE_EXIT if kind == LoopEvent.Kind.EXIT else SOURCE_ENTRY,
                            source_ref=f"loop_event:{event.pk}", registered_at=max(at, timezone.now()))
    event.measure = measure
    event.save(update_fields=["measure"])
    audit_record(actor=actor, obj=event, action="create", unit_path=loop.organisation.unit.path,
                 changes={"kind": (None, kind), "category": (None, category), "measure": (None, measure.pk)},
                 note=event.note)
    return event


def _locked_active(loop: ClosedLoop, actor) -> ClosedLoop:
    loop = ClosedLoop.objects.select_for_update(of=("self",)).select_related("organisation__unit").get(pk=loop.pk)
    ensure_org_may(actor, LOOP, loop.organisation)
    if loop.status != ClosedLoop.Status.ACTIVE:
        raise ValidationError(_("This closed loop has already ended."))
    return loop


@transaction.atomic
def loop_exit_record(*, loop: ClosedLoop, member: LoopMember | None, at: datetime.datetime | None = None,
                     note: str = "", actor) -> LoopEvent:
    """Someone inside left the loop (the unit contact or the gate records it): they are out of the loop and under
    the protocol's measures, with its tasks."""
    loop = _locked_active(loop, actor)
    if member is None or member.loop_id != loop.pk:
        raise ValidationError({"member": _("Choose a person inside this loop.")})
    member = LoopMember.objects.select_for_update(of=("self",)).select_related("person__unit").get(pk=member.pk)
    if member.left_at is not None:
        raise ValidationError({"member": _("This person already left the loop.")})
    at = _clean_time(at)
    member.left_at = at
    member.save(update_fields=["left_at"])
    if member.staff_id:
        StaffMember.objects.filter(pk=member.staff_id).update(presence=StaffMember.Presence.AT_HOME,
                                                             updated_at=timezone.now())
    return _break(loop, kind=LoopEvent.Kind.EXIT, person=member.person, at=at, note=note, actor=actor)


@transaction.atomic
def loop_entry_record(*, loop: ClosedLoop, id_number: str, at: datetime.datetime | None = None, note: str = "",
                      actor) -> LoopEvent:
    """Someone from outside came into the loop: they are under the protocol's measures (and counted inside)."""
    from fangkong.people.identity import validate_resident_id
    from fangkong.people.models import IdType
    from fangkong.people.selectors import person_by_document

    loop = _locked_active(loop, actor)
    try:
        identity = validate_resident_id(id_number)
    except ValidationError as exc:
        raise ValidationError({"id_number": exc.messages}) from None
    person = person_by_document(id_type=IdType.RESIDENT, id_number=identity.number)
    if person is None:
        raise ValidationError({"id_number": _("This person is not on file: add them to the roster first.")})
    at = _clean_time(at)
    member = LoopMember.objects.filter(loop=loop, person=person).first()
    if member is not None and member.left_at is None:
        raise ValidationError({"id_number": _("This person is already inside the loop.")})
    if member is None:
        staff = StaffMember.objects.filter(organisation=loop.organisation, person=person).first()
        LoopMember.objects.create(loop=loop, staff=staff, person=person, joined_at=at)
    else:
        member.left_at, member.joined_at = None, at
        member.save(update_fields=["left_at", "joined_at"])
    return _break(loop, kind=LoopEvent.Kind.ENTRY, person=person, at=at, note=note, actor=actor)
