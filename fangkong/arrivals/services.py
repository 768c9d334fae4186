"""Writes of the arrivals app: checkpoints, passages and their occupants, arrivals and their sources.

The spine: a passage (event) → the disposition rule → every traveller who enters becomes an Arrival at the
destination → protocols.measure_start (measures and the first-contact task for the destination's grid worker).
A person reported through several channels within 14 days is one arrival: the new channel is added and its
source linked, nothing is created twice.

Cross-app writes caused by a hand-over (the person put on file, the protocol's measures and tasks) run as the
system (actor=None): a checkpoint in district A hands travellers to any destination in the city, far outside its
staff's own scope. The arrival's audit row names the staffer.
"""

import datetime
import hashlib
import logging
import secrets
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.scope import acting_user, ensure_unit_in_scope, unit_in_scope
from fangkong.arrivals.engine.disposition import LEVELS, Decision, decide, effective_level, highest_level
from fangkong.arrivals.engine.plates import PlateError, normalize_plate
from fangkong.arrivals.models import (
    Arrival,
    ArrivalSource,
    Channel,
    Checkpoint,
    CheckpointKind,
    Disposition,
    HealthCode,
    Occupant,
    Passage,
    ReportLink,
    SelfReport,
)
from fangkong.arrivals.origins import (
    OriginAssessment,
    arrival_category,
    assess_origin,
    fever_threshold,
    first_contact_hours,
    itinerary_level,
    parse_day,
)
from fangkong.audit.services import audit_record
from fangkong.core.masking import mask_id_number, mask_phone
from fangkong.territory.models import Level, Unit

logger = logging.getLogger(__name__)

TEMPERATURE_MIN = Decimal("34.0")
TEMPERATURE_MAX = Decimal("43.0")
# One person, one arrival: a report within this many days of an open arrival joins it.
DEDUPE_DAYS = 14
MAX_OCCUPANTS = 60

def _plate_message(code: str) -> str:
    messages = {
        "province": _("A plate starts with a province abbreviation such as 京, 豫 or 粤."),
        "authority": _("The second character of a plate is the letter of the issuing authority (A–Z, not I or O)."),
        "length": _("A plate has 7 characters, or 8 on a new-energy vehicle."),
        "format": _("This is not a possible plate: after the province and letter come 5 letters or digits "
                    "(never I or O), or 6 on a new-energy vehicle (D or F first, e.g. 京AD12345)."),
    }
    return messages.get(code, messages["format"])


def clean_plate(value: str | None) -> str | None:
    """None for a pedestrian (empty plate), the canonical plate, or ValidationError naming the problem."""
    if not (value or "").strip():
        return None
    try:
        return normalize_plate(value)
    except PlateError as exc:
        raise ValidationError(_plate_message(exc.code), code=exc.code) from None


def clean_temperature(value) -> Decimal:
    if value in (None, ""):
        raise ValidationError(_("Enter the temperature."), code="required")
    try:
        temperature = Decimal(str(value).replace("℃", "").replace("°C", "").strip()).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise ValidationError(_("Enter the temperature as a number, e.g. 36.5."), code="format") from None
    if not TEMPERATURE_MIN <= temperature <= TEMPERATURE_MAX:
        raise ValidationError(_("A body temperature is between 34 and 43 °C; %(value)s is not possible.")
                              % {"value": temperature}, code="range")
    return temperature


# --- checkpoints -------------------------------------------------------------------------------------------


@transaction.atomic
def checkpoint_create(*, name: str, kind: str, unit: Unit, location: str = "", actor) -> Checkpoint:
    """A checkpoint and its duty post in the workforce app (where its shifts are kept)."""
    ensure_unit_in_scope(actor, unit, app_label="arrivals", action="manage")
    name = " ".join((name or "").split())
    errors = {}
    if not name:
        errors["name"] = _("Enter the checkpoint's name.")
    if kind not in CheckpointKind.values:
        errors["kind"] = _("Unknown kind of checkpoint.")
    if errors:
        raise ValidationError(errors)
    checkpoint = Checkpoint.objects.create(name=name[:100], kind=kind, unit=unit, location=(location or "")[:200])
    audit_record(actor=actor, obj=checkpoint, action="create", unit_path=unit.path,
                 changes={"name": (None, checkpoint.name), "kind": (None, kind), "unit": (None, unit.pk)})
    from fangkong.workforce.services import post_ensure

    post_ensure(kind="checkpoint", name=checkpoint.name, unit=unit, subject_type="arrivals.checkpoint",
                subject_id=checkpoint.pk, actor=actor)
    return checkpoint


