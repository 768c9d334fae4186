"""Writes of units: the organisation and its contacts, its prevention plan and staggered shifts, the checklists by
kind. The roster is in `roster.py`, reopening applications in `resumption.py`, closed loops in `loops.py`.
actor=None is the system."""

import datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from fangkong.accounts.roles import Role, has_capability
from fangkong.accounts.scope import acting_user, ensure_may
from fangkong.audit.services import audit_record
from fangkong.core.paths import is_within
from fangkong.units.access import APPLY, ROSTER, ensure_org_may
from fangkong.units.models import (
    Organisation,
    PreventionPlan,
    StaggeredShift,
    UnitChecklistItem,
    UnitContact,
    UnitKind,
)

PLAN_EXTENSIONS = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".jpg", ".jpeg", ".png", ".txt")


def _text(value) -> str:
    return " ".join(str(value or "").split())


def _phone(value: str) -> str:
    from fangkong.people.identity import normalize_phone

    value = _text(value)
    if not value:
        return ""
    try:
        return normalize_phone(value)
    except ValidationError as exc:
        raise ValidationError({"contact_phone": exc.messages}) from None


def _clean_organisation(*, unit, name, kind, contact_name, contact_phone, industry, address) -> dict:
    errors = {}
    name, contact_name = _text(name), _text(contact_name)
    if unit is None:
        errors["unit"] = _("Choose the jurisdiction node the unit is on.")
    if not name:
        errors["name"] = _("Give the unit's name.")
    elif len(name) > 100:
        errors["name"] = _("A name is at most 100 characters.")
    if kind not in UnitKind.values:
        errors["kind"] = _("Choose the kind of unit.")
    if not contact_name:
        errors["contact_name"] = _("Name the unit's responsible contact (主体责任人).")
    try:
        contact_phone = _phone(contact_phone)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return {"unit": unit, "name": name, "kind": kind, "contact_name": contact_name[:50],
            "contact_phone": contact_phone, "industry": _text(industry)[:60], "address": _text(address)[:200]}


@transaction.atomic
def organisation_create(*, unit, name: str, kind: str, contact_name: str, contact_phone: str = "",
                        industry: str = "", address: str = "", status: str = Organisation.Status.SUSPENDED,
                        actor) -> Organisation:
    data = _clean_organisation(unit=unit, name=name, kind=kind, contact_name=contact_name,
                               contact_phone=contact_phone, industry=industry, address=address)
    ensure_may(actor, "units.change", unit)
    if status not in Organisation.Status.values:
        raise ValidationError({"status": _("Choose a status.")})
    if Organisation.objects.filter(unit=unit, name=data["name"]).exists():
        raise ValidationError({"name": _("%(unit)s already has a unit of this name.") % {"unit": unit.name}})
    organisation = Organisation.objects.create(**data, status=status, created_by=acting_user(actor))
    audit_record(actor=actor, obj=organisation, action="create", unit_path=unit.path,
                 changes={"name": (None, organisation.name), "kind": (None, kind)})
    return organisation


@transaction.atomic
def organisation_update(*, organisation: Organisation, name: str, kind: str, contact_name: str,
                        contact_phone: str = "", industry: str = "", address: str = "", actor) -> Organisation:
    ensure_org_may(actor, "units.change", organisation)
    data = _clean_organisation(unit=organisation.unit, name=name, kind=kind, contact_name=contact_name,
                               contact_phone=contact_phone, industry=industry, address=address)
    if Organisation.objects.filter(unit=organisation.unit, name=data["name"]).exclude(pk=organisation.pk).exists():
        raise ValidationError({"name": _("%(unit)s already has a unit of this name.")
                               % {"unit": organisation.unit.name}})
    changes = {k: (getattr(organisation, k), v) for k, v in data.items()
               if k != "unit" and getattr(organisation, k) != v}
    for key, (_old, new) in changes.items():
        setattr(organisation, key, new)
    if changes:
        organisation.save()
        audit_record(actor=actor, obj=organisation, action="change", unit_path=organisation.unit.path,
                     changes=changes)
    return organisation


@transaction.atomic
def contact_link(*, organisation: Organisation, user, actor) -> UnitContact:
    """Link a staff user with the unit_contact role whose scope node covers the unit's node."""
    ensure_org_may(actor, "units.change", organisation)
    if user is None or user.role != Role.UNIT_CONTACT or not user.is_active:
        raise ValidationError({"username": _("Choose an active user with the role unit contact.")})
    if not user.scope_path or not is_within(organisation.unit.path, user.scope_path):
        raise ValidationError({"username": _("%(user)s's scope does not cover %(unit)s.")
                               % {"user": user, "unit": organisation.unit.name}})
    link, made = UnitContact.objects.get_or_create(organisation=organisation, user=user)
    if made:
        audit_record(actor=actor, obj=organisation, action="change", unit_path=organisation.unit.path,
                     changes={"contact": (None, user.username)})
    return link


