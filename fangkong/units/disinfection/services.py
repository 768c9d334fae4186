"""Writes of disinfection (消杀): terminal disinfection orders (from new cases by the job, or by hand after a
positive environment sample), routine schedules and their daily tasks, and what a done task used — issued from
the stock ledger when a stock place is chosen. actor=None is the system."""

import datetime
import hashlib
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.scope import acting_user, ensure_may
from fangkong.audit.services import audit_record
from fangkong.units.kinds_disinfection import (
    DISINFECTION_ROUTINE,
    DISINFECTION_TERMINAL,
    ORDER_SUBJECT,
    SCHEDULE_SUBJECT,
)
from fangkong.units.models import DisinfectionCursor, DisinfectionOrder, DisinfectionRecord, DisinfectionSchedule

MANUAL_SOURCES = (DisinfectionOrder.Source.ENVIRONMENT, DisinfectionOrder.Source.MANUAL)


def _text(value) -> str:
    return " ".join(str(value or "").split())


def deadline_hours() -> int:
    """Hours from the order to the terminal disinfection: the active rule set's terminal_disinfection_hours (24,
    the "24-hour rule" for risk places)."""
    from fangkong.protocols.selectors import active_rules_or_defaults

    return int(active_rules_or_defaults().terminal_disinfection_hours)


# --- orders ------------------------------------------------------------------------------------------------------

def _order_open(*, unit, place_name: str, address: str, reason: str, source: str, source_ref: str = "",
                deadline: datetime.datetime, actor) -> DisinfectionOrder:
    from fangkong.tasks.services import task_create

    order = DisinfectionOrder.objects.create(unit=unit, place_name=place_name[:100], address=address[:200],
                                             reason=reason[:300], source=source, source_ref=source_ref[:120],
                                             deadline=deadline, created_by=acting_user(actor))
    order.task = task_create(
        kind=DISINFECTION_TERMINAL, title=f"{DISINFECTION_TERMINAL.label}: {order.place_name}"[:200], unit=unit,
        due_at=deadline, subject_type=ORDER_SUBJECT, subject_id=order.pk, detail=f"{order.address}\n{order.reason}",
        dedupe_key=f"disinfect:{order.pk}", actor=None)
    order.save(update_fields=["task"])
    audit_record(actor=actor, obj=order, action="create", unit_path=unit.path,
                 changes={"source": (None, source), "place_name": (None, order.place_name)})
    return order


@transaction.atomic
def order_create(*, unit, place_name: str, reason: str, source: str = DisinfectionOrder.Source.ENVIRONMENT,
                 address: str = "", deadline: datetime.datetime | None = None, actor) -> DisinfectionOrder:
    """A terminal disinfection order by hand (a positive environment sample, another reason)."""
    errors = {}
    place_name, address, reason = _text(place_name), _text(address), _text(reason)
    if unit is None:
        errors["unit"] = _("Choose the jurisdiction node of the place.")
    if not place_name:
        errors["place_name"] = _("Name the place to disinfect.")
    elif len(place_name) > 100:
        errors["place_name"] = _("A place name is at most 100 characters.")
    if not reason:
        errors["reason"] = _("Say why (e.g. the sample, its date and result).")
    if source not in MANUAL_SOURCES:
        errors["source"] = _("Choose the source of the order.")
    now = timezone.now()
    if deadline is not None and deadline <= now:
        errors["deadline"] = _("The deadline must be in the future.")
    if errors:
        raise ValidationError(errors)
    ensure_may(actor, "units.disinfect", unit)
    return _order_open(unit=unit, place_name=place_name, address=address, reason=reason, source=source,
                       deadline=deadline or now + datetime.timedelta(hours=deadline_hours()), actor=actor)


def _cursor(name: str) -> DisinfectionCursor:
    DisinfectionCursor.objects.get_or_create(name=name)
    # Locked for the run: a second job running at once waits, then reads the advanced cursor.
    return DisinfectionCursor.objects.select_for_update().get(name=name)