# --- the disposition rule, applied ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OccupantAssessment:
    origin: OriginAssessment
    level: str | None  # the highest of the origin and the itinerary
    decision: Decision
    threshold: Decimal


def occupant_assess(*, temperature, health_code: str, negative_test_within_48h: bool, origin_text: str,
                    itinerary=(), recheck_temperature=None, at=None, origin_cache: dict | None = None,
                    threshold: Decimal | None = None) -> OccupantAssessment:
    """The proposed disposition of one traveller (the checkpoint page shows it live)."""
    origin = assess_origin(origin_text, at=at, cache=origin_cache)
    level = highest_level([origin.level, itinerary_level(list(itinerary or ()), at=at)])
    threshold = fever_threshold() if threshold is None else threshold
    decision = decide(temperature=temperature, fever_threshold=threshold, health_code=health_code,
                      negative_test_within_48h=bool(negative_test_within_48h), origin_level=level,
                      origin_resolved=origin.resolved, recheck_temperature=recheck_temperature)
    return OccupantAssessment(origin=origin, level=level, decision=decision, threshold=threshold)


def reason_labels(reasons, threshold=None) -> list[str]:
    labels = {
        "fever_first_measure": _("Temperature at or above %(threshold)s °C: to the observation room, "
                                 "re-measure in 30 minutes."),
        "fever_after_recheck": _("Still at or above %(threshold)s °C after re-measuring: to the fever clinic."),
        "red_code": _("Red health code: stays in the vehicle, handed over for centralised isolation."),
        "origin_high": _("From a high-risk area: handed over to the destination."),
        "yellow_code": _("Yellow health code: persuade to return."),
        "no_code": _("No health code shown: persuade to return."),
        "no_negative_test": _("No negative test within 48 hours: persuade to return."),
        "origin_medium": _("From a medium-risk area: test on arrival."),
        "origin_low": _("From a low-risk area of an affected county: register."),
        "origin_unresolved": _("Origin could not be resolved: registered for a human to check."),
    }
    values = {"threshold": threshold if threshold is not None else ""}
    return [labels[r] % values if r in labels else r for r in reasons]


# --- passages ---------------------------------------------------------------------------------------------


@dataclass
class _CleanOccupant:
    name: str
    id_type: str
    id_number: str
    phone: str
    temperature: Decimal
    recheck_temperature: Decimal | None
    health_code: str
    negative_test_within_48h: bool
    itinerary: list
    left_origin_on: datetime.date
    destination: Unit | None
    destination_address: str
    assessment: OccupantAssessment
    disposition: str
    override_reason: str


def _city_root_path(unit: Unit) -> str:
    return "/" + unit.path.strip("/").split("/")[0] + "/"


def resolve_destination(value, *, root_path: str | None = None) -> Unit | None:
    """A Unit, its id, or its code; None when missing or outside the city of `root_path`."""
    if value in (None, ""):
        return None
    if isinstance(value, Unit):
        unit = value
    elif isinstance(value, int) or (isinstance(value, str) and value.isdigit() and len(value) < 9):
        unit = Unit.objects.filter(pk=int(value)).first() or Unit.objects.filter(code=str(value)).first()
    else:
        unit = Unit.objects.filter(code=str(value).strip()).first()
    if unit is None or unit.level == Level.BUILDING or unit.level < Level.STREET:
        return None
    if root_path and not unit.path.startswith(root_path):
        return None
    return unit


def _clean_itinerary(value) -> list[dict]:
    if not value:
        return []
    if not isinstance(value, list) or len(value) > 60:
        raise ValidationError(_("The itinerary is a list of places with code, name and date."))
    stops = []
    for stop in value:
        if not isinstance(stop, dict):
            raise ValidationError(_("The itinerary is a list of places with code, name and date."))
        day = parse_day(stop.get("date"))
        if day is None:
            raise ValidationError(_("Every place of the itinerary needs a date (YYYY-MM-DD)."))
        stops.append({"code": str(stop.get("code") or "")[:12], "name": str(stop.get("name") or "")[:200],
                      "date": day.isoformat()})
    return stops


