"""Writes of supervision, along the closed loop of seed 003's seventh measure (书面交办、跟踪整改、形成闭环):

checklists (HQ) → an inspection and its route → the inspector fills a site's checklist → each failed item is a
finding (one transaction) → the finding is handed over in writing to the unit that answers for it (a numbered
assignment, a task for the responsible person, a PDF) → the unit reports its rectification (a verification task
for the inspector, due within VERIFY_WITHIN) → the inspector verifies and closes it, or sends it back with a
longer deadline.

Assignment numbers are drawn from a per-year counter row locked with SELECT … FOR UPDATE, so two assignments
issued at once never share a number and no number is skipped. actor=None is the system.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import acting_user, ensure_may
from fangkong.audit.services import audit_record
from fangkong.core.paths import is_within
from fangkong.supervision.kinds import RECTIFICATION, SUBJECT_TYPE, VERIFICATION
from fangkong.supervision.models import (
    Assignment,
    AssignmentCounter,
    Checklist,
    ChecklistItem,
    CheckResult,
    Finding,
    Inspection,
    InspectionSite,
    Photo,
    Rectification,
    Severity,
    SiteType,
)
from fangkong.supervision.photos import ProcessedPhoto, process_photo
from fangkong.territory.models import Responsibility, Unit
from fangkong.territory.selectors import responsible_for

# How long the unit has to rectify, by severity (a constant table; SUPERVISION_RECTIFY_HOURS may override it).
RECTIFY_WITHIN = {
    Severity.SERIOUS: datetime.timedelta(hours=24),
    Severity.ORDINARY: datetime.timedelta(hours=72),
    Severity.MINOR: datetime.timedelta(days=7),
}
# How long the inspectors have to verify a reported rectification (SUPERVISION_VERIFY_HOURS may override it).
VERIFY_WITHIN = datetime.timedelta(hours=24)
# The same item failed at the same site within this window is a repeat finding.
REPEAT_WINDOW = datetime.timedelta(days=30)
# Who answers for a site, most specific first; the deepest node on the site's path with any of them wins.
RESPONSIBLE_ROLES = (Responsibility.Role.UNIT_CONTACT, Responsibility.Role.LIAISON_CADRE,
                     Responsibility.Role.AREA_LEADER, Responsibility.Role.GRID_WORKER)
MAX_PHOTOS = 6


def rectify_within(severity: str) -> datetime.timedelta:
    hours = getattr(settings, "SUPERVISION_RECTIFY_HOURS", {}).get(severity)
    return datetime.timedelta(hours=hours) if hours else RECTIFY_WITHIN[Severity(severity)]


def verify_within() -> datetime.timedelta:
    hours = getattr(settings, "SUPERVISION_VERIFY_HOURS", None)
    return datetime.timedelta(hours=hours) if hours else VERIFY_WITHIN


def _text(value) -> str:
    return " ".join(str(value or "").split())


# --- checklists ------------------------------------------------------------------------------------------------


def _may_manage(actor) -> None:
    if actor is not None and not has_capability(actor, "supervision.manage"):
        raise PermissionDenied("supervision.manage")


def _clean_item(text, severity) -> tuple[str, str]:
    errors = {}
    text = _text(text)
    if not text:
        errors["text"] = _("Write the item.")
    elif len(text) > 200:
        errors["text"] = _("An item is at most 200 characters.")
    if severity not in Severity.values:
        errors["severity"] = _("Choose a severity.")
    if errors:
        raise ValidationError(errors)
    return text, severity


@transaction.atomic
def checklist_item_add(*, checklist: Checklist, text: str, severity: str, actor) -> ChecklistItem:
    _may_manage(actor)
    text, severity = _clean_item(text, severity)
    last = checklist.items.aggregate(last=Max("position"))["last"] or 0
    item = ChecklistItem.objects.create(checklist=checklist, position=last + 1, text=text, severity=severity)
    audit_record(actor=actor, obj=item, action="create", unit_path="/", changes={"text": (None, text)})
    return item


@transaction.atomic
def checklist_item_update(*, item: ChecklistItem, text: str, severity: str, active: bool, actor) -> ChecklistItem:
    """Edits apply to later inspections only: answers keep the text they were filled with."""
    _may_manage(actor)
    text, severity = _clean_item(text, severity)
    changes = {k: (getattr(item, k), v) for k, v in (("text", text), ("severity", severity), ("active", active))
               if getattr(item, k) != v}
    if changes:
        item.text, item.severity, item.active = text, severity, active
        item.save(update_fields=["text", "severity", "active"])
        audit_record(actor=actor, obj=item, action="change", unit_path="/", changes=changes)
    return item


@transaction.atomic
def checklist_item_move(*, item: ChecklistItem, up: bool, actor) -> None:
    _may_manage(actor)
    items = list(ChecklistItem.objects.select_for_update().filter(checklist_id=item.checklist_id))
    items.sort(key=lambda i: (i.position, i.pk))
    index = next(n for n, i in enumerate(items) if i.pk == item.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(items):
        return
    items[index], items[other] = items[other], items[index]
    for position, each in enumerate(items, 1):
        each.position = position
    ChecklistItem.objects.bulk_update(items, ["position"])


# --- inspections -----------------------------------------------------------------------------------------------


@transaction.atomic
def inspection_create(*, unit: Unit, kind: str, day: datetime.date, title: str, team, actor) -> Inspection:
    ensure_may(actor, "supervision.inspect", unit)
    errors = {}
    if kind not in Inspection.Kind.values:
        errors["kind"] = _("Choose planned or unannounced.")
    if day is None:
        errors["day"] = _("Give the date.")
    title = _text(title)
    if not title:
        errors["title"] = _("Give the inspection a title.")
    team = list(team or [])
    if acting_user(actor) is not None and actor not in team:
        team.append(actor)
    if not team:
        errors["team"] = _("An inspection needs a team.")
    for member in team:
        if not has_capability(member, "supervision.inspect") or not member.scope_path or \
                not (is_within(unit.path, member.scope_path) or is_within(member.scope_path, unit.path)):
            errors["team"] = _("%(user)s is not an inspector for %(unit)s.") % {"user": member, "unit": unit}
    if errors:
        raise ValidationError(errors)
    inspection = Inspection.objects.create(unit=unit, kind=kind, day=day, title=title, created_by=acting_user(actor))
    inspection.team.set(team)
    audit_record(actor=actor, obj=inspection, action="create", unit_path=unit.path,
                 changes={"kind": (None, kind), "day": (None, day.isoformat())})
    return inspection


def _may_inspect(actor, inspection: Inspection) -> None:
    ensure_may(actor, "supervision.inspect", inspection.unit)
    if actor is not None and not inspection.team.filter(pk=actor.pk).exists():
        raise PermissionDenied(_("Only the inspection's team may fill it in."))


@transaction.atomic
def inspection_site_add(*, inspection: Inspection, unit: Unit | None, site_type: str, name: str,
                        actor) -> InspectionSite:
    _may_inspect(actor, inspection)
    errors = {}
    if unit is None or not is_within(unit.path, inspection.unit.path):
        errors["unit"] = _("The site must lie in %(unit)s.") % {"unit": inspection.unit}
    if site_type not in SiteType.values:
        errors["site_type"] = _("Choose the type of site.")
    name = _text(name)
    if not name:
        errors["name"] = _("Name the site (e.g. the checkpoint or the market).")
    if errors:
        raise ValidationError(errors)
    position = (inspection.sites.aggregate(last=Max("position"))["last"] or 0) + 1
    site = InspectionSite.objects.create(inspection=inspection, unit=unit, site_type=site_type, name=name[:100],
                                         position=position)
    audit_record(actor=actor, obj=site, action="create", unit_path=unit.path, changes={"name": (None, site.name)})
    return site


@dataclass
class Answer:
    item_id: int
    result: str
    note: str = ""
    photos: list = field(default_factory=list)  # uploaded files


def _processed(uploads, *, keep_location: bool, error_key: str, errors: dict) -> list[ProcessedPhoto]:
    uploads = [u for u in uploads or [] if u]
    if len(uploads) > MAX_PHOTOS:
        errors[error_key] = _("At most %(count)d photos.") % {"count": MAX_PHOTOS}
        return []
    done = []
    for upload in uploads:
        try:
            done.append(process_photo(upload, keep_location=keep_location))
        except ValidationError as exc:
            errors.setdefault(error_key, []).extend(exc.messages)
    return done


def _store(photos: list[ProcessedPhoto], *, unit, actor, result=None, rectification=None) -> None:
    for processed in photos:
        photo = Photo(unit=unit, result=result, rectification=rectification, width=processed.width,
                      height=processed.height, kept_location=processed.kept_location, uploaded_by=acting_user(actor))
        photo.file.save("photo.jpg", ContentFile(processed.content), save=False)
        photo.save()


@transaction.atomic
def site_submit(*, site: InspectionSite, answers: list[Answer], notes: str = "", keep_location: bool = False,
                actor) -> list[Finding]:
    """The filled checklist of one site: every active item answered; a failed item needs a note. Each failed item
    becomes a finding; nothing is written unless all of it is valid (photos included)."""
    site = InspectionSite.objects.select_for_update().select_related("inspection__unit", "unit").get(pk=site.pk)
    _may_inspect(actor, site.inspection)
    if site.status == InspectionSite.Status.SUBMITTED:
        raise ValidationError(_("This site's checklist was already submitted."))
    items = list(ChecklistItem.objects.filter(checklist__site_type=site.site_type, active=True)
                 .order_by("position", "pk"))
    if not items:
        raise ValidationError(_("There is no checklist for this type of site yet."))
    by_item = {a.item_id: a for a in answers}
    errors: dict = {}
    processed: dict[int, list[ProcessedPhoto]] = {}
    for item in items:
        answer = by_item.get(item.pk)
        key = f"item_{item.pk}"
        if answer is None or answer.result not in CheckResult.Result.values:
            errors[key] = _("Answer: pass, fail or not applicable.")
            continue
        if answer.result == CheckResult.Result.FAIL and not (answer.note or "").strip():
            errors[f"note_{item.pk}"] = _("Say what is wrong.")
        if answer.photos and answer.result != CheckResult.Result.FAIL:
            errors[f"photos_{item.pk}"] = _("Photos go with a failed item.")
            continue
        processed[item.pk] = _processed(answer.photos, keep_location=keep_location, error_key=f"photos_{item.pk}",
                                        errors=errors)
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    findings = []
    for item in items:
        answer = by_item[item.pk]
        result = CheckResult.objects.create(site=site, item=item, position=item.position, item_text=item.text,
                                            severity=item.severity, result=answer.result,
                                            note=(answer.note or "").strip())
        if answer.result != CheckResult.Result.FAIL:
            continue
        _store(processed[item.pk], unit=site.unit, actor=actor, result=result)
        repeat_of = (Finding.objects.filter(site_key=site.site_key, item=item, found_at__gte=now - REPEAT_WINDOW)
                     .order_by("-found_at").first())
        findings.append(Finding.objects.create(
            result=result, site=site, unit=site.unit, site_type=site.site_type, site_key=site.site_key, item=item,
            problem=item.text, note=result.note, severity=item.severity, repeat_of=repeat_of, found_at=now,
            found_by=acting_user(actor)))
    site.status, site.notes, site.submitted_at, site.submitted_by = (InspectionSite.Status.SUBMITTED,
                                                                    (notes or "").strip(), now, acting_user(actor))
    site.save(update_fields=["status", "notes", "submitted_at", "submitted_by"])
    inspection = site.inspection
    pending = inspection.sites.filter(status=InspectionSite.Status.PENDING).exists()
    status = Inspection.Status.UNDER_WAY if pending else Inspection.Status.DONE
    if inspection.status != status:
        Inspection.objects.filter(pk=inspection.pk).update(status=status)
    audit_record(actor=actor, obj=site, action="submit", unit_path=site.unit.path,
                 changes={"findings": (None, len(findings))})
    return findings


# --- written assignments ---------------------------------------------------------------------------------------


def find_responsible(unit: Unit) -> Responsibility | None:
    """The responsibility for a site's node: of the roles that answer for a site, the one on the deepest node
    of the path (a unit's own contact before the community's liaison cadre before the street's area leader).
    Someone whose account may not rectify (checkpoint staff named as a unit's contact, say) is passed over: the
    task would sit in an inbox that cannot close it."""
    found = [(r, order) for order, role in enumerate(RESPONSIBLE_ROLES)
             if (r := responsible_for(unit=unit, role=role)) is not None
             and (r.user is None or has_capability(r.user, "supervision.rectify"))]
    if not found:
        return None
    return max(found, key=lambda pair: (pair[0].unit.depth, -pair[1]))[0]


def _next_number(year: int) -> tuple[int, str]:
    AssignmentCounter.objects.get_or_create(year=year)
    counter = AssignmentCounter.objects.select_for_update().get(year=year)
    counter.last = F("last") + 1
    counter.save(update_fields=["last"])
    counter.refresh_from_db(fields=["last"])
    return counter.last, f"督交〔{year}〕第{counter.last:04d}号"


def _open_task(assignment: Assignment, *, actor):
    from fangkong.tasks.services import task_create

    finding = assignment.finding
    detail = "\n".join([finding.problem, finding.note, _("Requirements: %(text)s") % {"text": assignment.requirements}])
    return task_create(
        kind=RECTIFICATION, title=f"{assignment.number} {finding.site.name}: {finding.problem}"[:200],
        unit=assignment.unit, due_at=assignment.due_at, subject_type=SUBJECT_TYPE, subject_id=assignment.pk,
        detail=detail, owner=assignment.owner, priority=1 if assignment.severity == Severity.SERIOUS else 0,
        dedupe_key=f"supervision_rectify:{assignment.pk}:{assignment.reopen_count}", actor=None)


def _verifier(assignment: Assignment):
    """Who verifies: the inspector who issued the assignment, else the one who planned the inspection, else the
    first of its team who still may verify."""
    inspection = assignment.finding.site.inspection
    for user in (assignment.issued_by, inspection.created_by, *inspection.team.order_by("pk")):
        if user is not None and user.is_active and has_capability(user, "supervision.verify"):
            return user
    return None


def _open_verify_task(assignment: Assignment):
    from fangkong.tasks.services import task_create

    finding = assignment.finding
    return task_create(
        kind=VERIFICATION, title=f"{assignment.number} {finding.site.name}: {finding.problem}"[:200],
        unit=assignment.unit, due_at=timezone.now() + verify_within(), subject_type=SUBJECT_TYPE,
        subject_id=assignment.pk, detail=_("Verify the rectification and close the assignment or send it back."),
        owner=_verifier(assignment), priority=1 if assignment.severity == Severity.SERIOUS else 0,
        dedupe_key=f"supervision_verify:{assignment.pk}:{assignment.reopen_count}", actor=None)


def _close_verify_task(assignment: Assignment, outcome: str, note: str) -> None:
    from fangkong.tasks.models import OPEN_STATUSES
    from fangkong.tasks.services import task_complete

    task = assignment.verify_task
    if task is not None and task.status in OPEN_STATUSES:
        task_complete(task=task, outcome=outcome, note=note[:500], actor=None)


@transaction.atomic
def assignment_issue(*, finding: Finding, requirements: str = "", severity: str = "", actor) -> Assignment:
    """Hand a finding over in writing: numbered, to the responsible unit, a deadline by severity, and a task."""
    ensure_may(actor, "supervision.assign", finding.unit)
    finding = Finding.objects.select_for_update(of=("self",)).select_related("site", "unit").get(pk=finding.pk)
    if Assignment.objects.filter(finding=finding).exists():
        raise ValidationError(_("This finding has already been handed over."))
    severity = severity or finding.severity
    if severity not in Severity.values:
        raise ValidationError({"severity": _("Choose a severity.")})
    requirements = (requirements or "").strip() or _("Rectify at once and report what was done, with photos.")
    now = timezone.now()
    year = timezone.localtime(now).year
    seq, number = _next_number(year)
    responsibility = find_responsible(finding.unit)
    owner = responsibility.user if responsibility is not None else None
    assignment = Assignment.objects.create(
        finding=finding, year=year, seq=seq, number=number, unit=finding.unit,
        responsible_unit=responsibility.unit if responsibility is not None else finding.unit,
        responsible_name=responsibility.name if responsibility is not None else "",
        responsible_role=responsibility.role if responsibility is not None else "", owner=owner, severity=severity,
        requirements=requirements, due_at=now + rectify_within(severity), issued_by=acting_user(actor), issued_at=now)
    if severity != finding.severity:
        finding.severity = severity
        finding.save(update_fields=["severity"])
    assignment.task = _open_task(assignment, actor=actor)
    assignment.save(update_fields=["task"])
    audit_record(actor=actor, obj=assignment, action="create", unit_path=assignment.unit.path,
                 changes={"number": (None, number), "due_at": (None, assignment.due_at.isoformat())})
    return assignment


def _locked(assignment: Assignment) -> Assignment:
    return (Assignment.objects.select_for_update(of=("self",))
            .select_related("unit", "finding__site__inspection", "task", "verify_task").get(pk=assignment.pk))


@transaction.atomic
def rectification_report(*, assignment: Assignment, report: str, photos=(), keep_location: bool = False,
                         actor) -> Rectification:
    """The responsible unit reports what it did; its task is done, the assignment awaits verification."""
    from fangkong.tasks.models import OPEN_STATUSES
    from fangkong.tasks.services import task_complete

    assignment = _locked(assignment)
    ensure_may(actor, "supervision.rectify", assignment.unit)
    if actor is not None and not Assignment.objects.visible_to(actor, "rectify").filter(pk=assignment.pk).exists():
        raise PermissionDenied(_("This written assignment was not addressed to you."))
    if assignment.status != Assignment.Status.OPEN:
        raise ValidationError(_("This assignment is not waiting for a rectification report."))
    errors: dict = {}
    report = (report or "").strip()
    if not report:
        errors["report"] = _("Say what was done.")
    processed = _processed(photos, keep_location=keep_location, error_key="photos", errors=errors)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    rectification = Rectification.objects.create(assignment=assignment, report=report, reported_by=acting_user(actor),
                                                 reported_at=now, on_time=now <= assignment.due_at)
    _store(processed, unit=assignment.unit, actor=actor, rectification=rectification)
    assignment.status = Assignment.Status.REPORTED
    assignment.save(update_fields=["status"])
    if assignment.task is not None and assignment.task.status in OPEN_STATUSES:
        task_complete(task=assignment.task, outcome="reported", note=report[:500], actor=None)
    assignment.verify_task = _open_verify_task(assignment)
    assignment.save(update_fields=["verify_task"])
    audit_record(actor=actor, obj=assignment, action="rectify", unit_path=assignment.unit.path,
                 changes={"status": (Assignment.Status.OPEN, Assignment.Status.REPORTED)})
    return rectification


def _pending_rectification(assignment: Assignment) -> Rectification:
    rectification = (assignment.rectifications.select_for_update().filter(verdict=Rectification.Verdict.PENDING)
                     .order_by("-reported_at").first())
    if assignment.status != Assignment.Status.REPORTED or rectification is None:
        raise ValidationError(_("There is no rectification report to verify yet."))
    return rectification


@transaction.atomic
def assignment_close(*, assignment: Assignment, note: str, actor) -> Assignment:
    """Only a verification closes an assignment: a reported rectification, checked, with the inspector's note."""
    assignment = _locked(assignment)
    ensure_may(actor, "supervision.verify", assignment.unit)
    rectification = _pending_rectification(assignment)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Write what you verified.")})
    now = timezone.now()
    rectification.verdict, rectification.verdict_note = Rectification.Verdict.ACCEPTED, note
    rectification.verified_by, rectification.verified_at = acting_user(actor), now
    rectification.save(update_fields=["verdict", "verdict_note", "verified_by", "verified_at"])
    assignment.status, assignment.closed_at, assignment.closed_by = Assignment.Status.CLOSED, now, acting_user(actor)
    assignment.verification_note = note
    assignment.save(update_fields=["status", "closed_at", "closed_by", "verification_note"])
    _close_verify_task(assignment, "closed", note)
    audit_record(actor=actor, obj=assignment, action="close", unit_path=assignment.unit.path, note=note,
                 changes={"status": (Assignment.Status.REPORTED, Assignment.Status.CLOSED)})
    return assignment


@transaction.atomic
def assignment_send_back(*, assignment: Assignment, reason: str, actor) -> Assignment:
    """Not rectified: the reason is required, the deadline grows by the severity's period, a new task opens."""
    assignment = _locked(assignment)
    ensure_may(actor, "supervision.verify", assignment.unit)
    rectification = _pending_rectification(assignment)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"note": _("Say why the rectification is not accepted.")})
    now = timezone.now()
    rectification.verdict, rectification.verdict_note = Rectification.Verdict.RETURNED, reason
    rectification.verified_by, rectification.verified_at = acting_user(actor), now
    rectification.save(update_fields=["verdict", "verdict_note", "verified_by", "verified_at"])
    old_due = assignment.due_at
    assignment.status = Assignment.Status.OPEN
    assignment.reopen_count += 1
    assignment.due_at = max(old_due, now) + rectify_within(assignment.severity)
    assignment.save(update_fields=["status", "reopen_count", "due_at"])
    _close_verify_task(assignment, "sent_back", reason)
    assignment.task = _open_task(assignment, actor=actor)
    assignment.save(update_fields=["task"])
    audit_record(actor=actor, obj=assignment, action="send_back", unit_path=assignment.unit.path, note=reason,
                 changes={"due_at": (old_due.isoformat(), assignment.due_at.isoformat()),
                          "reopen_count": (assignment.reopen_count - 1, assignment.reopen_count)})
    return assignment
