"""Writes of passes: a freight pass is requested, reviewed (issued with a signed code, or rejected), scanned at
the checkpoints of its route and perhaps revoked; a hospital issues one escort pass per patient, scanned at its
gate. Every scan is recorded, whatever it found. actor=None is the system."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.accounts.scope import acting_user, ensure_may
from fangkong.arrivals.engine.plates import PlateError, normalize_plate
from fangkong.audit.services import audit_record
from fangkong.core.paths import is_within
from fangkong.passes import codes
from fangkong.passes.models import CargoKind, Disposition, EscortPass, FreightPass, Reason, RouteStop, Scan
from fangkong.people.identity import normalize_phone, validate_resident_id

PLATE_MESSAGES = {
    "empty": gettext_lazy("Enter the vehicle's plate."),
    "province": gettext_lazy("A plate starts with a province's abbreviation, e.g. 京 or 青."),
    "authority": gettext_lazy("The second character of a plate is the issuing authority's letter (not I or O)."),
    "length": gettext_lazy("A plate has 7 characters, or 8 for a new-energy vehicle."),
    "format": gettext_lazy("This is not a valid plate (e.g. 青A12345, or 青AD12345 for a new-energy vehicle)."),
}


def max_valid_days() -> int:
    return int(getattr(settings, "PASSES_MAX_VALID_DAYS", 7))


def driver_test_hours() -> int:
    """How often the driver of a point-to-point transport is tested: the active rule set's driver_test_hours."""
    from fangkong.protocols.selectors import active_rules_or_defaults

    return int(active_rules_or_defaults().driver_test_hours)


def escort_test_hours() -> int:
    """An escort's negative test must be this recent: PASSES_ESCORT_TEST_HOURS, else the protocol's
    negative_test_hours (the checkpoints' 48 h)."""
    from fangkong.protocols.selectors import active_rules_or_defaults

    hours = getattr(settings, "PASSES_ESCORT_TEST_HOURS", None)
    return int(hours or getattr(active_rules_or_defaults(), "negative_test_hours", 48))


def _text(value, limit: int = 200) -> str:
    return " ".join(str(value or "").split())[:limit]


def _reason(value) -> str:
    reason = _text(value, 300)
    if len(reason) < 2:
        raise ValidationError({"reason": _("Give the reason.")})
    return reason


def _person_fields(errors: dict, *, name, id_number, phone, prefix: str) -> tuple[str, str, str]:
    name = _text(name, 50)
    if not name:
        errors[f"{prefix}_name"] = _("Enter the name.")
    try:
        id_number = validate_resident_id(id_number).number
    except ValidationError as exc:
        errors[f"{prefix}_id_number"] = exc.messages
    try:
        phone = normalize_phone(phone)
        if not phone:
            errors[f"{prefix}_phone"] = _("Enter a phone number the checkpoint can call.")
    except ValidationError as exc:
        errors[f"{prefix}_phone"] = exc.messages
    return name, id_number, phone


def _validity(errors: dict, valid_from, valid_to, *, max_days: int) -> None:
    if valid_from is None:
        errors["valid_from"] = _("Give the start of validity.")
    if valid_to is None:
        errors["valid_to"] = _("Give the end of validity.")
    if valid_from and valid_to:
        if valid_to <= valid_from:
            errors["valid_to"] = _("The end of validity must come after its start.")
        elif valid_to - valid_from > datetime.timedelta(days=max_days):
            errors["valid_to"] = _("A pass is valid for at most %(days)d days.") % {"days": max_days}


