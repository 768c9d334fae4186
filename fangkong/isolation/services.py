"""Writes of centralised isolation, along flow 4 of DOMAIN.md: sites and rooms → the placement queue (the protocol's
open transfer tasks) → rooms allocated for the whole queue → transfer trips → handover at the site (only then is
the person under centralised isolation) → release, or a positive result moves them out.

A room is taken by compare-and-set on its status (available → occupied) inside the placing transaction, so two
officers confirming at once never book one room twice: the second is refused and nothing of theirs is written.

actor=None is the system.
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.scope import acting_user, ensure_may
from fangkong.audit.services import audit_record
from fangkong.isolation.models import Category, Room, Site, Stay, Trip

LIVE = (Stay.Status.PLACED, Stay.Status.IN_TRANSFER, Stay.Status.ARRIVED)
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{1,39}$")
# The protocol's categories as the rooms keep them apart.
CATEGORY_OF_MEASURE = {"close_contact": Category.CLOSE_CONTACT, "secondary_contact": Category.SECONDARY_CONTACT,
                       "arrival_high": Category.ARRIVAL, "arrival_medium": Category.ARRIVAL,
                       "arrival_low": Category.ARRIVAL, "inbound": Category.INBOUND, "co_present": Category.OTHER}
MAX_ROOMS_PER_BATCH = 2000


# --- sites and rooms -------------------------------------------------------------------------------------------


@transaction.atomic
def site_create(*, code: str, name: str, unit, address: str, actor, operator: str = "", manager_name: str = "",
                manager_phone: str = "", reserve: int = 0, category: str = "", doctor=None) -> Site:
    ensure_may(actor, "isolation.manage", unit)
    code = (code or "").strip()
    if not _CODE.match(code):
        raise ValidationError({"code": _("A site code is 2–40 letters, digits, - or _.")})
    if Site.objects.filter(code=code).exists():
        raise ValidationError({"code": _("A site with code %(code)s already exists.") % {"code": code}})
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Name the site.")})
    address = " ".join((address or "").split())
    if not address:
        raise ValidationError({"address": _("Give the site's address.")})
    if category and category not in Category.values:
        raise ValidationError({"category": _("Unknown category.")})
    if reserve < 0 or reserve > 10_000:
        raise ValidationError({"reserve": _("The reserve is a number of rooms between 0 and 10,000.")})
    site = Site.objects.create(code=code, name=name[:100], unit=unit, address=address[:200],
                               operator=(operator or "").strip()[:100], manager_name=(manager_name or "").strip()[:50],
                               manager_phone=(manager_phone or "").strip()[:20], reserve=reserve, category=category,
                               doctor=doctor)
    from fangkong.workforce.models import PostKind
    from fangkong.workforce.services import post_ensure

    # The site's duty roster lives in workforce, like every post's.
    post_ensure(kind=PostKind.ISOLATION_SITE, name=site.name, unit=unit, subject_type="isolation.site",
                subject_id=site.pk, actor=actor)
    audit_record(actor=actor, obj=site, action="create", unit_path=unit.path, changes={"code": (None, code)})
    return site


def room_numbers(*, floors: tuple[int, int], per_floor: int, start: int = 1, width: int = 2,
                 skip_digits: str = "") -> list[tuple[int, str]]:
    """(floor, number) for a floor plan pattern: floor 3, rooms 1…20 → 301 … 320. `skip_digits` leaves out room
    sequence numbers containing these digits (many hotels have no room x04 or x13); floors are never skipped."""
    first, last = floors
    if not (-5 <= first <= last <= 200) or not (1 <= per_floor <= 200) or not (0 <= start <= 99) or not 1 <= width <= 3:
        raise ValidationError({"floors": _("Floors from −5 to 200, 1 to 200 rooms a floor.")})
    rooms = []
    for floor in range(first, last + 1):
        n, made = start, 0
        while made < per_floor:
            number = f"{floor}{n:0{width}d}" if floor >= 0 else f"B{-floor}{n:0{width}d}"
            n += 1
            if skip_digits and any(d in str(n - 1) for d in skip_digits):
                continue
            rooms.append((floor, number))
            made += 1
    return rooms


@transaction.atomic
def rooms_create(*, site: Site, rooms: list[dict], actor) -> list[Room]:
    """Rooms from a pattern or a spreadsheet: dicts with number, floor, kind, beds, category. All or none; a
    number twice (in the list, or already in the site) is refused naming it."""
    ensure_may(actor, "isolation.manage", site.unit)
    if not rooms:
        raise ValidationError({"rooms": _("No rooms to create.")})
    if len(rooms) > MAX_ROOMS_PER_BATCH:
        raise ValidationError({"rooms": _("At most %(n)d rooms at a time.") % {"n": MAX_ROOMS_PER_BATCH}})
    existing = set(site.rooms.values_list("number", flat=True))
    seen, made = set(), []
    for index, row in enumerate(rooms, start=1):
        number = str(row.get("number") or "").strip().upper()
        label = _("Row %(row)d (room %(number)s)") % {"row": index, "number": number or "—"}
        if not number or len(number) > 20:
            raise ValidationError({"rooms": _("%(where)s: a room number of 1 to 20 characters.") % {"where": label}})
        if number in seen or number in existing:
            raise ValidationError({"rooms": _("Room %(number)s appears twice in this site.") % {"number": number}})
        seen.add(number)
        kind = row.get("kind") or Room.Kind.SINGLE
        if kind not in Room.Kind.values:
            raise ValidationError({"rooms": _("%(where)s: type is single or family.") % {"where": label}})
        try:
            beds = int(row.get("beds") or (1 if kind == Room.Kind.SINGLE else 3))
            floor = int(row.get("floor"))
        except (TypeError, ValueError):
            raise ValidationError({"rooms": _("%(where)s: floor and beds are whole numbers.") % {"where": label}}) \
                from None
        if not 1 <= beds <= 8:
            raise ValidationError({"rooms": _("%(where)s: 1 to 8 beds.") % {"where": label}})
        category = row.get("category") or ""
        if category and category not in Category.values:
            raise ValidationError({"rooms": _("%(where)s: unknown category.") % {"where": label}})
        made.append(Room(site=site, number=number, floor=floor, kind=kind, beds=beds, category=category,
                         status_since=timezone.now()))
    created = Room.objects.bulk_create(made)
    audit_record(actor=actor, obj=site, action="rooms_create", unit_path=site.unit.path,
                 changes={"rooms": (len(existing), len(existing) + len(created))})
    return created


@transaction.atomic
def room_status_set(*, room: Room, status: str, actor) -> Room:
    """Out of service or back; cleaning done. An occupied room changes only through its stays."""
    room = Room.objects.select_for_update(of=("self",)).select_related("site__unit").get(pk=room.pk)
    # Taking a room out of service (or back) is the manager's; cleaning done is the site staff's.
    out = Room.Status.OUT_OF_SERVICE in (status, room.status)
    ensure_may(actor, "isolation.manage" if out else "isolation.receive", room.site.unit)
    if status not in (Room.Status.AVAILABLE, Room.Status.OUT_OF_SERVICE, Room.Status.CLEANING):
        raise ValidationError({"status": _("Unknown room status.")})
    if room.status == Room.Status.OCCUPIED:
        raise ValidationError({"status": _("Room %(number)s is occupied; it is freed when its people leave.") % {
            "number": room.number}})
    previous = room.status
    room.status, room.status_since = status, timezone.now()
    room.save(update_fields=["status", "status_since"])
    audit_record(actor=actor, obj=room.site, action="room_status", unit_path=room.site.unit.path,
                 changes={room.number: (previous, status)})
    return room


# --- placement -------------------------------------------------------------------------------------------------


def category_for(measure_category: str) -> str:
    return CATEGORY_OF_MEASURE.get(measure_category, Category.OTHER)


@transaction.atomic
def placement_confirm(*, groups: list[tuple[list, Room]], actor) -> list[Stay]:
    """Put each group (queue entries from selectors.placement_queue, one household or one person) in its room.

    All or nothing: a room someone else took meanwhile, a room too small, a category the room or site does not
    hold, or an entry no longer in the queue refuses the whole confirmation, naming the room or the person."""
    now = timezone.now()
    stays = []
    used = set()
    for entries, room in groups:
        room = Room.objects.select_related("site__unit").get(pk=room.pk)
        ensure_may(actor, "isolation.place", room.site.unit)
        if room.pk in used:
            raise ValidationError({"room": _("Room %(number)s is proposed twice.") % {"number": room.number}})
        used.add(room.pk)
        if len(entries) > room.beds:
            raise ValidationError({"room": _("Room %(number)s has %(beds)d beds for %(n)d people.") % {
                "number": room.number, "beds": room.beds, "n": len(entries)}})
        categories = {entry.category for entry in entries}
        if len(categories) != 1:
            raise ValidationError({"room": _("Room %(number)s would mix categories; they are never mixed.") % {
                "number": room.number}})
        category = categories.pop()
        for reserved in (room.category, room.site.category):
            if reserved and reserved != category:
                raise ValidationError({"room": _("Room %(number)s is kept for %(category)s.") % {
                    "number": room.number, "category": Category(reserved).label}})
        if not room.site.active:
            raise ValidationError({"room": _("%(site)s is not in use.") % {"site": room.site.name}})
        # The compare-and-set that makes double-booking impossible.
        if not Room.objects.filter(pk=room.pk, status=Room.Status.AVAILABLE).update(
                status=Room.Status.OCCUPIED, status_since=now):
            raise ValidationError({"room": _("Room %(number)s of %(site)s was just taken; propose again.") % {
                "number": room.number, "site": room.site.name}})
        for entry in entries:
            if Stay.objects.filter(person_id=entry.person_id, status__in=LIVE).exists():
                raise ValidationError({"room": _("%(name)s already has a room.") % {"name": entry.name}})
            if not _still_queued(entry):
                raise ValidationError({"room": _("%(name)s is no longer in the queue.") % {"name": entry.name}})
            stays.append(Stay(person_id=entry.person_id, unit_id=entry.unit_id, task_id=entry.task_id,
                              measure_id=entry.measure_id, category=category, room=room, site=room.site,
                              queued_at=entry.queued_at, placed_at=now, placed_by=acting_user(actor)))
    created = Stay.objects.bulk_create(stays)
    for stay in created:
        audit_record(actor=actor, obj=stay.site, action="place", unit_path=stay.site.unit.path,
                     changes={"stay": (None, f"#{stay.person_id} → {stay.room.number}")})
    return created


def _still_queued(entry) -> bool:
    from fangkong.tasks.models import OPEN_STATUSES, Task

    return Task.objects.filter(pk=entry.task_id, status__in=OPEN_STATUSES).exists()


def _free_room(stay: Stay, *, cleaning: bool) -> None:
    """The room goes back once none of its people are left in it (to cleaning after someone lived there)."""
    if Stay.objects.filter(room_id=stay.room_id, status__in=LIVE).exclude(pk=stay.pk).exists():
        return
    Room.objects.filter(pk=stay.room_id).update(
        status=Room.Status.CLEANING if cleaning else Room.Status.AVAILABLE, status_since=timezone.now())


@transaction.atomic
def stay_cancel(*, stay: Stay, reason: str, actor) -> Stay:
    """Undo a placement before the transfer: the person is back in the queue and the room free."""
    stay = Stay.objects.select_for_update(of=("self",)).select_related("site__unit").get(pk=stay.pk)
    ensure_may(actor, "isolation.place", stay.site.unit)
    if stay.status != Stay.Status.PLACED:
        raise ValidationError(_("Only a placement not yet picked up can be undone."))
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Say why the placement is undone.")})
    stay.status, stay.ended_at = Stay.Status.CANCELLED, timezone.now()
    stay.save(update_fields=["status", "ended_at"])
    _free_room(stay, cleaning=False)
    audit_record(actor=actor, obj=stay.site, action="place_cancel", unit_path=stay.site.unit.path,
                 changes={"stay": (f"#{stay.person_id}", None)}, note=reason[:200])
    return stay


# --- transfer trips --------------------------------------------------------------------------------------------


@transaction.atomic
def trip_create(*, site: Site, stays: list[Stay], vehicle: str, driver_name: str, actor, driver_phone: str = "",
                escort_name: str = "", driver=None, departs_at: datetime.datetime | None = None) -> Trip:
    """A vehicle for people placed in one site; the pickup list is ordered by address."""
    ensure_may(actor, "isolation.place", site.unit)
    vehicle = "".join((vehicle or "").split()).upper()
    if not vehicle:
        raise ValidationError({"vehicle": _("Give the vehicle's plate.")})
    driver_name = " ".join((driver_name or "").split())
    if not driver_name:
        raise ValidationError({"driver_name": _("Name the driver.")})
    if not stays:
        raise ValidationError({"stays": _("Choose the people to pick up.")})
    locked = list(Stay.objects.select_for_update(of=("self",)).filter(pk__in=[s.pk for s in stays])
                  .select_related("person__household", "room"))
    for stay in locked:
        if stay.site_id != site.pk:
            raise ValidationError({"stays": _("%(name)s is placed in another site.") % {"name": stay.person.name}})
        if stay.status != Stay.Status.PLACED or stay.trip_id:
            raise ValidationError({"stays": _("%(name)s is not waiting for a transfer.") % {"name": stay.person.name}})
    if len(locked) != len(stays):
        raise ValidationError({"stays": _("Someone on the list is not placed in a room.")})
    trip = Trip.objects.create(site=site, vehicle=vehicle[:20], driver_name=driver_name[:50],
                               driver_phone=(driver_phone or "").strip()[:20], escort_name=(escort_name or "")[:50],
                               driver=driver, departs_at=departs_at, created_by=acting_user(actor))

    def address(stay):
        household = stay.person.household
        return ((household.address if household else "") or stay.person.address or "", stay.person_id)

    for order, stay in enumerate(sorted(locked, key=address), start=1):
        stay.trip, stay.pickup_order = trip, order
        stay.save(update_fields=["trip", "pickup_order"])
    audit_record(actor=actor, obj=site, action="trip_create", unit_path=site.unit.path,
                 changes={"trip": (None, f"{vehicle} × {len(locked)}")})
    return trip


def _ensure_on_trip(actor, trip: Trip) -> None:
    if actor is None:
        return
    if trip.driver_id == actor.pk:
        return
    ensure_may(actor, "isolation.transfer", trip.site.unit)


@transaction.atomic
def pickup_record(*, stay: Stay, found: bool, actor, note: str = "") -> Stay:
    """At the door: picked up, or not found — then the room is freed, the person is back in the queue and their
    grid worker gets an urgent task to find them."""
    from fangkong.tasks.services import TaskSpec, task_create_many

    stay = Stay.objects.select_for_update(of=("self",)).select_related(
        "trip__site__unit", "person__household__unit", "person__unit").get(pk=stay.pk)
    if stay.trip is None:
        raise ValidationError(_("This person is not on a trip."))
    _ensure_on_trip(actor, stay.trip)
    if stay.status != Stay.Status.PLACED:
        raise ValidationError(_("%(name)s was already picked up or marked.") % {"name": stay.person.name})
    now = timezone.now()
    if stay.trip.status == Trip.Status.PLANNED:
        Trip.objects.filter(pk=stay.trip_id).update(status=Trip.Status.UNDER_WAY)
    if found:
        stay.status, stay.picked_up_at = Stay.Status.IN_TRANSFER, now
        stay.save(update_fields=["status", "picked_up_at"])
        return stay
    stay.status, stay.ended_at = Stay.Status.NOT_FOUND, now
    stay.save(update_fields=["status", "ended_at"])
    _free_room(stay, cleaning=False)
    person = stay.person
    household = person.household if person.household_id else None
    task_create_many(kind="isolation_not_found", actor=None, specs=[TaskSpec(
        unit=household.unit if household else person.unit, person=person, household=household, priority=1,
        title=_("Find %(name)s: not at home for the transfer to %(site)s") % {"name": person.name,
                                                                              "site": stay.trip.site.name},
        detail=(note or "").strip()[:500] or _("The transfer vehicle %(vehicle)s did not find them at %(at)s.") % {
            "vehicle": stay.trip.vehicle, "at": timezone.localtime(now).strftime("%Y-%m-%d %H:%M")},
        due_at=now + datetime.timedelta(hours=1), subject_type="isolation.stay", subject_id=stay.pk,
        dedupe_key=f"isolation_not_found:{stay.pk}")])
    _trip_finish_if_done(stay.trip_id)
    return stay


@transaction.atomic
def handover_record(*, stay: Stay, received_by: str, actor, at: datetime.datetime | None = None) -> Stay:
    """At the site: the staff member who receives the person signs (name and time). Only now is the person under
    centralised isolation (the protocol's transfer task closes with "transferred")."""
    from fangkong.people.models import Person
    from fangkong.people.services import person_status_change
    from fangkong.tasks.models import OPEN_STATUSES, Task
    from fangkong.tasks.services import task_complete

    stay = Stay.objects.select_for_update(of=("self",)).select_related("site__unit", "trip", "room").get(pk=stay.pk)
    if actor is not None and not (stay.trip and stay.trip.driver_id == actor.pk):
        ensure_may(actor, "isolation.receive", stay.site.unit)
    received_by = " ".join((received_by or "").split())
    if not received_by:
        raise ValidationError({"received_by": _("The site staff member who receives the person signs with their "
                                                "name.")})
    if stay.status not in (Stay.Status.IN_TRANSFER, Stay.Status.PLACED):
        raise ValidationError(_("This person is not on the way to the site."))
    now = timezone.now()
    at = at or now
    if at > now + datetime.timedelta(minutes=5) or at < stay.placed_at - datetime.timedelta(minutes=5):
        raise ValidationError({"at": _("The handover time must be between the placement and now.")})
    stay.status, stay.arrived_at, stay.received_by = Stay.Status.ARRIVED, at, received_by[:50]
    stay.picked_up_at = stay.picked_up_at or at
    stay.arrived_on = timezone.localtime(at).date()
    stay.wait_seconds = max(0, int((at - stay.queued_at).total_seconds()))
    stay.save(update_fields=["status", "arrived_at", "received_by", "picked_up_at", "arrived_on", "wait_seconds"])
    task = Task.objects.filter(pk=stay.task_id, status__in=OPEN_STATUSES).first() if stay.task_id else None
    if task is not None:
        task_complete(task=task, outcome="transferred", actor=None,
                      note=_("Received at %(site)s, room %(room)s, by %(name)s") % {
                          "site": stay.site.name, "room": stay.room.number, "name": received_by})
    _site_takes_the_tests(stay)
    person = Person.objects.get(pk=stay.person_id)
    if person.status != "central_isolation" and person.status != "hospital":
        person_status_change(person=person, to_status="central_isolation", actor=None, at=at,
                             cause=_("Received at %(site)s") % {"site": stay.site.name})
    audit_record(actor=actor, obj=stay.site, action="handover", unit_path=stay.site.unit.path,
                 changes={"stay": (Stay.Status.IN_TRANSFER, Stay.Status.ARRIVED)}, note=received_by[:200])
    if stay.trip_id:
        _trip_finish_if_done(stay.trip_id)
    return stay


def _site_takes_the_tests(stay: Stay) -> None:
    """The protocol's test days inside the site are the site doctor's, not the grid's: the sampling tasks due before
    the centralised stage ends move to the doctor (those of a later stage at home stay with the grid)."""
    from fangkong.protocols.services import MEASURE_SUBJECT
    from fangkong.tasks.models import OPEN_STATUSES, Task
    from fangkong.tasks.services import task_reassign

    doctor = stay.site.doctor
    if doctor is None or not stay.measure_id:
        return
    tasks = Task.objects.filter(subject_type=MEASURE_SUBJECT, subject_id=stay.measure_id, status__in=OPEN_STATUSES)
    stage_end = tasks.filter(kind="measure_stage_end").order_by("due_at").values_list("due_at", flat=True).first()
    tests = tasks.filter(kind="measure_test").exclude(owner=doctor)
    if stage_end is not None:
        tests = tests.filter(due_at__lte=stage_end)
    for task in tests:
        try:
            task_reassign(task=task, owner=doctor, actor=None,
                          note=_("Sampled at %(site)s during the stay") % {"site": stay.site.name})
        except ValidationError:
            return  # a person from outside the doctor's jurisdiction: their grid keeps the tests


def _trip_finish_if_done(trip_id: int) -> None:
    if not Stay.objects.filter(trip_id=trip_id, status__in=(Stay.Status.PLACED, Stay.Status.IN_TRANSFER)).exists():
        Trip.objects.filter(pk=trip_id).exclude(status=Trip.Status.DONE).update(status=Trip.Status.DONE,
                                                                              finished_at=timezone.now())


# --- leaving -------------------------------------------------------------------------------------------------------


@transaction.atomic
def stay_release(*, stay: Stay, actor) -> Stay:
    """Release at the end of the centralised stage: the protocol's stage-end task closes as released (the person
    moves on to the next stage, e.g. home health monitoring, whose tasks their grid already has), the room goes to
    cleaning."""
    from fangkong.protocols.services import MEASURE_SUBJECT
    from fangkong.tasks.models import OPEN_STATUSES, Task
    from fangkong.tasks.services import task_complete

    stay = Stay.objects.select_for_update(of=("self",)).select_related("site__unit", "person").get(pk=stay.pk)
    ensure_may(actor, "isolation.receive", stay.site.unit)
    if stay.status != Stay.Status.ARRIVED:
        raise ValidationError(_("%(name)s is not in the site.") % {"name": stay.person.name})
    if stay.measure_id:
        end = (Task.objects.filter(subject_type=MEASURE_SUBJECT, subject_id=stay.measure_id,
                                   kind="measure_stage_end", status__in=OPEN_STATUSES).order_by("due_at").first())
        if end is not None:
            # Closed for the site (the grid owns the task; the site's staff release the person).
            task_complete(task=end, outcome="released", actor=None,
                          note=_("Released from %(site)s by %(user)s") % {
                              "site": stay.site.name, "user": getattr(actor, "username", "—")})
    stay.status, stay.ended_at = Stay.Status.RELEASED, timezone.now()
    stay.save(update_fields=["status", "ended_at"])
    _free_room(stay, cleaning=True)
    audit_record(actor=actor, obj=stay.site, action="release", unit_path=stay.site.unit.path,
                 changes={"stay": (Stay.Status.ARRIVED, Stay.Status.RELEASED)})
    return stay


def positive_moved_out(positive_case) -> None:
    """testing calls this for a positive single tube: someone in a site is a case now and leaves (tracing opens
    the case and the hospital transfer); their room goes to disinfection."""
    if positive_case.person_id is None:
        return
    for stay in Stay.objects.select_for_update(of=("self",)).filter(person_id=positive_case.person_id,
                                                                    status__in=LIVE):
        stay.status, stay.ended_at = Stay.Status.MOVED_OUT, timezone.now()
        stay.save(update_fields=["status", "ended_at"])
        _free_room(stay, cleaning=True)
