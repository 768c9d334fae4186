"""The lab-message inbox: a lab's Bundle of results, matched to tubes and fed to testing's result path; what
does not match exactly waits in the human queue (InboxItem) until someone picks the tube or rejects it.

Matching is exact: the Specimen's accession identifier is a tube code, the tube was sent to one of the posting
user's labs and received there; or, with no tube code, the Patient's ID number is on exactly one tube awaiting a
result at those labs. Anything else is queued with its reason — never guessed.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.scope import acting_user, ensure_capability, ensure_may
from fangkong.audit.services import audit_record
from fangkong.interop.fhir.inbox import IncomingResult, LabMessage
from fangkong.interop.models import InboxItem, ProcessedMessage
from fangkong.testing.models import Lab, Sample, Tube
from fangkong.testing.services import tube_result_record

AWAITING = (Tube.Status.RECEIVED,)


@dataclass
class EntryOutcome:
    index: int
    outcome: str  # "applied", "unchanged" or "queued"
    tube_code: str = ""
    reason: str = ""
    item_id: int | None = None


@dataclass
class InboxSummary:
    applied: int = 0
    unchanged: int = 0
    queued: int = 0
    replay: bool = False
    entries: list[EntryOutcome] = field(default_factory=list)


def labs_of(user) -> list[Lab]:
    return list(Lab.objects.filter(staff__user=user).order_by("pk")) if user is not None else []


def _queue(result: IncomingResult, *, lab: Lab, reason: str, actor, message, detail: str = "",
           candidates=()) -> InboxItem:
    item = InboxItem.objects.create(
        lab=lab, unit=lab.unit, message=message, entry_index=result.index, observation=result.observation,
        specimen=result.specimen, patient=result.patient, tube_code=result.tube_code, id_number=result.id_number,
        result=result.result, ct_orf1ab=result.ct_orf1ab, ct_n=result.ct_n, tested_at=result.tested_at,
        reason=reason, detail=detail[:300], candidates=list(candidates), received_by=acting_user(actor))
    audit_record(actor=actor, obj=item, action="queue", unit_path=lab.unit.path, changes={"reason": (None, reason)})
    return item


def _match(result: IncomingResult, labs: list[Lab]) -> tuple[Tube | None, str, list[str]]:
    """(tube, "", []) for an exact match, else (None, reason, candidate codes)."""
    lab_ids = {lab.pk for lab in labs}
    if result.tube_code:
        tube = Tube.objects.filter(code=result.tube_code).select_related("lab", "unit").first()
        if tube is None:
            return None, InboxItem.Reason.UNKNOWN_TUBE, []
        if tube.lab_id is None:  # sealed, not handed to any lab yet
            return None, InboxItem.Reason.NOT_RECEIVED, []
        if tube.lab_id not in lab_ids:
            return None, InboxItem.Reason.OTHER_LAB, []
        if tube.status not in (Tube.Status.RECEIVED, Tube.Status.RESULTED):
            return None, InboxItem.Reason.NOT_RECEIVED, []
        return tube, "", []
    if not result.id_number:
        return None, InboxItem.Reason.NO_SPECIMEN, []
    samples = Sample.objects.filter(id_type=result.id_type, id_number=result.id_number)
    if not samples.exists():
        return None, InboxItem.Reason.PERSON_NOT_FOUND, []
    tubes = list(Tube.objects.filter(pk__in=samples.values("tube_id"), lab_id__in=lab_ids, status__in=AWAITING)
                 .select_related("lab", "unit").order_by("pk")[:10])
    if not tubes:
        return None, InboxItem.Reason.NO_TUBE_FOR_PERSON, []
    if len(tubes) > 1:
        return None, InboxItem.Reason.AMBIGUOUS, [t.code for t in tubes]
    return tubes[0], "", []


def _lab_for_queue(result: IncomingResult, labs: list[Lab]) -> Lab:
    return next((lab for lab in labs if result.lab_code and lab.code == result.lab_code), labs[0])


@transaction.atomic(durable=True)
def lab_message_apply(*, message: LabMessage, actor) -> InboxSummary:
    """Applies a checked lab message in one transaction: each result recorded through testing or queued. The same
    message (Bundle.identifier or MessageHeader id) a second time changes nothing."""
    ensure_capability(actor, "testing.result")
    labs = labs_of(actor)
    if actor is not None and not labs:
        raise PermissionDenied("not staff of any lab")
    summary = InboxSummary()
    processed = None
    if message.key:
        existing = ProcessedMessage.objects.filter(key=message.key).first()
        if existing is not None:
            return InboxSummary(applied=existing.applied, unchanged=existing.unchanged, queued=existing.queued,
                                replay=True)
        try:
            with transaction.atomic():
                processed = ProcessedMessage.objects.create(key=message.key, received_by=acting_user(actor))
        except IntegrityError:  # the same message posted twice at once: the other request applies it
            return InboxSummary(replay=True)
    for result in message.results:
        tube, reason, candidates = _match(result, labs)
        if tube is not None:
            try:
                tube, changed = tube_result_record(
                    tube=tube, result=result.result, ct_orf1ab=result.ct_orf1ab, ct_n=result.ct_n,
                    tested_at=result.tested_at, lab=tube.lab, actor=actor,
                    extra={"fhir_message": message.key} if message.key else None)
            except ValidationError as exc:
                item = _queue(result, lab=tube.lab, reason=InboxItem.Reason.REFUSED, actor=actor, message=processed,
                              detail=" ".join(exc.messages))
                summary.queued += 1
                summary.entries.append(EntryOutcome(result.index, "queued", result.tube_code, item.reason, item.pk))
                continue
            outcome = "applied" if changed else "unchanged"
            summary.applied += changed
            summary.unchanged += not changed
            summary.entries.append(EntryOutcome(result.index, outcome, tube.code))
            continue
        item = _queue(result, lab=_lab_for_queue(result, labs), reason=reason, actor=actor, message=processed,
                      candidates=candidates)
        summary.queued += 1
        summary.entries.append(EntryOutcome(result.index, "queued", result.tube_code, reason, item.pk))
    if processed is not None:
        processed.applied, processed.unchanged, processed.queued = summary.applied, summary.unchanged, summary.queued
        processed.save(update_fields=["applied", "unchanged", "queued"])
    return summary


def _open_item(item: InboxItem, actor) -> InboxItem:
    ensure_may(actor, "interop.resolve", item.unit)
    item = InboxItem.objects.select_for_update().select_related("lab", "unit").get(pk=item.pk)
    if actor is not None and not InboxItem.objects.visible_to(actor, "resolve").filter(pk=item.pk).exists():
        raise PermissionDenied("outside your jurisdiction")
    if item.status != InboxItem.Status.OPEN:
        raise ValidationError({"tube_code": _("This result was already dealt with on %(at)s.")
                               % {"at": timezone.localtime(item.resolved_at).strftime("%Y-%m-%d %H:%M")}})
    return item


@transaction.atomic(durable=True)
def inbox_item_resolve(*, item: InboxItem, tube_code: str, actor) -> InboxItem:
    """The person picks the tube the result is for; it goes through testing's result path as the lab's result."""
    item = _open_item(item, actor)
    code = "".join((tube_code or "").split())
    if not code:
        raise ValidationError({"tube_code": _("Enter the tube code the result is for.")})
    tubes = Tube.objects.visible_to(actor, "view") if actor is not None else Tube.objects.all()
    tube = tubes.filter(code=code).select_related("lab", "unit").first()
    if tube is None:
        raise ValidationError({"tube_code": _("No tube %(code)s in your jurisdiction.") % {"code": code}})
    if tube.lab_id != item.lab_id:
        raise ValidationError({"tube_code": _("Tube %(code)s was not sent to %(lab)s.")
                               % {"code": code, "lab": item.lab.name}})
    if tube.status not in (Tube.Status.RECEIVED, Tube.Status.RESULTED):
        raise ValidationError({"tube_code": _("Tube %(code)s has not been received by %(lab)s.")
                               % {"code": code, "lab": item.lab.name}})
    # The result is the lab's: recorded as the system on the lab's behalf, the resolver named on the item.
    tube_result_record(tube=tube, result=item.result, ct_orf1ab=item.ct_orf1ab, ct_n=item.ct_n,
                       tested_at=item.tested_at, lab=item.lab, actor=None,
                       extra={"fhir_inbox_item": item.pk})
    item.status, item.resolved_tube = InboxItem.Status.RESOLVED, tube
    item.resolved_by, item.resolved_at = acting_user(actor), timezone.now()
    item.save(update_fields=["status", "resolved_tube", "resolved_by", "resolved_at"])
    audit_record(actor=actor, obj=item, action="resolve", unit_path=item.unit.path,
                 changes={"tube": (None, tube.code)})
    return item


@transaction.atomic(durable=True)
def inbox_item_reject(*, item: InboxItem, reason: str, actor) -> InboxItem:
    item = _open_item(item, actor)
    reason = " ".join((reason or "").split())
    if len(reason) < 2:
        raise ValidationError({"reason": _("Say why the result is rejected.")})
    item.status, item.rejection = InboxItem.Status.REJECTED, reason[:300]
    item.resolved_by, item.resolved_at = acting_user(actor), timezone.now()
    item.save(update_fields=["status", "rejection", "resolved_by", "resolved_at"])
    audit_record(actor=actor, obj=item, action="reject", unit_path=item.unit.path,
                 changes={"rejection": (None, item.rejection)})
    return item
