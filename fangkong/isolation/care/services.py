"""Writes of the care during a stay: a floor's health checks for one period, and requests (诉求) with their answers.

Health checks: `health_checks_record` writes a whole floor's readings for one period, all or none. Its
ValidationError names the room and the person in every message, keyed `temperature_<stay id>`,
`symptoms_<stay id>` or `stay_<stay id>` so the floor form shows it at that person's row.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.scope import acting_user, ensure_unit_in_scope, may_act
from fangkong.audit.services import audit_record
from fangkong.core.paths import is_within
from fangkong.isolation.care.kinds import HEALTH_ALERT, REQUEST
from fangkong.isolation.models import CareRequest, HealthCheck, Period, Site, Stay, Symptom
from fangkong.protocols.selectors import active_rules_or_defaults
from fangkong.tasks.models import Task
from fangkong.tasks.services import TaskSpec, task_complete, task_create_many

LOWEST, HIGHEST = Decimal("34.0"), Decimal("43.0")
DEFAULT_REQUEST_HOURS = 12
# Kinds a doctor answers; the rest go to whoever answers for the site's node.
DOCTOR_KINDS = {CareRequest.Kind.MEDICINE, CareRequest.Kind.MENTAL_HEALTH}


def fever_threshold() -> Decimal:
    return Decimal(active_rules_or_defaults().fever_threshold)


def request_hours() -> int:
    return int(active_rules_or_defaults().extra.get("isolation_request_hours", DEFAULT_REQUEST_HOURS))


def is_fever(temperature: Decimal, threshold: Decimal) -> bool:
    return temperature >= threshold


def _who(stay: Stay) -> str:
    return _("room %(room)s, %(name)s") % {"room": stay.room.number, "name": stay.person.name}


def _period_label(period: str) -> str:
    return str(dict(Period.choices).get(period, period))


# --- health checks ---------------------------------------------------------------------------------------------


def _clean_temperature(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        return None


def _clean_row(row: dict, *, site: Site, floor: int, errors: dict) -> dict | None:
    stay = row["stay"]
    if stay.site_id != site.pk or stay.status != Stay.Status.ARRIVED or stay.room.floor != floor:
        errors[f"stay_{stay.pk}"] = _("%(who)s is not in this site on floor %(floor)s; nothing was recorded.") % {
            "who": _who(stay), "floor": floor}
        return None
    temperature = _clean_temperature(row.get("temperature"))
    if temperature is None:
        errors[f"temperature_{stay.pk}"] = _("%(who)s: enter the temperature.") % {"who": _who(stay)}
    elif not LOWEST <= temperature <= HIGHEST:
        errors[f"temperature_{stay.pk}"] = _(
            "%(who)s: %(value)s °C is not a body temperature (%(low)s–%(high)s °C); measure again.") % {
            "who": _who(stay), "value": temperature, "low": LOWEST, "high": HIGHEST}
    symptoms = list(dict.fromkeys(row.get("symptoms") or ()))
    unknown = [s for s in symptoms if s not in Symptom.values]
    if unknown:
        errors[f"symptoms_{stay.pk}"] = _("%(who)s: unknown symptom %(codes)s.") % {
            "who": _who(stay), "codes": ", ".join(unknown)}
    note = (row.get("note") or "").strip()
    if len(note) > 200:
        errors[f"note_{stay.pk}"] = _("%(who)s: the note is longer than 200 characters.") % {"who": _who(stay)}
    # Stored in the order of the choices, so a correction with the same boxes ticked compares equal.
    ordered = [code for code in Symptom.values if code in symptoms]
    return {"stay": stay, "temperature": temperature, "symptoms": ordered, "note": note}


def _alert_detail(check: HealthCheck, threshold: Decimal) -> str:
    stay = check.stay
    lines = [
        _("%(site)s, floor %(floor)s, %(who)s.") % {"site": stay.site.name, "floor": stay.room.floor,
                                                     "who": _who(stay)},
        _("%(day)s %(period)s: %(value)s °C (fever from %(threshold)s °C).") % {
            "day": check.day.isoformat(), "period": _period_label(check.period), "value": check.temperature,
            "threshold": threshold},
    ]
    if check.symptoms:
        lines.append(_("Symptoms: %(list)s.") % {"list": ", ".join(check.symptom_labels())})
    if check.note:
        lines.append(check.note)
    return "\n".join(lines)


def _alert_title(check: HealthCheck, threshold: Decimal) -> str:
    what = (_("Fever %(value)s °C") % {"value": check.temperature} if is_fever(check.temperature, threshold)
            else ", ".join(check.symptom_labels()))
    return f"{what}: {check.stay.person.name} ({check.stay.room.number})"[:200]


def _open_alerts(site: Site, checks: list[HealthCheck], threshold: Decimal) -> None:
    alarming = [c for c in checks if is_fever(c.temperature, threshold) or c.symptoms]
    if not alarming:
        return
    now = timezone.now()
    specs = [TaskSpec(unit=site.unit, person=c.stay.person, title=_alert_title(c, threshold),
                      detail=_alert_detail(c, threshold), due_at=now + HEALTH_ALERT.due, priority=Task.Priority.URGENT,
                      owner=site.doctor, subject_type="isolation.healthcheck", subject_id=c.pk,
                      dedupe_key=f"isolation_health_alert:{c.stay_id}:{c.day.isoformat()}:{c.period}")
             for c in alarming]
    # The system opens the alert: site staff record readings but do not dispatch tasks.
    tasks, _made = task_create_many(kind=HEALTH_ALERT, specs=specs, actor=None)
    for check, task in zip(alarming, tasks, strict=True):
        if check.alert_task_id != task.pk:
            check.alert_task = task
            check.save(update_fields=["alert_task"])


@transaction.atomic
def health_checks_record(*, site: Site, floor: int, day: datetime.date, period: str, rows: list[dict],
                         actor) -> list[HealthCheck]:
    """One period's readings of the people on a floor: rows of dict(stay, temperature, symptoms, note).

    All rows or none. A fever (at or above the protocol's threshold) or any symptom opens one urgent
    alert for the site doctor per person, day and period; recording the period again corrects the reading.
    """
    ensure_unit_in_scope(actor, site.unit, app_label="isolation", action="care")
    if period not in Period.values:
        raise ValidationError({"period": _("Choose the morning or the evening.")})
    if day > timezone.localdate():
        raise ValidationError({"day": _("Readings cannot be recorded for a day still to come.")})
    if not rows:
        raise ValidationError(_("Enter at least one temperature."))
    stays = {s.pk: s for s in Stay.objects.select_related("room", "person", "site")
             .filter(pk__in=[row["stay"].pk for row in rows])}
    errors, cleaned = {}, []
    for row in rows:
        stay = stays.get(row["stay"].pk)
        if stay is None:
            errors[f"stay_{row['stay'].pk}"] = _("This person is not in the site; nothing was recorded.")
            continue
        clean = _clean_row({**row, "stay": stay}, site=site, floor=floor, errors=errors)
        if clean is not None:
            cleaned.append(clean)
    if len({c["stay"].pk for c in cleaned}) != len(cleaned):
        errors["rows"] = _("The same person appears twice.")
    if errors:
        raise ValidationError(errors)

    existing = {c.stay_id: c for c in HealthCheck.objects.select_for_update()
                .filter(stay__in=[c["stay"] for c in cleaned], day=day, period=period)}
    now, user, checks = timezone.now(), acting_user(actor), []
    for row in cleaned:
        check = existing.get(row["stay"].pk)
        before = None if check is None else (str(check.temperature), list(check.symptoms), check.note)
        if check is None:
            check = HealthCheck(stay=row["stay"], day=day, period=period)
        check.temperature, check.symptoms, check.note = row["temperature"], row["symptoms"], row["note"]
        check.recorded_by, check.recorded_at = user, now
        check.save()
        check.stay = row["stay"]
        after = (str(check.temperature), list(check.symptoms), check.note)
        if before != after:
            audit_record(actor=actor, obj=check, action="create" if before is None else "correct",
                         unit_path=site.unit.path,
                         changes={"temperature": (before and before[0], after[0]),
                                  "symptoms": (before and before[1], after[1])})
        checks.append(check)
    _open_alerts(site, checks, fever_threshold())
    return checks


# --- requests ------------------------------------------------------------------------------------------------


def _request_detail(request: CareRequest, hours: int) -> str:
    stay = request.stay
    return "\n".join([
        _("%(site)s, %(who)s asked at %(at)s:") % {
            "site": stay.site.name, "who": _who(stay),
            "at": timezone.localtime(request.created_at).strftime("%Y-%m-%d %H:%M")},
        request.text,
        _("The protocol gives %(hours)s hours to answer; past that the task is escalated.") % {"hours": hours},
    ])


@transaction.atomic
def care_request_add(*, stay: Stay, kind: str, text: str, actor) -> CareRequest:
    """Record what a person in the site asked for, and open the task of answering it by the protocol's deadline."""
    ensure_unit_in_scope(actor, stay.site.unit, app_label="isolation", action="care")
    text = (text or "").strip()
    errors = {}
    if kind not in CareRequest.Kind.values:
        errors["kind"] = _("Choose what the request is about.")
    if not text:
        errors["text"] = _("Write what the person asked for.")
    elif len(text) > 500:
        errors["text"] = _("Keep it under 500 characters.")
    if stay.status != Stay.Status.ARRIVED:
        errors["stay"] = _("%(who)s is not in the site now.") % {"who": _who(stay)}
    if errors:
        raise ValidationError(errors)
    request = CareRequest.objects.create(stay=stay, kind=kind, text=text, created_by=acting_user(actor))
    hours = request_hours()
    site = stay.site
    spec = TaskSpec(
        unit=site.unit, person=stay.person,
        title=f"{request.get_kind_display()}: {stay.person.name} ({stay.room.number}) — {text}"[:200],
        detail=_request_detail(request, hours), due_at=request.created_at + datetime.timedelta(hours=hours),
        owner=site.doctor if kind in DOCTOR_KINDS else None, subject_type="isolation.carerequest",
        subject_id=request.pk, dedupe_key=f"isolation_request:{request.pk}")
    (task,), _made = task_create_many(kind=REQUEST, specs=[spec], actor=None)
    request.task = task
    request.save(update_fields=["task"])
    audit_record(actor=actor, obj=request, action="create", unit_path=site.unit.path,
                 changes={"kind": (None, kind), "due_at": (None, task.due_at.isoformat())})
    return request


def _ensure_may_answer(actor, site: Site) -> None:
    if actor is None:
        return
    if not (may_act(actor, "isolation", "care") or may_act(actor, "isolation", "manage")) \
            or not is_within(site.unit.path, actor.scope_path):
        raise PermissionDenied("outside your jurisdiction")


def _write_answer(request: CareRequest, answer: str, actor) -> None:
    request.answer, request.answered_at, request.answered_by = answer, timezone.now(), acting_user(actor)
    request.save(update_fields=["answer", "answered_at", "answered_by"])
    audit_record(actor=actor, obj=request, action="answer", unit_path=request.stay.site.unit.path,
                 changes={"answered_at": (None, request.answered_at.isoformat())})


@transaction.atomic
def care_request_answer(*, request: CareRequest, answer: str, actor) -> CareRequest:
    """Answer the request; its task closes as answered."""
    request = CareRequest.objects.select_for_update(of=("self",)).select_related("stay__site__unit").get(
        pk=request.pk)
    _ensure_may_answer(actor, request.stay.site)
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _("Write the answer given to the person.")})
    if len(answer) > 500:
        raise ValidationError({"answer": _("Keep it under 500 characters.")})
    if not request.is_open:
        raise ValidationError(_("This request was already answered."))
    _write_answer(request, answer, actor)
    if request.task_id is not None and request.task.status in ("open", "accepted"):
        # The answer is the work: the system closes the task whoever answered (the owner may be the doctor).
        task_complete(task=request.task, outcome="answered", note=answer, actor=None)
    return request


def request_task_completed(task, outcome: str, actor) -> None:
    """The task closed from the inbox: its note becomes the request's answer if none was given yet."""
    request = CareRequest.objects.select_related("stay__site__unit").filter(pk=task.subject_id).first()
    if task.subject_type != "isolation.carerequest" or request is None or not request.is_open:
        return
    _write_answer(request, task.outcome_note or str(REQUEST.outcome(outcome).label), actor)
