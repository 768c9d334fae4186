"""Daily check-ins: the resident's report, the alert it raises, the sweep for the ones that never came."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.people.models import Person
from fangkong.protocols.models import Measure
from fangkong.protocols.selectors import active_rules_or_defaults, version_rules
from fangkong.residents import kinds
from fangkong.residents.eligibility import CHECKIN_STATUSES, may_report_for
from fangkong.residents.models import CheckIn, Slot, Symptom
from fangkong.tasks.models import Task
from fangkong.tasks.services import TaskSpec, task_create, task_create_many

TEMPERATURE_MIN = Decimal("34.0")
TEMPERATURE_MAX = Decimal("43.0")


def slot_at(moment: datetime.datetime) -> str:
    return Slot.MORNING if timezone.localtime(moment).hour < 12 else Slot.AFTERNOON


def fever_threshold(person: Person) -> Decimal:
    """The fever threshold of the rule set governing the person's running measure, else the active one's."""
    measure = (Measure.objects.filter(person=person, status=Measure.Status.ACTIVE).select_related("version")
               .order_by("-started_at", "-pk").first())
    rules = version_rules(measure.version) if measure is not None else active_rules_or_defaults()
    return Decimal(str(rules.fever_threshold))


def clean_report(*, temperature, symptoms) -> tuple[Decimal, list[str]]:
    """Validated temperature and symptoms; ValidationError keyed to the field at fault."""
    try:
        value = Decimal(str(temperature).strip().replace("，", ".").replace(",", "."))
    except (ArithmeticError, ValueError, TypeError):
        raise ValidationError({"temperature": _("Enter the temperature in °C, e.g. 36.5.")}) from None
    if not value.is_finite() or not TEMPERATURE_MIN <= value <= TEMPERATURE_MAX:
        raise ValidationError({"temperature": _("A body temperature lies between %(low)s and %(high)s °C; measure "
                                                "again.") % {"low": TEMPERATURE_MIN, "high": TEMPERATURE_MAX}})
    value = value.quantize(Decimal("0.1"))
    symptoms = list(dict.fromkeys(symptoms or ()))
    unknown = [s for s in symptoms if s != "none" and s not in Symptom.values]
    if unknown:
        raise ValidationError({"symptoms": _("Unknown symptom: %(value)s.") % {"value": ", ".join(unknown)}})
    if "none" in symptoms and len(symptoms) > 1:
        raise ValidationError({"symptoms": _("Tick “None” or the symptoms, not both.")})
    if not symptoms:
        raise ValidationError({"symptoms": _("Tick your symptoms, or “None”.")})
    return value, [s for s in symptoms if s != "none"]


def _alert_owner(person: Person):
    """The site doctor while the person is in an isolation site; otherwise None (the grid worker, by the map)."""
    from fangkong.isolation.models import Stay

    stay = (Stay.objects.filter(person=person, status=Stay.Status.ARRIVED).select_related("site__doctor")
            .order_by("-pk").first())
    return stay.site.doctor if stay is not None and stay.site.doctor_id else None


def _alert_detail(checkin: CheckIn, reporter: Person, threshold: Decimal) -> str:
    parts = [f"{checkin.temperature} °C"]
    if checkin.temperature >= threshold:
        parts.append(_("fever (threshold %(threshold)s °C)") % {"threshold": threshold})
    if checkin.symptoms:
        parts.append("、".join(str(Symptom(s).label) for s in checkin.symptoms))
    if checkin.note:
        parts.append(checkin.note)
    if checkin.is_proxy:
        parts.append(_("reported by %(name)s for the person") % {"name": reporter.name})
    return "; ".join(parts)


def _raise_alert(checkin: CheckIn, reporter: Person, threshold: Decimal) -> Task:
    person = checkin.person
    slot_label = Slot(checkin.slot).label
    return task_create(
        kind=kinds.ALERT, title=_("Check-in alert: %(name)s, %(day)s %(slot)s") % {
            "name": person.name, "day": checkin.day.isoformat(), "slot": slot_label},
        unit=person.unit, person=person, household=person.household, priority=Task.Priority.URGENT,
        detail=_alert_detail(checkin, reporter, threshold), owner=_alert_owner(person),
        dedupe_key=f"resident_checkin_alert:{checkin.pk}", subject_type="residents.checkin", subject_id=checkin.pk,
        actor=None)


@transaction.atomic(durable=True)
def checkin_submit(*, reporter: Person, person: Person, temperature, symptoms, note: str = "",
                   at: datetime.datetime | None = None) -> CheckIn:
    """Record `person`'s check-in for the current half-day, reported by the signed-in `reporter` (themselves, or
    a household member for a dependent). A second report in the same slot replaces the first's values. A fever or
    any symptom opens one urgent alert task per check-in for the grid worker (the site doctor inside a site)."""
    person = Person.objects.select_for_update(of=("self",)).select_related("unit", "household").get(pk=person.pk)
    if not may_report_for(reporter, person):
        raise PermissionDenied("not this resident's check-in")
    value, cleaned = clean_report(temperature=temperature, symptoms=symptoms)
    note = (note or "").strip()
    if len(note) > 300:
        raise ValidationError({"note": _("Keep the note under 300 characters.")})
    at = at or timezone.now()
    day, slot = timezone.localtime(at).date(), slot_at(at)
    proxy = reporter if reporter.pk != person.pk else None
    checkin = CheckIn.objects.filter(person=person, day=day, slot=slot).first()
    action = "update" if checkin is not None else "create"
    if checkin is None:
        checkin = CheckIn(person=person, day=day, slot=slot)
    else:
        checkin.revisions += 1
    checkin.temperature, checkin.symptoms, checkin.note = value, cleaned, note
    checkin.reported_by, checkin.submitted_at = proxy, at
    try:
        with transaction.atomic():
            checkin.save()
    except IntegrityError:
        raise ValidationError(_("Another check-in for this half-day arrived at the same moment; send it again.")) \
            from None
    threshold = fever_threshold(person)
    if (value >= threshold or cleaned) and checkin.alert_task_id is None:
        checkin.alert_task = _raise_alert(checkin, reporter, threshold)
        checkin.save(update_fields=["alert_task"])
    # Health values stay out of the audit log: it records who reported which half-day, and whether it alerted.
    audit_record(actor=None, obj=checkin, action=action, unit_path=person.unit.path,
                 changes={"day": (None, day.isoformat()), "slot": (None, slot),
                          "alert": (None, checkin.alert_task_id is not None)},
                 note=_("reported by %(name)s") % {"name": reporter.name} if proxy else "")
    return checkin


# --- the missed check-in sweep ------------------------------------------------------------------------------------


def cut_off() -> datetime.time:
    hour, minute = str(getattr(settings, "RESIDENT_CHECKIN_CUTOFF", "20:00")).split(":")
    return datetime.time(int(hour), int(minute))


def sweep_day(now: datetime.datetime) -> datetime.date:
    """The last day whose cut-off has passed."""
    local = timezone.localtime(now)
    return local.date() if local.time() >= cut_off() else local.date() - datetime.timedelta(days=1)


def missed_checkins_open(*, now: datetime.datetime | None = None, batch_size: int = 500) -> int:
    """One `resident_checkin_missed` task per person under home isolation or monitoring with no check-in on the
    last day whose cut-off has passed. Idempotent (a dedupe key per person and day); returns the tasks opened."""
    now = now or timezone.now()
    day = sweep_day(now)
    deadline = timezone.make_aware(datetime.datetime.combine(day, cut_off()))
    people = (Person.objects.filter(status__in=CHECKIN_STATUSES, merged_into__isnull=True, anonymised_at__isnull=True)
              # Someone put under home monitoring after the cut-off had no chance to check in that day.
              .exclude(status_since__gte=deadline)
              .exclude(checkins__day=day).select_related("unit", "household").order_by("pk"))
    created, last_pk = 0, 0
    while True:
        batch = list(people.filter(pk__gt=last_pk)[:batch_size])
        if not batch:
            return created
        last_pk = batch[-1].pk
        specs = [TaskSpec(unit=p.unit, person=p, household=p.household,
                          title=_("Missed check-in: %(name)s, %(day)s") % {"name": p.name, "day": day.isoformat()},
                          dedupe_key=f"resident_checkin_missed:{p.pk}:{day.isoformat()}") for p in batch]
        with transaction.atomic():
            _tasks, made = task_create_many(kind=kinds.MISSED, specs=specs, actor=None)
        created += made


def checkins_repoint_person(*, survivor, duplicate) -> int:
    """A merge keeps the duplicate's check-ins, unless the survivor already reported the same half-day."""
    taken = set(CheckIn.objects.filter(person=survivor).values_list("day", "slot"))
    moved = 0
    for checkin in CheckIn.objects.filter(person=duplicate):
        if (checkin.day, checkin.slot) in taken:
            continue
        checkin.person = survivor
        checkin.save(update_fields=["person"])
        moved += 1
    moved += CheckIn.objects.filter(reported_by=duplicate).update(reported_by=survivor)
    return moved


def checkins_anonymise(*, erasure) -> dict[str, int]:
    """PIPL erasure (people.retention): the readings stay for statistics, the free-text notes go, and so do the
    sign-in challenges and sessions of these people."""
    from fangkong.residents.models import CodeChallenge, ResidentSession

    ids = erasure.person_ids
    return {
        "residents.CodeChallenge": erasure.delete(CodeChallenge.objects.filter(person_id__in=ids)),
        "residents.ResidentSession": erasure.delete(ResidentSession.objects.filter(person_id__in=ids)),
        "residents.CheckIn": erasure.erase(CheckIn.objects.filter(person_id__in=ids).exclude(note=""),
                                           redact_history=False, note=""),
    }
