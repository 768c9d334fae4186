"""Writes of epidemiological investigation, along flow 3 of DOMAIN.md: a case → its itinerary → close contacts (by
hand, from a list, from co-presence) → their measures → secondary contacts → links between cases.

The clock of a case starts at its positive result; the tracer reaches the case, completes the core information
(itinerary and close contacts) and the full report within the protocol's hours (tasks in the tracer's inbox).
A contact's classification starts the protocol's measure at once, opened by the system for the contact's own
grid, whoever the tracer is; a contact outside the jurisdiction becomes an assist request (协查).

actor=None is the system (jobs, the testing module's positive results).
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import acting_user, ensure_unit_in_scope, unit_in_scope
from fangkong.audit.services import audit_record
from fangkong.people.models import CONFINING_STATUSES
from fangkong.people.selectors import status_at
from fangkong.protocols.selectors import active_rules_or_defaults as active_rules
from fangkong.tracing.engine.chains import would_create_cycle
from fangkong.tracing.models import AssistRequest, Case, Contact, DetectionHit, Exposure, Link, PlaceVisit

CASE_SUBJECT = "tracing.case"


def _local(value: datetime.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _aware(value: datetime.datetime | None) -> datetime.datetime | None:
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def _ensure_may_trace(actor, unit) -> None:
    if actor is None:
        return
    if not has_capability(actor, "tracing.change"):
        raise PermissionDenied("tracing.change")
    ensure_unit_in_scope(actor, unit, app_label="tracing")


def lookback_window(*, onset_date: datetime.date | None, first_positive_at: datetime.datetime,
                    end_at: datetime.datetime, lookback_days: int) -> tuple[datetime.datetime, datetime.datetime]:
    """The infectious look-back window: from local midnight `lookback_days` before onset (or before the first
    positive sampling when there is no onset) to the moment the case was put under control."""
    anchor = onset_date or timezone.localtime(first_positive_at).date()
    first_day = anchor - datetime.timedelta(days=lookback_days)
    start = timezone.make_aware(datetime.datetime.combine(first_day, datetime.time(0)))
    return start, max(end_at, start)


def _next_number(at: datetime.datetime) -> str:
    year = timezone.localtime(at).year
    prefix = f"C{year}-"
    top = (Case.objects.filter(number__startswith=prefix).aggregate(top=Max("number"))["top"])
    seq = int(top.rsplit("-", 1)[1]) + 1 if top else 1
    return f"{prefix}{seq:04d}"


# --- cases ---------------------------------------------------------------------------------------------------


def _tracing_tasks(case: Case, rules) -> None:
    from fangkong.tasks.services import TaskSpec, task_create_many

    person = case.person
    for kind, hours, title in (
        ("trace_core", rules.trace_core_hours,
         _("Core tracing of case %(number)s (%(name)s): itinerary and close contacts")),
        ("trace_report", rules.trace_report_hours, _("Full tracing report of case %(number)s (%(name)s)")),
    ):
        task_create_many(kind=kind, actor=None, specs=[TaskSpec(
            unit=case.unit, person=person, owner=case.tracer, priority=1,
            title=(title % {"number": case.number, "name": person.name})[:200],
            detail=_("Positive result %(at)s; due within %(hours)d hours.") % {"at": _local(case.reported_at),
                                                                                "hours": hours},
            due_at=case.reported_at + datetime.timedelta(hours=hours),
            subject_type=CASE_SUBJECT, subject_id=case.pk, dedupe_key=f"{kind}:{case.pk}")])


def _transfer_task(case: Case, rules) -> None:
    from fangkong.tasks.services import TaskSpec, task_create_many

    person = case.person
    if person.status == "hospital":
        return
    household = person.household if person.household_id else None
    task_create_many(kind="case_transfer", actor=None, specs=[TaskSpec(
        unit=household.unit if household else person.unit, person=person, household=household, priority=1,
        title=_("Transfer case %(number)s (%(name)s) to the designated hospital") % {
            "number": case.number, "name": person.name},
        detail=_("Positive result %(at)s. Keep the case where they are until the transfer.") % {
            "at": _local(case.reported_at)},
        due_at=case.reported_at + datetime.timedelta(hours=rules.report_hours),
        subject_type=CASE_SUBJECT, subject_id=case.pk, dedupe_key=f"case_transfer:{case.pk}")])


def _confine(person, cause: str) -> None:
    from fangkong.people.services import person_status_change

    person.refresh_from_db(fields=["status", "status_since"])
    if person.status not in CONFINING_STATUSES:
        person_status_change(person=person, to_status="home_isolation", cause=cause[:200], actor=None)


@transaction.atomic
def case_open(*, person, first_positive_at: datetime.datetime, source: str, actor,
              classification: str = Case.Classification.ASYMPTOMATIC, onset_date: datetime.date | None = None,
              ct_orf1ab=None, ct_n=None, source_ref: str = "", positive_case=None,
              reported_at: datetime.datetime | None = None, tracer=None) -> Case:
    """Open the case of a person with a positive result. Idempotent per person: a second positive of the same
    person returns their case. The person stays where they are (home isolation unless stricter) until the
    transfer task moves them to hospital; any running measure of theirs ends; a contact who became a case is
    linked to the case that exposed them, and that contact's secondary contacts become close contacts of the
    new case."""
    _ensure_may_trace(actor, person.unit)
    existing = Case.objects.filter(person=person).first()
    if existing is not None:
        return existing
    if source not in Case.Source.values:
        raise ValidationError({"source": _("Say how the case was found.")})
    if classification not in Case.Classification.values:
        raise ValidationError({"classification": _("Choose confirmed case or asymptomatic infection.")})
    now = timezone.now()
    first_positive_at = _aware(first_positive_at)
    reported_at = _aware(reported_at) or now
    if first_positive_at > now + datetime.timedelta(minutes=5):
        raise ValidationError({"first_positive_at": _("The sampling time cannot be in the future.")})
    if reported_at < first_positive_at:
        raise ValidationError({"first_positive_at": _("The sample cannot have been taken after its result.")})
    if onset_date is not None and onset_date > timezone.localtime(now).date():
        raise ValidationError({"onset_date": _("The onset date cannot be in the future.")})
    if tracer is not None:
        _check_tracer(tracer, person.unit)
    rules = active_rules()
    start, end = lookback_window(onset_date=onset_date, first_positive_at=first_positive_at, end_at=reported_at,
                                 lookback_days=rules.lookback_days)
    under_control = status_at(person=person, moment=first_positive_at) in CONFINING_STATUSES
    for _attempt in range(5):
        try:
            with transaction.atomic():
                case = Case.objects.create(
                    number=_next_number(reported_at), person=person, unit=person.unit, classification=classification,
                    clinical_status=(Case.Clinical.ASYMPTOMATIC if classification == Case.Classification.ASYMPTOMATIC
                                     else Case.Clinical.MILD),
                    onset_date=onset_date, first_positive_at=first_positive_at, ct_orf1ab=ct_orf1ab, ct_n=ct_n,
                    source=source, source_ref=(source_ref or "")[:60], positive_case=positive_case, tracer=tracer,
                    window_start=start, window_end=end, reported_at=reported_at, under_control=under_control,
                    created_by=acting_user(actor))
            break
        except IntegrityError:
            existing = Case.objects.filter(person=person).first()
            if existing is not None:
                return existing
    else:  # pragma: no cover - five clashing numbers in a row
        raise ValidationError(_("Could not number the case; try again."))
    audit_record(actor=actor, obj=case, action="open", unit_path=case.unit.path,
                 changes={"number": (None, case.number), "source": (None, source)}, note=source_ref)
    _confine(person, _("Case %(number)s: positive result") % {"number": case.number})
    person.refresh_from_db(fields=["status", "status_since"])
    _end_measures(person, _("Became case %(number)s") % {"number": case.number})
    _tracing_tasks(case, rules)
    _transfer_task(case, rules)
    _contact_became_case(case, actor)
    return case


def _end_measures(person, reason: str) -> None:
    from fangkong.protocols.models import Measure
    from fangkong.protocols.services import measure_end

    for measure in Measure.objects.filter(person=person, status=Measure.Status.ACTIVE):
        measure_end(measure=measure, reason=reason, actor=None)


def _contact_became_case(case: Case, actor) -> None:
    for contact in Contact.objects.filter(person=case.person).exclude(case=case).select_related("case"):
        contact.status = Contact.Status.BECAME_CASE
        contact.save(update_fields=["status"])
        if contact.category == Contact.Category.CLOSE and not Link.objects.filter(infectee=case).exists():
            link_add(infector=contact.case, infectee=case, confidence=Link.Confidence.PROBABLE, actor=None,
                     basis=_("Close contact of %(number)s") % {"number": contact.case.number})
        # Secondary contacts through this close contact are now close contacts of the new case.
        for secondary in contact.secondaries.filter(status=Contact.Status.CONTROLLED).select_related("person"):
            _upgrade_secondary(secondary, case)


def _upgrade_secondary(secondary: Contact, case: Case) -> None:
    from fangkong.protocols.services import measure_end

    if secondary.measure_id and secondary.measure.status == "active":
        measure_end(measure=secondary.measure, reason=_("Upgraded to close contact of %(number)s") % {
            "number": case.number}, actor=None)
    secondary.status = Contact.Status.UPGRADED
    secondary.save(update_fields=["status"])
    if secondary.person_id and not Contact.objects.filter(case=case, person=secondary.person).exists():
        contact_add(case=case, person=secondary.person, category=Contact.Category.CLOSE, actor=None,
                    exposure_at=secondary.exposure_at, source=Contact.Source.MANUAL,
                    reason=_("Secondary contact whose close contact became a case"))


def _check_tracer(tracer, unit) -> None:
    if not tracer.is_active or not has_capability(tracer, "tracing.change") or not unit_in_scope(
            tracer, unit, "change", capability_app="tracing"):
        raise ValidationError({"tracer": _("%(user)s cannot trace cases of this jurisdiction.") % {
            "user": tracer.get_full_name() or tracer.username}})


def _open_case_tasks(case: Case):
    from fangkong.tasks.models import OPEN_STATUSES, Task

    return Task.objects.filter(subject_type=CASE_SUBJECT, subject_id=case.pk, status__in=OPEN_STATUSES,
                               kind__in=("trace_core", "trace_report"))


@transaction.atomic
def case_assign(*, case: Case, tracer, actor) -> Case:
    """Give the case to a tracer; their open tracing tasks move with it."""
    from fangkong.tasks.services import task_reassign

    case = Case.objects.select_for_update(of=("self",)).select_related("unit").get(pk=case.pk)
    _ensure_may_trace(actor, case.unit)
    _check_tracer(tracer, case.unit)
    previous = case.tracer
    case.tracer = tracer
    case.save(update_fields=["tracer"])
    for task in _open_case_tasks(case):
        task_reassign(task=task, owner=tracer, note=_("Case given to %(user)s") % {"user": tracer.username},
                      actor=None)
    audit_record(actor=actor, obj=case, action="assign", unit_path=case.unit.path,
                 changes={"tracer": (previous.username if previous else None, tracer.username)})
    return case


@transaction.atomic
def case_update(*, case: Case, actor, classification=None, clinical_status=None, onset_date=...,
                window_start=None, window_end=None, summary=None) -> Case:
    """Correct what the investigation learns: classification, clinical status, onset (which moves the look-back
    window unless the tracer sets the window), summary."""
    case = Case.objects.select_for_update(of=("self",)).select_related("unit").get(pk=case.pk)
    _ensure_may_trace(actor, case.unit)
    changes = {}
    if classification is not None and classification != case.classification:
        if classification not in Case.Classification.values:
            raise ValidationError({"classification": _("Choose confirmed case or asymptomatic infection.")})
        changes["classification"] = (case.classification, classification)
        case.classification = classification
    if clinical_status is not None and clinical_status != case.clinical_status:
        if clinical_status not in Case.Clinical.values:
            raise ValidationError({"clinical_status": _("Unknown clinical status.")})
        changes["clinical_status"] = (case.clinical_status, clinical_status)
        case.clinical_status = clinical_status
    if onset_date is not ... and onset_date != case.onset_date:
        if onset_date is not None and onset_date > timezone.localtime().date():
            raise ValidationError({"onset_date": _("The onset date cannot be in the future.")})
        changes["onset_date"] = (str(case.onset_date or ""), str(onset_date or ""))
        case.onset_date = onset_date
        if window_start is None:
            window_start, _end = lookback_window(onset_date=onset_date, first_positive_at=case.first_positive_at,
                                                 end_at=case.window_end, lookback_days=active_rules().lookback_days)
    if window_start is not None or window_end is not None:
        start, end = _aware(window_start) or case.window_start, _aware(window_end) or case.window_end
        if end < start:
            raise ValidationError({"window_end": _("The look-back window ends before it starts.")})
        if (start, end) != (case.window_start, case.window_end):
            changes["window"] = (f"{_local(case.window_start)} – {_local(case.window_end)}",
                                 f"{_local(start)} – {_local(end)}")
            case.window_start, case.window_end = start, end
    if summary is not None and summary.strip() != case.summary:
        if len(summary) > 5000:
            raise ValidationError({"summary": _("The summary is longer than 5,000 characters.")})
        changes["summary"] = ("…", "…")
        case.summary = summary.strip()
    if changes:
        case.save()
        audit_record(actor=actor, obj=case, action="edit", unit_path=case.unit.path, changes=changes)
    return case


def _close_case_task(case: Case, kind: str, actor) -> None:
    from fangkong.tasks.services import task_complete

    for task in _open_case_tasks(case).filter(kind=kind):
        task_complete(task=task, outcome="done", actor=None,
                      note=_("Recorded by %(user)s") % {"user": actor.username} if actor else "")


@transaction.atomic
def case_mark(*, case: Case, step: str, actor, at: datetime.datetime | None = None) -> Case:
    """Record a step of the investigation: "first_contact" (the tracer reached the case), "core" (itinerary and
    close contacts complete) or "report" (the full report). Each step is recorded once."""
    case = Case.objects.select_for_update(of=("self",)).select_related("unit").get(pk=case.pk)
    _ensure_may_trace(actor, case.unit)
    now = timezone.now()
    at = _aware(at) or now
    if at > now + datetime.timedelta(minutes=5):
        raise ValidationError({"at": _("This cannot be in the future.")})
    if at < case.reported_at:
        raise ValidationError({"at": _("This cannot be before the positive result (%(at)s).") % {
            "at": _local(case.reported_at)}})
    field = {"first_contact": "first_contact_at", "core": "core_done_at", "report": "report_done_at"}.get(step)
    if field is None:
        raise ValidationError({"step": _("Unknown step.")})
    if getattr(case, field) is not None:
        raise ValidationError({"step": _("This step was already recorded at %(at)s.") % {
            "at": _local(getattr(case, field))}})
    if step == "core" and not case.visits.exists():
        raise ValidationError({"step": _("Record at least one place of the itinerary before the core information "
                                         "is complete.")})
    if step == "report" and case.core_done_at is None:
        raise ValidationError({"step": _("Complete the core information before the full report.")})
    if step in ("core", "report") and case.first_contact_at is None:
        case.first_contact_at = at
    setattr(case, field, at)
    case.save()
    audit_record(actor=actor, obj=case, action=f"step:{step}", unit_path=case.unit.path,
                 changes={field: (None, _local(at))})
    if step == "core":
        _close_case_task(case, "trace_core", actor)
    elif step == "report":
        _close_case_task(case, "trace_core", actor)
        _close_case_task(case, "trace_report", actor)
    return case


def case_transfer_completed(task, outcome: str, actor) -> None:
    """Called by tasks.task_complete in its transaction: a case taken to hospital is under hospital status."""
    from fangkong.people.models import Person
    from fangkong.people.services import person_status_change

    if outcome != "transferred" or task.subject_type != CASE_SUBJECT:
        return
    case = Case.objects.filter(pk=task.subject_id).first()
    if case is None:
        return
    person = Person.objects.get(pk=case.person_id)
    if person.status != "hospital":
        person_status_change(person=person, to_status="hospital", actor=actor, task=task,
                             cause=_("Case %(number)s taken to the designated hospital") % {"number": case.number})


# --- itinerary and exposures -----------------------------------------------------------------------------------


@transaction.atomic
def visit_add(*, case: Case, actor, name: str, start: datetime.datetime, end: datetime.datetime | None = None,
              kind: str = PlaceVisit.Kind.VENUE, place_code: str = "", address: str = "", note: str = "") -> PlaceVisit:
    _ensure_may_trace(actor, case.unit)
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Name the place.")})
    if kind not in PlaceVisit.Kind.values:
        raise ValidationError({"kind": _("Unknown kind of place.")})
    start, end = _aware(start), _aware(end)
    if start is None:
        raise ValidationError({"start": _("Say when the case arrived.")})
    if end is not None and end < start:
        raise ValidationError({"end": _("The case cannot leave before arriving.")})
    if start > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"start": _("A visit cannot be in the future.")})
    visit = PlaceVisit.objects.create(case=case, kind=kind, name=name[:100], place_code=(place_code or "").strip()[:60],
                                      address=(address or "").strip()[:200], start=start, end=end,
                                      note=(note or "").strip()[:200], recorded_by=acting_user(actor))
    audit_record(actor=actor, obj=case, action="visit_add", unit_path=case.unit.path,
                 changes={"visit": (None, f"{name} {_local(start)}")})
    return visit


@transaction.atomic
def visit_remove(*, visit: PlaceVisit, actor) -> None:
    case = visit.case
    _ensure_may_trace(actor, case.unit)
    audit_record(actor=actor, obj=case, action="visit_remove", unit_path=case.unit.path,
                 changes={"visit": (f"{visit.name} {_local(visit.start)}", None)})
    visit.delete()


@transaction.atomic
def exposure_add(*, case: Case, actor, kind: str, description: str, at: datetime.datetime | None = None,
                 source_case_number: str = "") -> Exposure:
    """How the case may have been infected; naming a source case links the two cases (probable)."""
    _ensure_may_trace(actor, case.unit)
    if kind not in Exposure.Kind.values:
        raise ValidationError({"kind": _("Unknown kind of exposure.")})
    description = " ".join((description or "").split())
    if not description:
        raise ValidationError({"description": _("Describe the exposure.")})
    at = _aware(at)
    if at is not None and at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"at": _("An exposure cannot be in the future.")})
    source_case = None
    if source_case_number.strip():
        source_case = case_by_number(source_case_number, field="source_case_number")
    exposure = Exposure.objects.create(case=case, kind=kind, at=at, description=description[:300],
                                       source_case=source_case, recorded_by=acting_user(actor))
    if source_case is not None and not Link.objects.filter(infector=source_case, infectee=case).exists():
        link_add(infector=source_case, infectee=case, confidence=Link.Confidence.PROBABLE, basis=description[:200],
                 actor=actor)
    return exposure


def case_by_number(number: str, *, field: str) -> Case:
    number = (number or "").strip().upper()
    case = Case.objects.filter(number=number).first()
    if case is None:
        raise ValidationError({field: _("No case numbered %(number)s.") % {"number": number}})
    return case


# --- contacts ----------------------------------------------------------------------------------------------------


def _refresh_controlled(case: Case) -> None:
    """contacts_controlled_at: when the last close contact found so far came under control (None while one is
    not yet under control)."""
    close = Contact.objects.filter(case=case, category=Contact.Category.CLOSE, person__isnull=False)
    if close.filter(controlled_at__isnull=True, status=Contact.Status.CONTROLLED).exists() or not close.exists():
        value = None
    else:
        value = close.aggregate(last=Max("controlled_at"))["last"]
    if value != case.contacts_controlled_at:
        Case.objects.filter(pk=case.pk).update(contacts_controlled_at=value)
        case.contacts_controlled_at = value


def _clean_exposure(case: Case, exposure_at) -> datetime.datetime:
    exposure_at = _aware(exposure_at)
    if exposure_at is None:
        raise ValidationError({"exposure_at": _("Give the time of the last exposure.")})
    if exposure_at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"exposure_at": _("An exposure cannot be in the future.")})
    if exposure_at < case.window_start:
        raise ValidationError({"exposure_at": _("%(at)s is before the case's look-back window (from %(start)s).")
                               % {"at": _local(exposure_at), "start": _local(case.window_start)}})
    return exposure_at


@transaction.atomic
def contact_add(*, case: Case, actor, category: str, exposure_at: datetime.datetime, reason: str, person=None,
                via: Contact | None = None, source: str = Contact.Source.MANUAL, copresent_minutes: int | None = None,
                outside: dict | None = None) -> Contact:
    """Classify a contact of the case and start the protocol's measure for them at once.

    `person` is someone on file anywhere in the city: the measure's tasks go to their own grid. `outside` (name,
    id_type, id_number, phone, region, address) is someone outside the jurisdiction: an assist request.
    A secondary contact names the close contact (`via`) through whom they were exposed.
    """
    _ensure_may_trace(actor, case.unit)
    if category not in Contact.Category.values:
        raise ValidationError({"category": _("Choose close contact, secondary contact or co-present person.")})
    if category == Contact.Category.SECONDARY:
        if via is None or via.category != Contact.Category.CLOSE:
            raise ValidationError({"via": _("A secondary contact needs the close contact through whom they were "
                                            "exposed.")})
    elif via is not None:
        raise ValidationError({"via": _("Only a secondary contact goes through a close contact.")})
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Say why this person is a contact (shared household, office, meal…).")})
    exposure_at = _clean_exposure(case, exposure_at)
    if person is None and not outside:
        raise ValidationError({"person": _("Find the person by ID number, or give their details as an assist "
                                           "request.")})
    if person is not None:
        return _contact_on_file(case=case, person=person, category=category, exposure_at=exposure_at, reason=reason,
                                via=via, source=source, copresent_minutes=copresent_minutes, actor=actor)
    return _contact_outside(case=case, outside=outside, category=category, exposure_at=exposure_at, reason=reason,
                            via=via, source=source, copresent_minutes=copresent_minutes, actor=actor)


def _contact_on_file(*, case, person, category, exposure_at, reason, via, source, copresent_minutes, actor):
    from fangkong.protocols.models import Measure

    if person.merged_into_id:
        raise ValidationError({"person": _("This record was merged into another; use that one.")})
    if person.pk == case.person_id:
        raise ValidationError({"person": _("A case is not their own contact.")})
    other_case = Case.objects.filter(person=person).only("number").first()
    if other_case is not None:
        raise ValidationError({"person": _("%(name)s is already case %(number)s; link the two cases instead.") % {
            "name": person.name, "number": other_case.number}})
    day_one = timezone.localtime(exposure_at).date()
    existing = Contact.objects.filter(case=case, person=person).select_related("measure").first()
    if existing is not None:
        if (existing.category == category and existing.status == Contact.Status.CONTROLLED and existing.measure
                and existing.measure.status == Measure.Status.ACTIVE and day_one > existing.measure.day_one):
            return _contact_exposed_again(existing, exposure_at=exposure_at, reason=reason, actor=actor)
        raise ValidationError({"person": _("%(name)s is already a contact of this case.") % {"name": person.name}})
    # Opened by the system for the contact's own grid: the protocol demands it, whoever the tracer is.
    measure = _measure_for_exposure(person=person, category=category, day_one=day_one, case=case)
    person.refresh_from_db(fields=["status", "status_since"])
    now = timezone.now()
    if measure.status == Measure.Status.ACTIVE:
        status = Contact.Status.CONTROLLED
        controlled_at = now if person.status in CONFINING_STATUSES or not _confines(measure) else None
    else:
        status, controlled_at = Contact.Status.NOT_REQUIRED, now
    contact = Contact.objects.create(
        case=case, person=person, unit=person.unit, category=category, via=via, reason=reason[:200],
        exposure_at=exposure_at, source=source, copresent_minutes=copresent_minutes, status=status, measure=measure,
        controlled_at=controlled_at, created_by=acting_user(actor))
    audit_record(actor=actor, obj=case, action="contact_add", unit_path=case.unit.path,
                 changes={"contact": (None, f"{category} #{person.pk}")}, note=reason[:200])
    _refresh_controlled(case)
    return contact


# The source of a measure started again because its person was exposed again after its day one (day 1 is the day of
# last exposure): the contact's row says the period restarted.
REEXPOSURE_SOURCE = "tracing.reexposure"


def _measure_for_exposure(*, person, category: str, day_one, case: Case):
    """The measure an exposure on `day_one` puts the person under. A running contact measure of the same category
    that counts from this day or later covers it; one counting from an earlier day ends, and a new period starts
    from this exposure (re-exposure restarts the period), so that nobody runs two periods at once."""
    from fangkong.protocols.models import Measure
    from fangkong.protocols.services import measure_end, measure_start

    running = (Measure.objects.filter(person=person, category=category, status=Measure.Status.ACTIVE,
                                      source__in=("tracing", REEXPOSURE_SOURCE))
               .order_by("-day_one", "-pk").first())
    if running is not None and day_one <= running.day_one:
        return running
    if running is not None:
        measure_end(measure=running, actor=None, reason=_("Exposed again on %(day)s (case %(number)s): the period "
                                                          "restarts") % {"day": day_one.isoformat(),
                                                                         "number": case.number})
    return measure_start(person=person, category=category, day_one=day_one, actor=None,
                         source=REEXPOSURE_SOURCE if running is not None else "tracing", source_ref=case.number)


def _contact_exposed_again(contact: Contact, *, exposure_at, reason: str, actor) -> Contact:
    """The same case exposed its contact again, on a later day: the last exposure moves and the period restarts."""
    previous = contact.exposure_at
    contact.measure = _measure_for_exposure(person=contact.person, category=contact.category,
                                            day_one=timezone.localtime(exposure_at).date(), case=contact.case)
    contact.exposure_at = exposure_at
    contact.save(update_fields=["measure", "exposure_at"])
    audit_record(actor=actor, obj=contact.case, action="contact_exposed_again", unit_path=contact.case.unit.path,
                 changes={"exposure_at": (_local(previous), _local(exposure_at))}, note=reason[:200])
    return contact


def _confines(measure) -> bool:
    from fangkong.protocols.selectors import measure_plan

    plan = measure_plan(measure=measure)
    return bool(plan.status_now)


def _contact_outside(*, case, outside, category, exposure_at, reason, via, source, copresent_minutes, actor):
    from fangkong.people.identity import document_for_form, phone_for_form

    name = " ".join(str(outside.get("name") or "").split())
    if not name:
        raise ValidationError({"name": _("Give the contact's name for the assist request.")})
    id_type = outside.get("id_type") or "resident"
    id_number = str(outside.get("id_number") or "").strip()
    phone = str(outside.get("phone") or "").strip()
    if not id_number and not phone:
        raise ValidationError({"id_number": _("An assist request needs an ID number or a phone number.")})
    if id_number:
        id_number = document_for_form(id_type, id_number).number
    if phone:
        phone = phone_for_form(phone)
    address = str(outside.get("address") or "").strip()[:200]
    region, region_code = str(outside.get("region") or "").strip()[:100], ""
    if address:
        from fangkong.risk.regions import resolve_origin

        origin = resolve_origin(address)
        if origin is not None:
            region_code = origin.code
            region = region or f"{origin.province}{origin.city}{origin.county}"
    contact = Contact.objects.create(
        case=case, person=None, unit=None, category=category, via=via, reason=reason[:200], exposure_at=exposure_at,
        source=source, copresent_minutes=copresent_minutes, status=Contact.Status.ASSIST, created_by=acting_user(actor))
    AssistRequest.objects.create(contact=contact, name=name[:50], id_type=id_type if id_number else "",
                                 id_number=id_number, phone=phone, region=region, region_code=region_code,
                                 address=address)
    audit_record(actor=actor, obj=case, action="assist_add", unit_path=case.unit.path,
                 changes={"assist": (None, category)}, note=reason[:200])
    return contact


@transaction.atomic
def contact_release(*, contact: Contact, actor, reason: str) -> Contact:
    """Take a contact off the case's list early (classified in error, ruled out); their measure ends."""
    from fangkong.protocols.services import measure_end

    contact = Contact.objects.select_for_update(of=("self",)).select_related("case__unit", "measure").get(pk=contact.pk)
    _ensure_may_trace(actor, contact.case.unit)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Say why the contact is released.")})
    if contact.status not in (Contact.Status.CONTROLLED, Contact.Status.ASSIST, Contact.Status.NOT_REQUIRED):
        raise ValidationError(_("This contact is no longer under the case's measures."))
    if contact.measure_id and contact.measure.status == "active":
        measure_end(measure=contact.measure, reason=reason[:200], actor=None)
    contact.status = Contact.Status.RELEASED
    contact.save(update_fields=["status"])
    audit_record(actor=actor, obj=contact.case, action="contact_release", unit_path=contact.case.unit.path,
                 changes={"contact": (contact.category, Contact.Status.RELEASED)}, note=reason[:200])
    _refresh_controlled(contact.case)
    return contact