# --- freight passes ---------------------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def freight_pass_request(*, actor, plate: str, driver_name: str, driver_id_number: str, driver_phone: str,
                         origin: str, destination: str, cargo: str, valid_from, valid_to, checkpoints,
                         company: str = "", cargo_note: str = "", origin_unit=None, destination_unit=None,
                         unit=None) -> FreightPass:
    """A request for a pass; `checkpoints` is the route's ordered list of allowed checkpoints."""
    unit = unit or getattr(actor, "scope", None)
    ensure_may(actor, "passes.request", unit)
    errors: dict = {}
    try:
        plate = normalize_plate(plate)
    except PlateError as exc:
        errors["plate"] = PLATE_MESSAGES[exc.code]
    driver_name, driver_id_number, driver_phone = _person_fields(
        errors, name=driver_name, id_number=driver_id_number, phone=driver_phone, prefix="driver")
    origin, destination = _text(origin), _text(destination)
    if not origin:
        errors["origin"] = _("Give where the vehicle sets out from.")
    if not destination:
        errors["destination"] = _("Give where the vehicle goes.")
    if cargo not in CargoKind.values:
        errors["cargo"] = _("Choose the kind of cargo.")
    _validity(errors, valid_from, valid_to, max_days=max_valid_days())
    checkpoints = list(dict.fromkeys(checkpoints or []))
    if not checkpoints:
        errors["checkpoints"] = _("Choose the checkpoints on the route, in order.")
    elif any(not cp.active for cp in checkpoints):
        errors["checkpoints"] = _("A checkpoint on the route is closed.")
    if errors:
        raise ValidationError(errors)
    freight_pass = FreightPass.objects.create(
        unit=unit, company=_text(company, 100), plate=plate, driver_name=driver_name,
        driver_id_number=driver_id_number, driver_phone=driver_phone, origin=origin, destination=destination,
        origin_unit=origin_unit, destination_unit=destination_unit, cargo=cargo, cargo_note=_text(cargo_note),
        valid_from=valid_from, valid_to=valid_to, requested_by=acting_user(actor), requested_at=timezone.now())
    freight_pass.number = f"HY{freight_pass.pk:08d}"
    freight_pass.save(update_fields=["number"])
    RouteStop.objects.bulk_create([RouteStop(freight_pass=freight_pass, checkpoint=cp, position=n)
                                   for n, cp in enumerate(checkpoints, start=1)])
    audit_record(actor=actor, obj=freight_pass, action="create", unit_path=unit.path,
                 changes={"plate": (None, plate), "status": (None, freight_pass.status)})
    return freight_pass


def _locked(model, obj):
    return model.objects.select_for_update().select_related("unit").get(pk=obj.pk)


@transaction.atomic(durable=True)
def freight_pass_review(*, freight_pass: FreightPass, approve: bool, actor, reason: str = "") -> FreightPass:
    """Approve (the pass is issued: its code now scans as valid) or reject with a reason."""
    freight_pass = _locked(FreightPass, freight_pass)
    ensure_may(actor, "passes.review", freight_pass.unit)
    if freight_pass.status != FreightPass.Status.REQUESTED:
        raise ValidationError(_("This pass has already been reviewed."))
    before = freight_pass.status
    if approve:
        freight_pass.status = FreightPass.Status.ISSUED
    else:
        freight_pass.reject_reason = _reason(reason)
        freight_pass.status = FreightPass.Status.REJECTED
    freight_pass.reviewed_by, freight_pass.reviewed_at = acting_user(actor), timezone.now()
    freight_pass.save(update_fields=["status", "reject_reason", "reviewed_by", "reviewed_at"])
    audit_record(actor=actor, obj=freight_pass, action="change", unit_path=freight_pass.unit.path,
                 changes={"status": (before, freight_pass.status)}, note=freight_pass.reject_reason)
    return freight_pass


@transaction.atomic(durable=True)
def freight_pass_revoke(*, freight_pass: FreightPass, reason: str, actor) -> FreightPass:
    freight_pass = _locked(FreightPass, freight_pass)
    ensure_may(actor, "passes.review", freight_pass.unit)
    if freight_pass.status != FreightPass.Status.ISSUED:
        raise ValidationError(_("Only an issued pass can be revoked."))
    freight_pass.revoke_reason = _reason(reason)
    freight_pass.status = FreightPass.Status.REVOKED
    freight_pass.revoked_by, freight_pass.revoked_at = acting_user(actor), timezone.now()
    freight_pass.save(update_fields=["status", "revoke_reason", "revoked_by", "revoked_at"])
    audit_record(actor=actor, obj=freight_pass, action="change", unit_path=freight_pass.unit.path,
                 changes={"status": (FreightPass.Status.ISSUED, FreightPass.Status.REVOKED)},
                 note=freight_pass.revoke_reason)
    return freight_pass


def freight_code(freight_pass: FreightPass) -> str:
    return codes.sign(freight_pass.number, salt=codes.FREIGHT_SALT)


@dataclass
class ScanResult:
    scan: Scan
    freight_pass: FreightPass | None = None
    escort_pass: EscortPass | None = None
    test_hours: int | None = None

    @property
    def passed(self) -> bool:
        return self.scan.disposition != Disposition.REFUSED