def _place_key(visit) -> str:
    basis = visit.place_code.strip().lower() or f"{_text(visit.name)}|{_text(visit.address)}".lower()
    return hashlib.sha1(basis.encode()).hexdigest()[:16]


def _once(*, source_ref: str, **fields) -> bool:
    if DisinfectionOrder.objects.filter(source_ref=source_ref).exists():
        return False
    _order_open(source_ref=source_ref, actor=None, **fields)
    return True


@transaction.atomic
def orders_for_new_cases(*, batch: int = 500) -> int:
    """One terminal disinfection order per new case's home and per place on a case's itinerary, read from tracing
    since the cursors; an order per case and place at most, however often this runs. Returns orders opened."""
    from fangkong.tracing.models import Case, PlaceVisit

    made = 0
    now = timezone.now()
    deadline = now + datetime.timedelta(hours=deadline_hours())
    cases = _cursor("cases")
    rows = list(Case.objects.filter(pk__gt=cases.last_id).select_related("person__household__unit", "unit")
                .order_by("pk")[:batch])
    for case in rows:
        person = case.person
        unit = person.household.unit if person.household_id else case.unit
        made += _once(source_ref=f"case:{case.pk}:home", unit=unit,
                      place_name=_("Home of case %(number)s") % {"number": case.number},
                      address=person.address or (str(person.household) if person.household_id else ""),
                      reason=_("Case %(number)s (%(kind)s)") % {"number": case.number,
                                                             "kind": case.get_classification_display()},
                      source=DisinfectionOrder.Source.CASE_HOME, deadline=deadline)
    if rows:
        cases.last_id = rows[-1].pk
        cases.save(update_fields=["last_id", "updated_at"])
    visits = _cursor("visits")
    rows = list(PlaceVisit.objects.filter(pk__gt=visits.last_id).select_related("case__unit").order_by("pk")[:batch])
    for visit in rows:
        if visit.kind == PlaceVisit.Kind.HOME:
            continue  # the home order above
        made += _once(source_ref=f"case:{visit.case_id}:place:{_place_key(visit)}", unit=visit.case.unit,
                      place_name=_text(visit.name) or _("Place on the itinerary"), address=_text(visit.address),
                      reason=_("Case %(number)s was there %(when)s") % {
                          "number": visit.case.number,
                          "when": timezone.localtime(visit.start).strftime("%Y-%m-%d %H:%M")},
                      source=DisinfectionOrder.Source.CASE_PLACE, deadline=deadline)
    if rows:
        visits.last_id = rows[-1].pk
        visits.save(update_fields=["last_id", "updated_at"])
    return made


# --- routine schedules -------------------------------------------------------------------------------------------

def _max_times() -> int:
    return int(getattr(settings, "UNITS_DISINFECTION_MAX_TIMES", 12))


@transaction.atomic
def schedule_create(*, unit, place_name: str, times_per_day, starts_on: datetime.date | None,
                    ends_on: datetime.date | None = None, organisation=None, actor) -> DisinfectionSchedule:
    errors = {}
    if organisation is not None:
        unit = organisation.unit
        place_name = _text(place_name) or organisation.name
    place_name = _text(place_name)
    if unit is None:
        errors["unit"] = _("Choose the jurisdiction node of the place.")
    if not place_name:
        errors["place_name"] = _("Name the place (a market, a station).")
    try:
        times = int(times_per_day)
    except (TypeError, ValueError):
        times = 0
    if not 1 <= times <= _max_times():
        errors["times_per_day"] = _("Between 1 and %(n)d times a day.") % {"n": _max_times()}
    if starts_on is None:
        errors["starts_on"] = _("Give the first day.")
    elif ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = _("The last day cannot be before the first.")
    if errors:
        raise ValidationError(errors)
    ensure_may(actor, "units.disinfect", unit)
    schedule = DisinfectionSchedule.objects.create(unit=unit, organisation=organisation, place_name=place_name[:100],
                                                   times_per_day=times, starts_on=starts_on, ends_on=ends_on,
                                                   created_by=acting_user(actor))
    audit_record(actor=actor, obj=schedule, action="create", unit_path=unit.path,
                 changes={"times_per_day": (None, times)})
    return schedule