def person_for_contact(*, id_type: str, id_number: str):
    """The person on file with this document anywhere in the city (the tracer need not see their record)."""
    from fangkong.people.identity import document_for_form
    from fangkong.people.selectors import person_by_document

    return person_by_document(id_type=id_type, id_number=document_for_form(id_type, id_number).number)


@transaction.atomic
def assist_mark(*, assist: AssistRequest, status: str, actor, answer: str = "") -> AssistRequest:
    """Record that a request was sent to the receiving city, or what it answered."""
    assist = (AssistRequest.objects.select_for_update(of=("self",)).select_related("contact__case__unit")
              .get(pk=assist.pk))
    _ensure_may_trace(actor, assist.contact.case.unit)
    answer = " ".join((answer or "").split())
    previous = assist.status
    if status == AssistRequest.Status.SENT:
        if previous != AssistRequest.Status.PENDING:
            raise ValidationError({"status": _("This request was already sent.")})
        assist.sent_at = timezone.now()
    elif status == AssistRequest.Status.ANSWERED:
        if not answer:
            raise ValidationError({"answer": _("Write what the receiving city answered.")})
        if previous == AssistRequest.Status.PENDING:
            assist.sent_at = assist.sent_at or timezone.now()
        assist.answer = answer[:300]
    else:
        raise ValidationError({"status": _("Unknown status.")})
    assist.status = status
    assist.save(update_fields=["status", "sent_at", "answer"])
    case = assist.contact.case
    audit_record(actor=actor, obj=case, action="assist_update", unit_path=case.unit.path,
                 changes={"assist": (previous, status)}, note=answer[:300])
    return assist