def _validity_reason(obj, at) -> str | None:
    if at < obj.valid_from:
        return Reason.NOT_YET_VALID
    if at > obj.valid_to:
        return Reason.EXPIRED
    return None


def _freight_disposition(freight_pass: FreightPass | None, checkpoint, at) -> str:
    if freight_pass is None:
        return Reason.UNKNOWN
    if freight_pass.status == FreightPass.Status.REVOKED:
        return Reason.REVOKED
    if freight_pass.status != FreightPass.Status.ISSUED:
        return Reason.NOT_ISSUED
    reason = _validity_reason(freight_pass, at)
    if reason:
        return reason
    if not RouteStop.objects.filter(freight_pass_id=freight_pass.pk, checkpoint_id=checkpoint.pk).exists():
        return Reason.OFF_ROUTE
    return Reason.VALID


@transaction.atomic(durable=True)
def freight_pass_scan(*, code: str, checkpoint, actor, at: datetime.datetime | None = None) -> ScanResult:
    """Check a scanned code at `checkpoint` and record the scan. Valid: pass point-to-point (no stops, the
    driver tested every driver_test_hours()); otherwise refused with the reason."""
    ensure_may(actor, "passes.scan", checkpoint.unit)
    at = at or timezone.now()
    freight_pass = None
    try:
        number = codes.unsign(code, salt=codes.FREIGHT_SALT)
    except codes.ForgedCode:
        reason = Reason.FORGED
    else:
        freight_pass = FreightPass.objects.filter(number=number).first()
        reason = _freight_disposition(freight_pass, checkpoint, at)
    scan = Scan.objects.create(
        kind=Scan.Kind.FREIGHT, freight_pass=freight_pass, checkpoint=checkpoint, unit_id=checkpoint.unit_id, at=at,
        by=acting_user(actor), reason=reason, code=(code or "").strip()[:120],
        disposition=Disposition.PASS_POINT_TO_POINT if reason == Reason.VALID else Disposition.REFUSED)
    # The test interval is shown with a valid pass only: a refusal spares the rule-set query.
    return ScanResult(scan=scan, freight_pass=freight_pass,
                      test_hours=driver_test_hours() if reason == Reason.VALID else None)


# --- escort passes ----------------------------------------------------------------------------------------------


def escort_code(escort_pass: EscortPass) -> str:
    return codes.sign(escort_pass.number, salt=codes.ESCORT_SALT)


def _one_escort_message() -> str:
    return _("This patient already has a valid escort pass: revoke it before issuing another (一人一证).")


@transaction.atomic(durable=True)
def escort_pass_issue(*, actor, patient, escort_name: str, escort_id_number: str, escort_phone: str, tested_at,
                      valid_from, valid_to, ward: str = "", escort_person=None, unit=None,
                      now: datetime.datetime | None = None) -> EscortPass:
    """One named escort per patient, with a negative test no older than escort_test_hours()."""
    unit = unit or getattr(actor, "scope", None)
    ensure_may(actor, "passes.escort", unit)
    now = now or timezone.now()
    errors: dict = {}
    if patient is None:
        errors["patient"] = _("Find the patient by their ID number.")
    if escort_person is not None:
        escort_name = escort_name or escort_person.name
        escort_id_number = escort_id_number or escort_person.id_number
        escort_phone = escort_phone or escort_person.phone
    escort_name, escort_id_number, escort_phone = _person_fields(
        errors, name=escort_name, id_number=escort_id_number, phone=escort_phone, prefix="escort")
    if patient is not None and escort_id_number == getattr(patient, "id_number", None):
        errors["escort_id_number"] = _("The escort cannot be the patient.")
    hours = escort_test_hours()
    if tested_at is None:
        errors["tested_at"] = _("Give when the escort's negative test was sampled.")
    elif tested_at > now:
        errors["tested_at"] = _("The test cannot be in the future.")
    elif now - tested_at > datetime.timedelta(hours=hours):
        errors["tested_at"] = _("The escort needs a negative test within %(hours)d hours.") % {"hours": hours}
    _validity(errors, valid_from, valid_to, max_days=int(getattr(settings, "PASSES_ESCORT_MAX_VALID_DAYS", 14)))
    if patient is not None and EscortPass.objects.filter(patient=patient, status=EscortPass.Status.ACTIVE).exists():
        errors["patient"] = _one_escort_message()
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            escort_pass = EscortPass.objects.create(
                unit=unit, ward=_text(ward, 100), patient=patient, escort_person=escort_person,
                escort_name=escort_name, escort_id_number=escort_id_number, escort_phone=escort_phone,
                tested_at=tested_at, valid_from=valid_from, valid_to=valid_to, issued_by=acting_user(actor),
                issued_at=now)
    except IntegrityError:
        # Another desk issued one for the same patient a moment ago: the constraint kept it to one.
        raise ValidationError({"patient": _one_escort_message()}) from None
    escort_pass.number = f"PH{escort_pass.pk:08d}"
    escort_pass.save(update_fields=["number"])
    audit_record(actor=actor, obj=escort_pass, action="create", unit_path=unit.path,
                 changes={"patient": (None, patient.pk)})
    return escort_pass