@transaction.atomic
def schedule_stop(*, schedule: DisinfectionSchedule, actor) -> DisinfectionSchedule:
    ensure_may(actor, "units.disinfect", schedule.unit)
    if schedule.active:
        schedule.active = False
        schedule.save(update_fields=["active"])
        audit_record(actor=actor, obj=schedule, action="change", unit_path=schedule.unit.path,
                     changes={"active": (True, False)})
    return schedule


def _day_window() -> tuple[datetime.time, datetime.time]:
    start, end = getattr(settings, "UNITS_DISINFECTION_DAY", ("08:00", "20:00"))
    return datetime.time.fromisoformat(start), datetime.time.fromisoformat(end)


def slot_due_times(day: datetime.date, times: int) -> list[datetime.datetime]:
    """`times` due times spread evenly over the working day (UNITS_DISINFECTION_DAY), the last at its end."""
    start, end = _day_window()
    tz = timezone.get_current_timezone()
    begin = datetime.datetime.combine(day, start, tzinfo=tz)
    span = datetime.datetime.combine(day, end, tzinfo=tz) - begin
    return [begin + span * (i + 1) / times for i in range(times)]


@transaction.atomic
def routine_tasks_dispatch(*, day: datetime.date | None = None) -> int:
    """The day's routine disinfection tasks of every schedule in force; idempotent (one key per schedule, day and
    slot). The owner is the unit's first linked contact, else the node's unit contact on the map."""
    from django.db.models import Q

    from fangkong.tasks.services import TaskSpec, task_create_many

    day = day or timezone.localdate()
    schedules = (DisinfectionSchedule.objects.filter(active=True, starts_on__lte=day)
                 .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
                 .select_related("unit", "organisation").order_by("pk"))
    specs = []
    for schedule in schedules:
        owner = None
        if schedule.organisation_id:
            link = schedule.organisation.contacts.select_related("user").order_by("pk").first()
            owner = link.user if link else None
        for slot, due in enumerate(slot_due_times(day, schedule.times_per_day), start=1):
            specs.append(TaskSpec(
                unit=schedule.unit, owner=owner, due_at=due, subject_type=SCHEDULE_SUBJECT, subject_id=schedule.pk,
                title=f"{DISINFECTION_ROUTINE.label}: {schedule.place_name} {slot}/{schedule.times_per_day}"[:200],
                dedupe_key=f"disinfect_routine:{schedule.pk}:{day:%Y%m%d}:{slot}"))
    if not specs:
        return 0
    _tasks, created = task_create_many(kind=DISINFECTION_ROUTINE, specs=specs, actor=None)
    return created


# --- a done task: what was used ----------------------------------------------------------------------------------

def stock_places_for(unit):
    """The stock places a team may draw from for work on `unit`: active places on the node or above it."""
    from fangkong.supplies.models import Place

    return Place.objects.filter(active=True, unit_id__in=unit.ancestor_ids).order_by("-unit__depth", "name")


def disinfection_items():
    from fangkong.supplies.models import Item, ItemCategory

    return Item.objects.filter(active=True, category=ItemCategory.DISINFECTION).order_by("name")


def _int_or_none(value, field: str):
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: _("Choose from the list.")}) from None