def clean_occupant(data: dict, *, arrived_on: datetime.date, at, root_path: str, threshold: Decimal,
                   origin_cache: dict) -> tuple[_CleanOccupant | None, dict]:
    """Check one traveller: (cleaned, {}) or (None, {field: [messages]})."""
    from fangkong.people.identity import normalize_phone, validate_document
    from fangkong.people.models import IdType

    errors: dict[str, list] = {}

    def fail(field, message):
        errors.setdefault(field, []).append(message)

    name = " ".join(str(data.get("name") or "").split())[:50]
    id_number = str(data.get("id_number") or "").strip()
    id_type = str(data.get("id_type") or IdType.RESIDENT)
    if id_number:
        try:
            identity = validate_document(id_type, id_number)
            id_type, id_number = identity.id_type, identity.number
        except ValidationError as exc:
            for message in exc.messages:
                fail("id_number", message)
    else:
        id_type = ""
    try:
        phone = normalize_phone(str(data.get("phone") or ""))
    except ValidationError as exc:
        phone = ""
        for message in exc.messages:
            fail("phone", message)
    if not name:
        fail("name", _("Enter the traveller's name."))
    if not id_number and not phone and "id_number" not in errors and "phone" not in errors:
        fail("id_number", _("Enter the ID number, or the name and a phone number."))
    temperature = recheck = None
    try:
        temperature = clean_temperature(data.get("temperature"))
    except ValidationError as exc:
        fail("temperature", exc.messages[0])
    if data.get("recheck_temperature") not in (None, ""):
        try:
            recheck = clean_temperature(data.get("recheck_temperature"))
        except ValidationError as exc:
            fail("recheck_temperature", exc.messages[0])
    health_code = str(data.get("health_code") or "")
    if health_code not in HealthCode.values:
        fail("health_code", _("Choose the colour of the health code, or “no code shown”."))
    origin_text = " ".join(str(data.get("origin_text") or "").split())[:200]
    if not origin_text:
        fail("origin_text", _("Enter where the traveller comes from."))
    try:
        itinerary = _clean_itinerary(data.get("itinerary"))
    except ValidationError as exc:
        itinerary = []
        fail("itinerary", exc.messages[0])
    left_on = data.get("left_origin_on")
    left_origin_on = parse_day(left_on) if left_on not in (None, "") else arrived_on
    if left_origin_on is None:
        fail("left_origin_on", _("Enter the date as YYYY-MM-DD."))
    elif left_origin_on > arrived_on:
        fail("left_origin_on", _("The day the traveller left cannot be after the day of arrival."))
    elif left_origin_on < arrived_on - datetime.timedelta(days=365):
        fail("left_origin_on", _("The day the traveller left is more than a year ago."))
    raw_destination = data.get("destination")
    destination = resolve_destination(raw_destination, root_path=root_path)
    if raw_destination not in (None, "") and destination is None:
        fail("destination", _("Unknown destination: choose a street, community or grid of this city."))
    destination_address = " ".join(str(data.get("destination_address") or "").split())[:200]
    if errors:
        return None, errors
    assessment = occupant_assess(temperature=temperature, health_code=health_code,
                                 negative_test_within_48h=_truthy(data.get("negative_test_within_48h")),
                                 origin_text=origin_text, itinerary=itinerary, recheck_temperature=recheck, at=at,
                                 origin_cache=origin_cache, threshold=threshold)
    proposed = assessment.decision.disposition.value
    override = str(data.get("override") or "").strip()
    override_reason = " ".join(str(data.get("override_reason") or "").split())[:200]
    disposition = proposed
    if override and override != proposed:
        if override not in Disposition.values:
            fail("override", _("Unknown disposition."))
        elif len(override_reason) < 2:
            fail("override_reason", _("Say why the proposed disposition is overridden."))
        else:
            disposition = override
    else:
        override_reason = ""
    if Decision(disposition, ()).enters and destination is None and "destination" not in errors:
        fail("destination", _("Choose the destination: the traveller is handed over to its grid."))
    if errors:
        return None, errors
    return _CleanOccupant(
        name=name, id_type=id_type, id_number=id_number, phone=phone, temperature=temperature,
        recheck_temperature=recheck, health_code=health_code,
        negative_test_within_48h=_truthy(data.get("negative_test_within_48h")), itinerary=itinerary,
        left_origin_on=left_origin_on, destination=destination, destination_address=destination_address,
        assessment=assessment, disposition=disposition, override_reason=override_reason,
    ), {}


