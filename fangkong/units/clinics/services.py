"""Writes of fever clinics and sentinel pharmacies: registering a unit as one, linking its staff, and the fever
patient report (预检分诊) with the tasks it opens. actor=None is the system."""

import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.roles import Role, has_capability
from fangkong.accounts.scope import acting_user
from fangkong.audit.services import audit_record
from fangkong.core.paths import is_within
from fangkong.tasks.models import Task
from fangkong.units.access import ensure_org_may
from fangkong.units.kinds_disinfection import FEVER_SENT_HOME_FOLLOWUP, FEVER_SUBJECT, FEVER_TEST_DUE
from fangkong.units.models import Clinic, ClinicKind, ClinicStaff, FeverReport, Organisation

TEXT_MAX = 300


def _text(value) -> str:
    return " ".join(str(value or "").split())


def temperature_range() -> tuple[Decimal, Decimal]:
    low, high = getattr(settings, "UNITS_FEVER_TEMPERATURE_RANGE", ("34.0", "43.0"))
    return Decimal(low), Decimal(high)


def test_turnaround_hours() -> int:
    """The fever clinic's test turnaround (DOMAIN.md: ≤ 6 h): the active rule set's fever_clinic_result_hours."""
    from fangkong.protocols.selectors import active_rules_or_defaults

    return int(active_rules_or_defaults().fever_clinic_result_hours)


# --- clinics and their staff -------------------------------------------------------------------------------------

@transaction.atomic
def clinic_register(*, organisation: Organisation, kind: str, actor) -> Clinic:
    ensure_org_may(actor, "units.change", organisation)
    if kind not in ClinicKind.values:
        raise ValidationError({"kind": _("Choose whether it is a fever clinic, a fever consulting room or a "
                                         "sentinel pharmacy.")})
    if Clinic.objects.filter(organisation=organisation).exists():
        raise ValidationError({"organisation": _("%(unit)s already reports fever patients.")
                               % {"unit": organisation.name}})
    clinic = Clinic.objects.create(organisation=organisation, kind=kind)
    audit_record(actor=actor, obj=clinic, action="create", unit_path=organisation.unit.path,
                 changes={"kind": (None, kind)})
    return clinic


@transaction.atomic
def clinic_staff_link(*, clinic: Clinic, user, actor) -> ClinicStaff:
    """Link a staff user with the role fever clinic whose scope node covers the clinic's node."""
    organisation = clinic.organisation
    ensure_org_may(actor, "units.change", organisation)
    if user is None or user.role != Role.CLINIC or not user.is_active:
        raise ValidationError({"username": _("Choose an active user with the role fever clinic.")})
    if not user.scope_path or not is_within(organisation.unit.path, user.scope_path):
        raise ValidationError({"username": _("%(user)s's scope does not cover %(unit)s.")
                               % {"user": user, "unit": organisation.unit.name}})
    link, made = ClinicStaff.objects.get_or_create(clinic=clinic, user=user)
    if made:
        audit_record(actor=actor, obj=clinic, action="change", unit_path=organisation.unit.path,
                     changes={"staff": (None, user.username)})
    return link


def is_staff_of(user, clinic: Clinic) -> bool:
    return user is not None and ClinicStaff.objects.filter(clinic=clinic, user=user).exists()


def _ensure_may_report(actor, clinic: Clinic) -> None:
    if actor is None:
        return
    if not has_capability(actor, "units.fever_report") or not is_staff_of(actor, clinic):
        raise PermissionDenied("units.fever_report")
    if not clinic.active:
        raise ValidationError(_("%(unit)s no longer reports fever patients.") % {"unit": clinic.organisation.name})


# --- the fever patient report ------------------------------------------------------------------------------------

def _clean_temperature(value) -> Decimal | None:
    try:
        temperature = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError, TypeError):
        return None
    if not temperature.is_finite():
        return None
    return temperature