@transaction.atomic(durable=True)
def escort_pass_test_record(*, escort_pass: EscortPass, tested_at, actor,
                            now: datetime.datetime | None = None) -> EscortPass:
    """A newer negative test of the escort keeps the pass usable at the gate."""
    escort_pass = _locked(EscortPass, escort_pass)
    ensure_may(actor, "passes.escort", escort_pass.unit)
    now = now or timezone.now()
    if tested_at is None or tested_at > now:
        raise ValidationError({"tested_at": _("Give when the escort's negative test was sampled.")})
    if tested_at <= escort_pass.tested_at:
        raise ValidationError({"tested_at": _("This test is not newer than the one on file.")})
    before = escort_pass.tested_at
    escort_pass.tested_at = tested_at
    escort_pass.save(update_fields=["tested_at"])
    audit_record(actor=actor, obj=escort_pass, action="change", unit_path=escort_pass.unit.path,
                 changes={"tested_at": (before, tested_at)})
    return escort_pass


@transaction.atomic(durable=True)
def escort_pass_revoke(*, escort_pass: EscortPass, reason: str, actor) -> EscortPass:
    escort_pass = _locked(EscortPass, escort_pass)
    ensure_may(actor, "passes.escort", escort_pass.unit)
    if escort_pass.status != EscortPass.Status.ACTIVE:
        raise ValidationError(_("This pass has already been revoked."))
    escort_pass.revoke_reason = _reason(reason)
    escort_pass.status = EscortPass.Status.REVOKED
    escort_pass.revoked_by, escort_pass.revoked_at = acting_user(actor), timezone.now()
    escort_pass.save(update_fields=["status", "revoke_reason", "revoked_by", "revoked_at"])
    audit_record(actor=actor, obj=escort_pass, action="change", unit_path=escort_pass.unit.path,
                 changes={"status": (EscortPass.Status.ACTIVE, EscortPass.Status.REVOKED)},
                 note=escort_pass.revoke_reason)
    return escort_pass


@transaction.atomic(durable=True)
def escort_pass_scan(*, code: str, actor, at: datetime.datetime | None = None, unit=None) -> ScanResult:
    """At the hospital gate (the actor's node): valid, expired, not yet valid, revoked, test overdue, another
    hospital's, or forged."""
    unit = unit or getattr(actor, "scope", None)
    ensure_may(actor, "passes.escort", unit)
    at = at or timezone.now()
    hours = escort_test_hours()
    escort_pass = None
    try:
        number = codes.unsign(code, salt=codes.ESCORT_SALT)
    except codes.ForgedCode:
        reason = Reason.FORGED
    else:
        escort_pass = EscortPass.objects.select_related("unit").filter(number=number).first()
        if escort_pass is None:
            reason = Reason.UNKNOWN
        elif escort_pass.status == EscortPass.Status.REVOKED:
            reason = Reason.REVOKED
        elif not is_within(escort_pass.unit.path, unit.path):
            reason = Reason.WRONG_HOSPITAL
        else:
            reason = _validity_reason(escort_pass, at) or (
                Reason.TEST_DUE if at - escort_pass.tested_at > datetime.timedelta(hours=hours) else Reason.VALID)
    if escort_pass is not None and reason == Reason.WRONG_HOSPITAL:
        escort_pass = None  # another hospital's pass: nothing of it is shown here
    scan = Scan.objects.create(
        kind=Scan.Kind.ESCORT, escort_pass=escort_pass, unit=unit, at=at, by=acting_user(actor), reason=reason,
        code=(code or "").strip()[:120],
        disposition=Disposition.PASS if reason == Reason.VALID else Disposition.REFUSED)
    return ScanResult(scan=scan, escort_pass=escort_pass, test_hours=hours)