def _truthy(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on", "y", "是")
    return bool(value)


def passage_record(*, checkpoint: Checkpoint, plate: str | None, occupants: list[dict], client_key: str, actor,
                   at: datetime.datetime | None = None, direction: str = Passage.Direction.IN) -> Passage:
    """Record a vehicle (or pedestrian) and its occupants, all or nothing.

    Idempotent on `client_key`: a key seen before returns the passage stored then, unchanged (a phone that
    resends its offline queue never records a car twice). Every occupant who enters (not passed, persuaded or
    kept in observation) becomes an Arrival at the destination with the protocol's measures.
    Errors are keyed "plate", "client_key", "occupants" or "occupants.<index>.<field>".
    """
    client_key = (client_key or "").strip()
    if not client_key or len(client_key) > 64:
        raise ValidationError({"client_key": _("A record needs a client key of 1 to 64 characters.")})
    existing = Passage.objects.filter(client_key=client_key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return _passage_record(checkpoint=checkpoint, plate=plate, occupants=occupants, client_key=client_key,
                                   actor=actor, at=at, direction=direction)
    except IntegrityError:
        # The same record arrived twice at once: the other request stored it.
        existing = Passage.objects.filter(client_key=client_key).first()
        if existing is None:
            raise
        return existing


def _passage_record(*, checkpoint, plate, occupants, client_key, actor, at, direction) -> Passage:
    ensure_unit_in_scope(actor, checkpoint.unit, app_label="arrivals", action="register")
    if actor is not None and not Checkpoint.objects.visible_to(actor, "register").filter(pk=checkpoint.pk).exists():
        raise PermissionDenied("outside your jurisdiction")
    now = timezone.now()
    at = at or now
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    errors: dict[str, list] = {}
    if not checkpoint.active:
        errors["checkpoint"] = [_("This checkpoint is closed.")]
    if at > now + datetime.timedelta(minutes=10):
        errors["at"] = [_("A passage cannot be in the future.")]
    if direction not in Passage.Direction.values:
        errors["direction"] = [_("Unknown direction.")]
    try:
        plate = clean_plate(plate)
    except ValidationError as exc:
        errors["plate"] = exc.messages
    if not occupants:
        errors["occupants"] = [_("Add at least one person.")]
    elif len(occupants) > MAX_OCCUPANTS:
        errors["occupants"] = [_("At most %(count)d people per passage.") % {"count": MAX_OCCUPANTS}]
    arrived_on = timezone.localdate(at)
    root_path = _city_root_path(checkpoint.unit)
    threshold = fever_threshold()
    cache: dict = {}
    cleaned = []
    seen_ids: dict[tuple[str, str], int] = {}
    for index, data in enumerate(occupants or []):
        occupant, occupant_errors = clean_occupant(data or {}, arrived_on=arrived_on, at=at, root_path=root_path,
                                                   threshold=threshold, origin_cache=cache)
        if occupant is not None and occupant.id_number:
            key = (occupant.id_type, occupant.id_number)
            if key in seen_ids:
                occupant_errors = {"id_number": [_("The same ID number is given for person %(n)d.")
                                                 % {"n": seen_ids[key] + 1}]}
            seen_ids.setdefault(key, index)
        for field, messages in occupant_errors.items():
            errors[f"occupants.{index}.{field}"] = messages
        cleaned.append(occupant)
    if errors:
        raise ValidationError(errors)
    passage = Passage.objects.create(checkpoint=checkpoint, at=at, plate=plate, direction=direction,
                                     recorded_by=acting_user(actor), client_key=client_key)
    rows = Occupant.objects.bulk_create([_occupant_row(passage, c) for c in cleaned])
    audit_record(actor=actor, obj=passage, action="create", unit_path=checkpoint.unit.path,
                 changes={"plate": (None, plate), "occupants": (None, len(rows)),
                          "dispositions": (None, ",".join(sorted({r.disposition for r in rows})))})
    for row, occupant in zip(rows, cleaned, strict=True):
        if Decision(row.disposition, ()).enters:
            _register_occupant(row, occupant, actor=actor, at=at)
    return passage


def _occupant_row(passage: Passage, c: _CleanOccupant) -> Occupant:
    return Occupant(
        passage=passage, name=c.name, id_type=c.id_type, id_number=c.id_number, phone=c.phone,
        temperature=c.temperature, recheck_temperature=c.recheck_temperature, health_code=c.health_code,
        negative_test_within_48h=c.negative_test_within_48h, origin_text=c.assessment.origin.text,
        origin_code=c.assessment.origin.code, origin_resolved=c.assessment.origin.resolved,
        origin_level=c.assessment.level or "", itinerary=c.itinerary, left_origin_on=c.left_origin_on,
        destination=c.destination, destination_address=c.destination_address,
        proposed_disposition=c.assessment.decision.disposition.value, disposition=c.disposition,
        override_reason=c.override_reason, reasons=",".join(c.assessment.decision.reasons)[:200],
    )


def _register_occupant(row: Occupant, c: _CleanOccupant | None, *, actor, at) -> Arrival:
    level = effective_level(origin_level=row.origin_level or None, health_code=row.health_code)
    arrival = arrival_register(
        channel=Channel.CHECKPOINT, name=row.name, id_type=row.id_type, id_number=row.id_number, phone=row.phone,
        origin_code=row.origin_code, origin_name=row.origin_text, origin_level=level,
        left_origin_on=row.left_origin_on, destination=row.destination,
        destination_address=row.destination_address, arrived_on=timezone.localdate(at), occupant=row, actor=actor,
        checked=True,
    )
    if arrival.person_id and row.person_id != arrival.person_id:
        row.person_id = arrival.person_id
        row.save(update_fields=["person"])
    return arrival


@transaction.atomic
def occupant_remeasure(*, occupant: Occupant, temperature, actor) -> Occupant:
    """The re-measure 30 minutes after a high first reading: settles the disposition, hands over if they enter."""
    occupant = Occupant.objects.select_for_update().select_related("passage__checkpoint__unit").get(pk=occupant.pk)
    checkpoint = occupant.passage.checkpoint
    ensure_unit_in_scope(actor, checkpoint.unit, app_label="arrivals", action="register")
    if occupant.disposition != Disposition.OBSERVATION:
        raise ValidationError({"recheck_temperature": _("This traveller is not waiting for a re-measure.")})
    try:
        recheck = clean_temperature(temperature)
    except ValidationError as exc:
        raise ValidationError({"recheck_temperature": exc.messages}) from None
    decision = decide(temperature=occupant.temperature, fever_threshold=fever_threshold(),
                      health_code=occupant.health_code, negative_test_within_48h=occupant.negative_test_within_48h,
                      origin_level=occupant.origin_level or None, origin_resolved=occupant.origin_resolved,
                      recheck_temperature=recheck)
    if decision.enters and occupant.destination_id is None:
        raise ValidationError({"destination": _("Choose the destination: the traveller is handed over to its grid.")})
    before = occupant.disposition
    occupant.recheck_temperature = recheck
    occupant.proposed_disposition = occupant.disposition = decision.disposition.value
    occupant.reasons = ",".join(decision.reasons)[:200]
    occupant.save(update_fields=["recheck_temperature", "proposed_disposition", "disposition", "reasons"])
    audit_record(actor=actor, obj=occupant.passage, action="remeasure", unit_path=checkpoint.unit.path,
                 changes={"disposition": (before, occupant.disposition), "recheck_temperature": (None, str(recheck))})
    if decision.enters:
        _register_occupant(occupant, None, actor=actor, at=timezone.now())
    return occupant


# --- arrivals ---------------------------------------------------------------------------------------------


def _find_person(id_type: str, id_number: str):
    # The document is the key across the whole city: a checkpoint must find a person filed in another district.
    from fangkong.people.selectors import person_by_document

    return person_by_document(id_type=id_type, id_number=id_number)


def _person_for(*, name, id_type, id_number, phone, destination, destination_address, actor):
    from fangkong.people.services import person_create

    person = _find_person(id_type, id_number)
    if person is not None or not id_number:
        return person
    people_actor = actor if unit_in_scope(actor, destination, "change", capability_app="people") else None
    return person_create(name=name, id_type=id_type, id_number=id_number, phone=phone, unit=destination,
                         address=destination_address, actor=people_actor, cause=_("Arrival registered"))


def open_arrival_for(*, person=None, id_type: str = "", id_number: str = "", phone: str = "", on=None,
                     lock: bool = False) -> Arrival | None:
    """The open arrival this report joins: the same person (or document, or phone when there is no document)
    registered within the last DEDUPE_DAYS days."""
    on = on or timezone.localdate()
    qs = Arrival.objects.filter(status=Arrival.Status.OPEN, arrived_on__gte=on - datetime.timedelta(days=DEDUPE_DAYS))
    if person is not None:
        qs = qs.filter(person=person) | qs.filter(id_type=person.id_type, id_number=person.id_number)
    elif id_number:
        qs = qs.filter(id_type=id_type, id_number=id_number)
    elif phone:
        qs = qs.filter(phone=phone, id_number="")
    else:
        return None
    if lock:
        qs = qs.select_for_update()
    return qs.order_by("-arrived_on", "-pk").first()


@transaction.atomic
def arrival_register(*, channel: str, name: str, id_type: str = "", id_number: str = "", phone: str = "",
                     origin_code: str = "", origin_name: str, origin_level: str | None,
                     left_origin_on: datetime.date, destination: Unit, destination_address: str = "", actor,
                     arrived_on: datetime.date | None = None, occupant: Occupant | None = None,
                     self_report: SelfReport | None = None, batch=None, checked: bool = False) -> Arrival:
    """One traveller at a destination, however they were reported; returns the (possibly existing) arrival.

    The person is found by document or put on file at the destination; a new arrival starts the protocol's
    measures for its risk level (protocols.measure_start: first contact for the destination's grid worker within
    the protocol's deadline, tests, isolation). An arrival without a document or without a risk level still gets
    a first-contact task, so that no one is left as a note.
    """
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    if not checked:
        _check_register(destination=destination, actor=actor, channel=channel)
    if origin_level not in (None, "") and origin_level not in LEVELS:
        raise ValidationError({"origin_level": _("Unknown risk level.")})
    arrived_on = arrived_on or timezone.localdate()
    person = _person_for(name=name, id_type=id_type, id_number=id_number, phone=phone, destination=destination,
                         destination_address=destination_address, actor=actor)
    arrival = open_arrival_for(person=person, id_type=id_type, id_number=id_number, phone=phone, on=arrived_on,
                               lock=True)
    source = dict(channel=channel, occupant=occupant, self_report=self_report, batch=batch,
                  recorded_by=acting_user(actor))
    if arrival is not None:
        _join(arrival, channel=channel, origin_code=origin_code, origin_name=origin_name, origin_level=origin_level,
              left_origin_on=left_origin_on, actor=actor, source=source)
        return arrival
    arrival = Arrival.objects.create(
        person=person, name=(person.name if person else name)[:50], id_type=id_type, id_number=id_number,
        phone=phone, origin_code=origin_code or "", origin_name=(origin_name or "")[:200],
        origin_level=origin_level or "", left_origin_on=left_origin_on, arrived_on=arrived_on,
        destination=destination, destination_address=(destination_address or "")[:200], channels=[channel],
        created_by=acting_user(actor),
    )
    ArrivalSource.objects.create(arrival=arrival, **source)
    audit_record(actor=actor, obj=arrival, action="create", unit_path=destination.path,
                 changes={"channel": (None, channel), "origin": (None, arrival.origin_name),
                          "level": (None, arrival.origin_level), "id_number": (None, mask_id_number(id_number)),
                          "phone": (None, mask_phone(phone))})
    _hand_over(arrival)
    return arrival


def _check_register(*, destination, actor, channel) -> None:
    if destination is None:
        raise ValidationError({"destination": _("Choose the destination.")})
    if actor is None:
        return
    action = "import" if channel == Channel.COORDINATION_LIST else "register"
    ensure_unit_in_scope(actor, destination, app_label="arrivals", action=action)


def _join(arrival: Arrival, *, channel, origin_code, origin_name, origin_level, left_origin_on, actor, source):
    changes = {}
    if channel not in arrival.channels:
        changes["channels"] = (",".join(arrival.channels), ",".join([*arrival.channels, channel]))
        arrival.channels = [*arrival.channels, channel]
    upgraded = origin_level and highest_level([origin_level, arrival.origin_level or None]) != (
        arrival.origin_level or None)
    if upgraded:
        # A later report from a riskier place: the measures follow the higher level.
        changes["level"] = (arrival.origin_level, origin_level)
        arrival.origin_level, arrival.origin_code = origin_level, origin_code or arrival.origin_code
        arrival.origin_name = (origin_name or arrival.origin_name)[:200]
        arrival.left_origin_on = left_origin_on or arrival.left_origin_on
    arrival.save(update_fields=["channels", "origin_level", "origin_code", "origin_name", "left_origin_on"])
    ArrivalSource.objects.create(arrival=arrival, **source)
    audit_record(actor=actor, obj=arrival, action="join", unit_path=arrival.destination.path, changes=changes,
                 note=channel)
    if upgraded:
        _hand_over(arrival)


def _hand_over(arrival: Arrival) -> None:
    # Queued with the arrival, in its transaction: the worker starts the measures once it is committed.
    from fangkong.arrivals.jobs import hand_over_arrival

    hand_over_arrival.enqueue(arrival.pk)


def arrival_start_measures(*, arrival: Arrival) -> Arrival:
    """Hand the arrival to the protocol: measures and the first-contact task (as the system)."""
    from fangkong.tasks.services import task_create

    level = arrival.origin_level or None
    registered_at = arrival.created_at or timezone.now()
    task = None
    if arrival.person_id and level:
        from fangkong.protocols.services import measure_start

        category = arrival_category(level)
        measure = measure_start(person=arrival.person, category=category, day_one=arrival.left_origin_on,
                                actor=None, source="arrivals.arrival", source_ref=str(arrival.pk),
                                registered_at=registered_at)
        arrival.measure_id, arrival.category = measure.pk, category
        task = _measure_first_contact(measure.pk, arrival.person_id)
    if task is None:
        # No measure (no risk level, or no document yet): a human still reaches the traveller first.
        hours = first_contact_hours(arrival.category or None)
        kind = "first_contact" if arrival.person_id else "follow_up"
        title = (_("First contact with arrival %(name)s") if arrival.person_id
                 else _("Identify and contact arrival %(name)s (%(phone)s)")) % {
            "name": arrival.name, "phone": mask_phone(arrival.phone)}
        task = task_create(
            kind=kind, title=title[:200], unit=arrival.destination, person=arrival.person,
            subject_type="arrivals.arrival", subject_id=arrival.pk,
            detail=_("From %(origin)s, left on %(day)s. Destination: %(address)s") % {
                "origin": arrival.origin_name, "day": arrival.left_origin_on.isoformat(),
                "address": arrival.destination_address},
            due_at=registered_at + datetime.timedelta(hours=hours) if hours else None,
            dedupe_key=f"arrival:{arrival.pk}:first_contact", actor=None,
        )
    arrival.first_contact_task = task
    arrival.save(update_fields=["measure_id", "category", "first_contact_task"])
    return arrival


def _measure_first_contact(measure_id: int, person_id: int):
    # The first-contact task protocols.measure_start opened (its dedupe keys are "measure:<id>:<n>").
    from fangkong.tasks.models import Task

    return (Task.objects.filter(person_id=person_id, kind="first_contact",
                                dedupe_key__startswith=f"measure:{measure_id}:").order_by("pk").first())


def arrival_register_community(*, actor, name: str, id_type: str = "", id_number: str = "", phone: str = "",
                               origin_text: str, left_origin_on, destination: Unit, destination_address: str = "",
                               arrived_on=None) -> Arrival:
    """A grid worker's registration of someone who arrived (摸排): checked like a checkpoint's occupant."""
    return _register_checked(channel=Channel.COMMUNITY, actor=actor, name=name, id_type=id_type,
                             id_number=id_number, phone=phone, origin_text=origin_text,
                             left_origin_on=left_origin_on, destination=destination,
                             destination_address=destination_address, arrived_on=arrived_on)


@transaction.atomic
def _register_checked(*, channel, actor, name, id_type, id_number, phone, origin_text, left_origin_on, destination,
                      destination_address, arrived_on=None, self_report=None) -> Arrival:
    from fangkong.people.identity import normalize_phone, validate_document
    from fangkong.people.models import IdType

    _check_register(destination=destination, actor=actor, channel=channel)
    errors = {}
    name = " ".join((name or "").split())[:50]
    if not name:
        errors["name"] = [_("Enter the traveller's name.")]
    if id_number:
        try:
            identity = validate_document(id_type or IdType.RESIDENT, id_number)
            id_type, id_number = identity.id_type, identity.number
        except ValidationError as exc:
            errors["id_number"] = exc.messages
    else:
        id_type = ""
    try:
        phone = normalize_phone(phone)
    except ValidationError as exc:
        errors["phone"] = exc.messages
    if not id_number and not phone and "id_number" not in errors and "phone" not in errors:
        errors["id_number"] = [_("Enter the ID number, or the name and a phone number.")]
    arrived_on = arrived_on or timezone.localdate()
    left = parse_day(left_origin_on)
    if left is None:
        errors["left_origin_on"] = [_("Enter the date as YYYY-MM-DD.")]
    elif left > arrived_on:
        errors["left_origin_on"] = [_("The day the traveller left cannot be after the day of arrival.")]
    if not (origin_text or "").strip():
        errors["origin_text"] = [_("Enter where the traveller comes from.")]
    if errors:
        raise ValidationError(errors)
    origin = assess_origin(origin_text)
    return arrival_register(channel=channel, name=name, id_type=id_type, id_number=id_number, phone=phone,
                            origin_code=origin.code, origin_name=origin.text, origin_level=origin.level,
                            left_origin_on=left, destination=destination, destination_address=destination_address,
                            arrived_on=arrived_on, actor=actor, self_report=self_report, checked=True)


# --- self-reports from the public page -------------------------------------------------------------------


class RateLimited(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def ip_hash(ip: str | None) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{ip or '-'}".encode()).hexdigest()


def self_report_limits() -> tuple[int, int]:
    """(per address per hour, per phone per day)."""
    return (getattr(settings, "ARRIVALS_SELF_REPORT_PER_IP_HOUR", 5),
            getattr(settings, "ARRIVALS_SELF_REPORT_PER_PHONE_DAY", 3))


@transaction.atomic
def self_report_submit(*, link: ReportLink, name: str, id_number: str, phone: str, origin_text: str,
                       left_origin_on, destination: Unit | None, destination_address: str, ip: str | None) -> Arrival:
    """A traveller's own report through the QR page: limited per address and per phone, then one arrival."""
    from fangkong.people.identity import normalize_phone

    if not link.active:
        raise ValidationError(_("This link is no longer in use."))
    per_ip, per_phone = self_report_limits()
    now = timezone.now()
    hashed = ip_hash(ip)
    if SelfReport.objects.filter(ip_hash=hashed, created_at__gte=now - datetime.timedelta(hours=1)).count() >= per_ip:
        raise RateLimited(_("Too many reports from this network in the last hour. Please try again later, or tell "
                            "the staff at the checkpoint or your community."))
    try:
        phone = normalize_phone(phone)
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from None
    if not phone:
        raise ValidationError({"phone": _("Enter your phone number, so that your community can reach you.")})
    if SelfReport.objects.filter(phone=phone, created_at__gte=now - datetime.timedelta(days=1)).count() >= per_phone:
        raise RateLimited(_("This phone number has already reported %(count)d times today; your community has your "
                            "report and will call you.") % {"count": per_phone})
    if not id_number:
        raise ValidationError({"id_number": _("Enter your ID number.")})
    destination = destination or link.unit
    if link.checkpoint_id is None and not destination.path.startswith(link.unit.path):
        raise ValidationError({"destination": _("Choose a destination in this area.")})
    left = parse_day(left_origin_on)
    report = SelfReport.objects.create(
        link=link, name=(name or "")[:50], id_number=(id_number or "")[:32], phone=phone,
        origin_text=(origin_text or "")[:200], left_origin_on=left or timezone.localdate(), destination=destination,
        destination_address=(destination_address or "")[:200], ip_hash=hashed,
    )
    return _register_checked(channel=Channel.SELF_REPORT, actor=None, name=name, id_type="", id_number=id_number,
                             phone=phone, origin_text=origin_text, left_origin_on=left_origin_on,
                             destination=destination, destination_address=destination_address, self_report=report)


@transaction.atomic
def report_link_create(*, unit: Unit, actor, checkpoint: Checkpoint | None = None) -> ReportLink:
    target = checkpoint.unit if checkpoint is not None else unit
    ensure_unit_in_scope(actor, target, app_label="arrivals", action="manage")
    link = ReportLink.objects.create(token=secrets.token_urlsafe(12)[:16], checkpoint=checkpoint, unit=target)
    audit_record(actor=actor, obj=link, action="create", unit_path=target.path,
                 changes={"checkpoint": (None, checkpoint.pk if checkpoint else None)})
    return link


# --- risk's "expand the risk range": who came from an area ------------------------------------------------------


def itinerary_persons(area, since: datetime.datetime):
    """Persons whose arrival or checkpoint itinerary touched `area` since `since` (registered with risk)."""
    code = str(getattr(area, "code", "") or getattr(area, "region_code", "") or "")
    name = str(getattr(area, "name", "") or "")
    if not code:
        return []
    since_day = timezone.localdate(since) if timezone.is_aware(since) else since.date()
    found = set(Arrival.objects.filter(origin_code__startswith=code, arrived_on__gte=since_day,
                                       person__isnull=False).values_list("person_id", flat=True)[:100000])
    rows = (Occupant.objects.filter(passage__at__gte=since, person__isnull=False).exclude(itinerary=[])
            .values_list("person_id", "itinerary")[:100000])
    for person_id, itinerary in rows:
        for stop in itinerary or ():
            if str(stop.get("code", "")).startswith(code) and (len(code) < 9 or not name
                                                                 or name in str(stop.get("name", ""))):
                found.add(person_id)
                break
    return sorted(found)