# --- links between cases -------------------------------------------------------------------------------------------


@transaction.atomic
def link_add(*, infector: Case, infectee: Case, confidence: str, actor, basis: str = "") -> Link:
    """Who infected whom. A case cannot infect itself or anyone who infected it (no cycles)."""
    _ensure_may_trace(actor, infectee.unit)
    if infector.pk == infectee.pk:
        raise ValidationError({"infector": _("A case cannot infect itself.")})
    if confidence not in Link.Confidence.values:
        raise ValidationError({"confidence": _("Choose how sure the link is.")})
    if Link.objects.filter(infector=infector, infectee=infectee).exists():
        raise ValidationError({"infector": _("%(a)s → %(b)s is already linked.") % {
            "a": infector.number, "b": infectee.number}})
    edges = list(Link.objects.values_list("infector_id", "infectee_id"))
    if would_create_cycle(edges, infector.pk, infectee.pk):
        raise ValidationError({"infector": _("%(b)s is already upstream of %(a)s: the link would make a circle.")
                               % {"a": infector.number, "b": infectee.number}})
    link = Link.objects.create(infector=infector, infectee=infectee, confidence=confidence,
                               basis=" ".join((basis or "").split())[:200], created_by=acting_user(actor))
    audit_record(actor=actor, obj=infectee, action="link_add", unit_path=infectee.unit.path,
                 changes={"link": (None, f"{infector.number} → {infectee.number} ({confidence})")})
    return link