def clean_done_data(task, outcome: str, data: dict) -> dict:
    """Product (a disinfection item of the catalogue or a name), quantity, and the stock place to issue it from.
    Disinfected needs a product; a stock place needs a catalogue item and a quantity."""
    from fangkong.supplies.stock.services import clean_quantity

    item_id = _int_or_none(data.get("item_id"), "item_id")
    place_id = _int_or_none(data.get("place_id"), "place_id")
    product = _text(data.get("product"))[:100]
    errors = {}
    item = None
    if item_id is not None:
        item = disinfection_items().filter(pk=item_id).first()
        if item is None:
            errors["item_id"] = _("Choose a disinfection product of the catalogue.")
    quantity = None
    if data.get("quantity") not in (None, ""):
        try:
            quantity = clean_quantity(data.get("quantity"))
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if outcome == "disinfected" and item_id is None and not product:
        errors["product"] = _("Say what product was used.")
    if (item_id is not None or product) and quantity is None and outcome == "disinfected":
        errors.setdefault("quantity", _("Give the quantity used."))
    if place_id is not None:
        if not stock_places_for(task.unit).filter(pk=place_id).exists():
            errors["place_id"] = _("Choose a stock place of this area.")
        elif item_id is None:
            errors["item_id"] = _("Choose the catalogue product to issue from the stock place.")
    if errors:
        raise ValidationError(errors)
    return {"item_id": item.pk if item else None, "product": product or (item.name if item else ""),
            "quantity": str(quantity) if quantity is not None else None, "place_id": place_id}


def _subject(task):
    order = schedule = None
    if task.subject_type == ORDER_SUBJECT:
        order = DisinfectionOrder.objects.select_for_update().filter(pk=task.subject_id).first()
    elif task.subject_type == SCHEDULE_SUBJECT:
        schedule = DisinfectionSchedule.objects.filter(pk=task.subject_id).first()
    return order, schedule


def disinfection_task_completed(task, outcome: str, actor) -> None:
    """Inside task_complete's transaction: the record of who, when and what was used; the stock issue (a
    consumption at the stock place: stock never goes below zero, so a shortfall refuses the whole completion);
    the order closed when the place was disinfected."""
    from fangkong.supplies.models import Item, Movement, Place
    from fangkong.supplies.stock.services import movement_record

    data = task.outcome_data or {}
    order, schedule = _subject(task)
    quantity = Decimal(data["quantity"]) if data.get("quantity") else None
    item = Item.objects.filter(pk=data.get("item_id")).first() if data.get("item_id") else None
    movement = None
    if data.get("place_id") and item is not None and quantity is not None:
        place = Place.objects.select_related("unit").get(pk=data["place_id"])
        if actor is not None and not Place.objects.visible_to(actor, "view").filter(pk=place.pk).exists():
            raise PermissionDenied("supplies.view")
        # The team draws on the place's stock; the disinfection task itself is the authority (audited here).
        movement = movement_record(place=place, item=item, kind=Movement.Kind.CONSUMPTION, quantity=quantity,
                                   actor=None, note=_("Disinfection, task no. %(id)d") % {"id": task.pk})[0]
    record = DisinfectionRecord.objects.create(
        task=task, unit=task.unit, order=order, schedule=schedule, done_at=task.closed_at or timezone.now(),
        done_by=acting_user(actor), item=item, product=data.get("product", "")[:100], quantity=quantity,
        movement=movement)
    if order is not None and outcome == "disinfected" and order.status == DisinfectionOrder.Status.OPEN:
        order.status, order.done_at = DisinfectionOrder.Status.DONE, record.done_at
        order.save(update_fields=["status", "done_at"])
        audit_record(actor=actor, obj=order, action="change", unit_path=order.unit.path,
                     changes={"status": (DisinfectionOrder.Status.OPEN, DisinfectionOrder.Status.DONE)})
    elif order is not None and order.status == DisinfectionOrder.Status.OPEN:
        # Could not get in: the place still awaits disinfection, with a new task due as soon as the order allows.
        from fangkong.tasks.services import task_create

        order.task = task_create(
            kind=DISINFECTION_TERMINAL, title=f"{DISINFECTION_TERMINAL.label}: {order.place_name}"[:200],
            unit=order.unit, due_at=max(order.deadline, timezone.now() + datetime.timedelta(hours=2)),
            subject_type=ORDER_SUBJECT, subject_id=order.pk, detail=task.outcome_note or order.reason,
            owner=task.owner, dedupe_key=f"disinfect:{order.pk}:after:{task.pk}", actor=None)
        order.save(update_fields=["task"])