def _clean_report(*, name, id_number, phone, temperature, symptoms, history, disposition) -> dict:
    from fangkong.people.identity import normalize_phone, validate_resident_id

    errors = {}
    name = _text(name)
    if not name:
        errors["name"] = _("Enter the patient's name.")
    elif len(name) > 50:
        errors["name"] = _("A name has at most 50 characters.")
    identity = None
    try:
        identity = validate_resident_id(id_number)
    except ValidationError as exc:
        errors["id_number"] = exc.messages
    phone = _text(phone)
    if phone:
        try:
            phone = normalize_phone(phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages
    low, high = temperature_range()
    value = _clean_temperature(temperature)
    if value is None:
        errors["temperature"] = _("Enter the temperature in °C, e.g. 38.2.")
    elif not low <= value <= high:
        errors["temperature"] = _("A body temperature is between %(low)s and %(high)s °C; check the reading.") % {
            "low": low, "high": high}
    elif value != value.quantize(Decimal("0.1")):
        errors["temperature"] = _("Give the temperature to one decimal, e.g. 38.2.")
    symptoms, history = _text(symptoms), _text(history)
    if len(symptoms) > TEXT_MAX:
        errors["symptoms"] = _("At most %(n)d characters.") % {"n": TEXT_MAX}
    if len(history) > TEXT_MAX:
        errors["history"] = _("At most %(n)d characters.") % {"n": TEXT_MAX}
    if disposition not in FeverReport.Disposition.values:
        errors["disposition"] = _("Choose what happened to the patient.")
    if errors:
        raise ValidationError(errors)
    return {"name": name, "identity": identity, "phone": phone, "temperature": value, "symptoms": symptoms,
            "history": history, "disposition": disposition}


def home_node(code: str):
    """The community, grid or building a new patient lives in, by its code, anywhere in the city: the clinic
    serves residents beyond its own node. None without a code; a ValidationError for an unknown one."""
    from fangkong.territory.models import Level, Unit

    code = _text(code)
    if not code:
        return None
    unit = Unit.objects.filter(code=code, level__gte=Level.COMMUNITY).first()
    if unit is None:
        raise ValidationError({"home_code": _("No community, grid or building has the code %(code)s.")
                               % {"code": code}})
    return unit


def _person_for(*, clinic: Clinic, name: str, identity, phone: str, home=None, address: str = ""):
    """The person on file with this resident ID, or a new record at their home node (else the clinic's node; the
    clinic saw the ID card). The same ID under another name is refused without naming whom it belongs to."""
    from fangkong.people.models import Person
    from fangkong.people.services import person_create

    person = (Person.objects.filter(id_type=identity.id_type, id_number=identity.number, merged_into__isnull=True)
              .select_related("unit", "household").first())
    if person is not None:
        if _text(person.name) != name:
            raise ValidationError({"name": _("This ID number is on file under another name; check the name and "
                                             "the ID card.")})
        return person
    # The clinic's staff have no people.change: the person is filed by the system on the clinic's report.
    return person_create(name=name, id_type=identity.id_type, id_number=identity.number,
                         unit=home or clinic.organisation.unit, phone=phone, address=address, actor=None,
                         cause=_("Fever clinic report"))


def _tag_fever(person) -> None:
    from fangkong.people.models import Tag
    from fangkong.people.services import person_tag_set

    current = set(person.tags.values_list("tag", flat=True))
    if Tag.FEVER_PATIENT not in current:
        person_tag_set(person=person, tags=current | {Tag.FEVER_PATIENT}, actor=None)


def _owner_for_test(clinic: Clinic, actor):
    if actor is not None and getattr(actor, "is_authenticated", False):
        return actor
    link = clinic.staff.select_related("user").order_by("pk").first()
    return link.user if link else None


@transaction.atomic
def fever_report_create(*, clinic: Clinic, name: str, id_number: str, temperature, disposition: str,
                        phone: str = "", symptoms: str = "", history: str = "", sampled: bool = False,
                        home_code: str = "", address: str = "", seen_at: datetime.datetime | None = None,
                        actor) -> FeverReport:
    """A fever patient seen at the clinic. Opens the single-tube test task (due within the fever-clinic turnaround)
    for the clinic, and when the patient is sent home the grid worker's home visit; tags the person. A patient not
    on file is filed at `home_code`'s node (their community, grid or building) when given, else at the clinic's."""
    _ensure_may_report(actor, clinic)
    data = _clean_report(name=name, id_number=id_number, phone=phone, temperature=temperature, symptoms=symptoms,
                         history=history, disposition=disposition)
    home = home_node(home_code)
    now = timezone.now()
    seen_at = seen_at or now
    if seen_at > now + datetime.timedelta(minutes=5):
        raise ValidationError({"seen_at": _("The patient cannot have been seen in the future.")})
    person = _person_for(clinic=clinic, name=data["name"], identity=data["identity"], phone=data["phone"], home=home,
                         address=_text(address)[:200])
    report = FeverReport.objects.create(
        clinic=clinic, person=person, phone=data["phone"], temperature=data["temperature"],
        symptoms=data["symptoms"], history=data["history"], disposition=data["disposition"], sampled=bool(sampled),
        seen_at=seen_at, seen_on=timezone.localtime(seen_at).date(), reported_by=acting_user(actor))
    unit = clinic.organisation.unit
    from fangkong.tasks.services import task_create

    hours = test_turnaround_hours()
    report.test_task = task_create(
        kind=FEVER_TEST_DUE, title=f"{FEVER_TEST_DUE.label}: {person.name} {data['temperature']}°C"[:200],
        unit=unit, person=person, subject_type=FEVER_SUBJECT, subject_id=report.pk,
        due_at=seen_at + datetime.timedelta(hours=hours), priority=Task.Priority.URGENT,
        owner=_owner_for_test(clinic, actor), dedupe_key=f"fever_test:{report.pk}",
        detail=_("Seen at %(clinic)s; sampled: %(sampled)s.") % {
            "clinic": clinic.organisation.name, "sampled": _("yes") if sampled else _("no")}, actor=None)
    fields = ["test_task"]
    if data["disposition"] == FeverReport.Disposition.SENT_HOME:
        report.followup_task = task_create(
            kind=FEVER_SENT_HOME_FOLLOWUP, title=f"{FEVER_SENT_HOME_FOLLOWUP.label}: {person.name}"[:200],
            unit=person.unit, person=person, household=person.household, subject_type=FEVER_SUBJECT,
            subject_id=report.pk, due_at=seen_at + FEVER_SENT_HOME_FOLLOWUP.due, priority=Task.Priority.URGENT,
            dedupe_key=f"fever_home:{report.pk}",
            detail=_("%(temperature)s °C at %(clinic)s; symptoms: %(symptoms)s. Monitor until the test result.") % {
                "temperature": data["temperature"], "clinic": clinic.organisation.name,
                "symptoms": data["symptoms"] or "-"}, actor=None)
        fields.append("followup_task")
    report.save(update_fields=fields)
    _tag_fever(person)
    audit_record(actor=actor, obj=report, action="create", unit_path=unit.path,
                 changes={"temperature": (None, str(data["temperature"])),
                          "disposition": (None, data["disposition"])})
    return report