@transaction.atomic
def contact_unlink(*, link: UnitContact, actor) -> None:
    ensure_org_may(actor, "units.change", link.organisation)
    audit_record(actor=actor, obj=link.organisation, action="change", unit_path=link.organisation.unit.path,
                 changes={"contact": (link.user.username, None)})
    link.delete()


def _plan_max_bytes() -> int:
    return int(getattr(settings, "UNITS_PLAN_MAX_BYTES", 20 * 1024 * 1024))


@transaction.atomic
def plan_upload(*, organisation: Organisation, text: str, attachment=None, actor) -> PreventionPlan:
    """A new version of the prevention plan (防控预案); the older ones stay, dated."""
    ensure_org_may(actor, APPLY, organisation)
    errors = {}
    text = (text or "").strip()
    if not text and attachment is None:
        errors["text"] = _("Write the plan or attach its file.")
    if attachment is not None:
        suffix = Path(attachment.name or "").suffix.lower()
        if suffix not in PLAN_EXTENSIONS:
            errors["attachment"] = _("Attach a PDF, Word, Excel, image or text file.")
        elif attachment.size > _plan_max_bytes():
            errors["attachment"] = _("The file is larger than %(mb)d MB.") % {"mb": _plan_max_bytes() // 2**20}
    if errors:
        raise ValidationError(errors)
    plan = PreventionPlan(organisation=organisation, text=text, uploaded_by=acting_user(actor))
    if attachment is not None:
        plan.attachment_name = Path(attachment.name).name[:200]
        plan.attachment.save(f"plan{Path(attachment.name).suffix.lower()}", attachment, save=False)
    plan.save()
    audit_record(actor=actor, obj=plan, action="create", unit_path=organisation.unit.path,
                 changes={"attachment": (None, plan.attachment_name)})
    return plan


@transaction.atomic
def shift_add(*, organisation: Organisation, name: str, starts_at: datetime.time | None,
              arrive_from: datetime.time | None, arrive_until: datetime.time | None, headcount: int | None,
              actor) -> StaggeredShift:
    ensure_org_may(actor, ROSTER, organisation)
    errors = {}
    name = _text(name)
    if not name:
        errors["name"] = _("Name the shift (e.g. production line A).")
    if starts_at is None:
        errors["starts_at"] = _("Give the shift's start time.")
    if arrive_from is None or arrive_until is None:
        errors["arrive_from"] = _("Give the arrival window.")
    elif arrive_from >= arrive_until:
        errors["arrive_until"] = _("The window must end after it starts.")
    elif starts_at is not None and arrive_until > starts_at:
        errors["arrive_until"] = _("Staff must have arrived by the start of the shift.")
    if headcount is None or headcount < 0:
        errors["headcount"] = _("Give how many people work the shift.")
    if errors:
        raise ValidationError(errors)
    shift = StaggeredShift.objects.create(organisation=organisation, name=name[:60], starts_at=starts_at,
                                          arrive_from=arrive_from, arrive_until=arrive_until, headcount=headcount)
    audit_record(actor=actor, obj=shift, action="create", unit_path=organisation.unit.path,
                 changes={"starts_at": (None, starts_at.isoformat())})
    return shift


@transaction.atomic
def shift_remove(*, shift: StaggeredShift, actor) -> None:
    ensure_org_may(actor, ROSTER, shift.organisation)
    audit_record(actor=actor, obj=shift, action="delete", unit_path=shift.organisation.unit.path)
    shift.delete()


# --- checklists by kind (HQ) -------------------------------------------------------------------------------------

def _may_manage(actor) -> None:
    if actor is not None and not has_capability(actor, "units.manage"):
        raise PermissionDenied("units.manage")


def _clean_item_text(text) -> str:
    text = _text(text)
    if not text:
        raise ValidationError({"text": _("Write the item.")})
    if len(text) > 200:
        raise ValidationError({"text": _("An item is at most 200 characters.")})
    return text


@transaction.atomic
def checklist_item_add(*, kind: str, text: str, required: bool, actor) -> UnitChecklistItem:
    _may_manage(actor)
    if kind not in UnitKind.values:
        raise ValidationError({"kind": _("Choose the kind of unit.")})
    text = _clean_item_text(text)
    last = UnitChecklistItem.objects.filter(kind=kind).aggregate(last=Max("position"))["last"] or 0
    item = UnitChecklistItem.objects.create(kind=kind, position=last + 1, text=text, required=bool(required))
    audit_record(actor=actor, obj=item, action="create", unit_path="/", changes={"text": (None, text)})
    return item


@transaction.atomic
def checklist_item_update(*, item: UnitChecklistItem, text: str, required: bool, active: bool,
                          actor) -> UnitChecklistItem:
    """Applies to later applications only: answers keep the text and requirement they were given with."""
    _may_manage(actor)
    text = _clean_item_text(text)
    changes = {k: (getattr(item, k), v) for k, v in (("text", text), ("required", bool(required)),
                                                    ("active", bool(active))) if getattr(item, k) != v}
    if changes:
        for key, (_old, new) in changes.items():
            setattr(item, key, new)
        item.save(update_fields=list(changes))
        audit_record(actor=actor, obj=item, action="change", unit_path="/", changes=changes)
    return item
