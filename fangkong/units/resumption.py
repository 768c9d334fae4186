"""Reopening (复工复产 / 开学): the unit applies, answering each item of its kind's checklist, with its staff figures
taken at submission; the street or the sector's department (units.review over the unit's node) approves, returns it
for changes or rejects it, with reasons for the last two. Approval cannot skip the checklist: every item answered
and every required item in place, else the review is refused naming the items. Each step writes the status history
in the same transaction, and the unit's status follows (applying → operating, or back to suspended)."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.scope import acting_user
from fangkong.audit.services import audit_record
from fangkong.units.access import APPLY, ensure_org_may
from fangkong.units.models import Application, ApplicationAnswer, ApplicationEvent, Organisation
from fangkong.units.selectors import checklist_items, staff_figures

MAX_NOTE = 500


@dataclass
class Answer:
    item_id: int
    met: bool | None
    note: str = ""
    photo: object = None  # an uploaded image


class Decision:
    APPROVE = "approve"
    RETURN = "return"
    REJECT = "reject"
    ALL = (APPROVE, RETURN, REJECT)


_DECIDED = {Decision.APPROVE: Application.Status.APPROVED, Decision.RETURN: Application.Status.RETURNED,
            Decision.REJECT: Application.Status.REJECTED}


def _set_org_status(organisation: Organisation, status: str) -> None:
    if organisation.status != status:
        organisation.status, organisation.status_since = status, timezone.now()
        organisation.save(update_fields=["status", "status_since"])


def _event(application: Application, from_status: str, actor, reason: str = "") -> None:
    ApplicationEvent.objects.create(application=application, from_status=from_status, to_status=application.status,
                                    at=timezone.now(), actor=acting_user(actor), reason=reason)


@transaction.atomic
def application_submit(*, organisation: Organisation, planned_reopen_on: datetime.date | None, answers: list[Answer],
                       note: str = "", actor) -> Application:
    """The application with one answer per active checklist item (unanswered items are kept as unanswered: the
    reviewer sees them and cannot approve). Photos are re-encoded without metadata; any bad part writes nothing."""
    from fangkong.supervision.photos import process_photo

    organisation = Organisation.objects.select_for_update().select_related("unit").get(pk=organisation.pk)
    ensure_org_may(actor, APPLY, organisation)
    errors: dict = {}
    items = checklist_items(kind=organisation.kind)
    if not items:
        errors["__all__"] = _("There is no checklist for this kind of unit yet; ask the command HQ.")
    if Application.objects.filter(organisation=organisation, status=Application.Status.SUBMITTED).exists():
        errors["__all__"] = _("This unit already has an application awaiting review.")
    if planned_reopen_on is None:
        errors["planned_reopen_on"] = _("Give the planned reopening date.")
    elif planned_reopen_on < timezone.localdate():
        errors["planned_reopen_on"] = _("The planned reopening date has passed.")
    by_item = {a.item_id: a for a in answers}
    photos = {}
    for item in items:
        answer = by_item.get(item.pk)
        if answer is None:
            continue
        if answer.met not in (True, False, None):
            errors[f"item_{item.pk}"] = _("Answer yes or no.")
        if len(answer.note or "") > MAX_NOTE:
            errors[f"note_{item.pk}"] = _("A note is at most %(count)d characters.") % {"count": MAX_NOTE}
        if answer.photo:
            try:
                photos[item.pk] = process_photo(answer.photo, keep_location=False)
            except ValidationError as exc:
                errors[f"photo_{item.pk}"] = exc.messages
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    try:
        with transaction.atomic():
            application = Application.objects.create(
                organisation=organisation, planned_reopen_on=planned_reopen_on, note=(note or "").strip(),
                staff_at_submit=staff_figures(organisation=organisation), submitted_at=now,
                submitted_by=acting_user(actor))
    except IntegrityError:
        raise ValidationError(_("This unit already has an application awaiting review.")) from None
    for item in items:
        answer = by_item.get(item.pk) or Answer(item_id=item.pk, met=None)
        row = ApplicationAnswer(application=application, item=item, position=item.position, item_text=item.text,
                                required=item.required, met=answer.met, note=(answer.note or "").strip())
        if item.pk in photos:
            row.photo.save("photo.jpg", ContentFile(photos[item.pk].content), save=False)
        row.save()
    _event(application, "", actor)
    _set_org_status(organisation, Organisation.Status.APPLYING)
    audit_record(actor=actor, obj=application, action="create", unit_path=organisation.unit.path,
                 changes={"status": (None, application.status),
                          "planned_reopen_on": (None, planned_reopen_on.isoformat())})
    return application


def checklist_gaps(application: Application) -> tuple[list[str], list[str]]:
    """(items not answered, required items not in place) of an application."""
    answers = list(application.answers.all())
    unanswered = [a.item_text for a in answers if a.met is None]
    unmet = [a.item_text for a in answers if a.required and a.met is False]
    return unanswered, unmet


@transaction.atomic
def application_review(*, application: Application, decision: str, reason: str = "", actor) -> Application:
    application = (Application.objects.select_for_update(of=("self",)).select_related("organisation__unit")
                   .get(pk=application.pk))
    organisation = application.organisation
    ensure_org_may(actor, "units.review", organisation)
    if decision not in Decision.ALL:
        raise ValidationError({"decision": _("Approve, return or reject.")})
    if application.status != Application.Status.SUBMITTED:
        raise ValidationError(_("This application was already reviewed."))
    reason = (reason or "").strip()
    if decision != Decision.APPROVE and not reason:
        raise ValidationError({"reason": _("Say why (the unit sees the reason).")})
    if decision == Decision.APPROVE:
        unanswered, unmet = checklist_gaps(application)
        problems = []
        if unanswered:
            problems.append(_("Not answered: %(items)s.") % {"items": "、".join(unanswered)})
        if unmet:
            problems.append(_("Required but not in place: %(items)s.") % {"items": "、".join(unmet)})
        if problems:
            raise ValidationError({"decision": [_("The checklist is not complete; return the application.")]
                                   + problems})
    before = application.status
    application.status = _DECIDED[decision]
    application.reviewed_at, application.reviewed_by = timezone.now(), acting_user(actor)
    application.review_reason = reason
    application.save(update_fields=["status", "reviewed_at", "reviewed_by", "review_reason"])
    _event(application, before, actor, reason)
    _set_org_status(organisation, Organisation.Status.OPEN if decision == Decision.APPROVE
                    else Organisation.Status.SUSPENDED)
    audit_record(actor=actor, obj=application, action="review", unit_path=organisation.unit.path,
                 changes={"status": (before, application.status)}, note=reason[:300])
    return application