@transaction.atomic
def link_remove(*, link: Link, actor) -> None:
    _ensure_may_trace(actor, link.infectee.unit)
    audit_record(actor=actor, obj=link.infectee, action="link_remove", unit_path=link.infectee.unit.path,
                 changes={"link": (f"{link.infector.number} → {link.infectee.number}", None)})
    link.delete()


# --- co-presence hits ------------------------------------------------------------------------------------------------


@transaction.atomic
def hits_confirm(*, run, hit_ids, category: str, actor) -> list[Contact]:
    """The tracer confirms co-presence hits as contacts of the case (each starts its measure); hits of people not
    on file cannot be confirmed here (the page says so) and are left to review."""
    _ensure_may_trace(actor, run.case.unit)
    if category not in (Contact.Category.CLOSE, Contact.Category.CO_PRESENT):
        raise ValidationError({"category": _("Co-presence hits are confirmed as close contacts or co-present "
                                             "people.")})
    hits = list(DetectionHit.objects.select_for_update(of=("self",))
                .filter(run=run, pk__in=list(hit_ids), status=DetectionHit.Status.PROPOSED)
                .select_related("person__unit"))
    if not hits:
        raise ValidationError({"hits": _("Tick at least one person still to review.")})
    contacts = []
    for hit in hits:
        if hit.person is None:
            continue
        existing = Contact.objects.filter(case=run.case, person=hit.person).first()
        contact = existing or contact_add(
            case=run.case, person=hit.person, category=category, actor=actor,
            exposure_at=max(hit.last_contact, run.case.window_start), source=Contact.Source.COPRESENCE,
            copresent_minutes=round(hit.copresent_minutes),
            reason=_("Co-present %(minutes)d min at %(places)s") % {"minutes": round(hit.copresent_minutes),
                                                                   "places": hit.places[:150]})
        hit.status, hit.contact = DetectionHit.Status.CONFIRMED, contact
        hit.save(update_fields=["status", "contact"])
        contacts.append(contact)
    if not contacts:
        raise ValidationError({"hits": _("None of the ticked people is on file; add them by hand with their "
                                         "details.")})
    return contacts


@transaction.atomic
def hits_dismiss(*, run, hit_ids, actor) -> int:
    _ensure_may_trace(actor, run.case.unit)
    return DetectionHit.objects.filter(run=run, pk__in=list(hit_ids), status=DetectionHit.Status.PROPOSED).update(
        status=DetectionHit.Status.DISMISSED)


# --- from the testing module ---------------------------------------------------------------------------------------


def positive_case_opened(positive_case) -> Case | None:
    """testing calls this when a single tube is positive: the investigation starts at once."""
    if positive_case.person_id is None:
        return None
    tube = positive_case.tube
    source = Case.Source.TESTING_ROUND if tube.round_id else Case.Source.CONTROLLED
    return case_open(person=positive_case.person, first_positive_at=positive_case.sampled_at, source=source,
                     actor=None, ct_orf1ab=positive_case.ct_orf1ab, ct_n=positive_case.ct_n, source_ref=tube.code,
                     positive_case=positive_case, reported_at=positive_case.reported_at)
