"""Writes of living support: needs, their tasks, purchase batches, delivery rounds and confirmations.

actor=None is the household on its own link (or the system); every other actor is checked against the
capability and the node, so a view that forgets a check still cannot write outside the actor's jurisdiction.
"""

import datetime
import hashlib
import secrets
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.scope import ensure_unit_in_scope, unit_in_scope
from fangkong.audit.services import audit_record
from fangkong.core.paths import path_ids, subtree_q
from fangkong.people.models import Household, ManagementStatus
from fangkong.risk.models import RiskArea, RiskLevel
from fangkong.supervision.photos import process_photo
from fangkong.supplies.living import kinds
from fangkong.supplies.models.living import (
    OPEN_NEED_STATUSES,
    CareKind,
    DeliveryRound,
    DeliveryStop,
    HouseholdLink,
    Need,
    NeedItem,
    NeedKind,
    PurchaseBatch,
)
from fangkong.tasks.models import Task
from fangkong.tasks.services import task_complete, task_create

HOME_ISOLATION = "home_isolation"
SEALED_AREA = "sealed_area"
URGENT_KINDS = (NeedKind.MEDICINE, NeedKind.SPECIAL_CARE)
PHOTO_MAX_BYTES = 5 * 1024 * 1024


class RateLimited(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- who may ask ---------------------------------------------------------------------------------------------


def sealed_area_over(unit) -> RiskArea | None:
    """A high-level area in force on the node or one of its ancestors (封控区)."""
    return (RiskArea.objects.active().filter(level=RiskLevel.HIGH, unit_id__in=path_ids(unit.path))
            .order_by("pk").first())


def control_reason(household: Household) -> str | None:
    """Why the household is under control, or None: a member in home isolation, or a sealed area over it."""
    if household.members.filter(merged_into__isnull=True, status=ManagementStatus.HOME_ISOLATION).exists():
        return HOME_ISOLATION
    if sealed_area_over(household.unit) is not None:
        return SEALED_AREA
    return None


def _ensure(actor, unit, action: str) -> None:
    ensure_unit_in_scope(actor, unit, app_label="supplies", action=action)


# --- needs ---------------------------------------------------------------------------------------------------


def _clean_items(kind: str, items) -> list[tuple[str, Decimal, str]]:
    cleaned, errors = [], []
    for row in items or ():
        name, quantity, measure = (list(row) + ["", "", ""])[:3]
        name, measure = (name or "").strip(), (measure or "").strip()
        if not name and quantity in (None, ""):
            continue
        if not name:
            errors.append(_("Name every item you give a quantity for."))
            continue
        try:
            amount = Decimal(str(quantity)) if quantity not in (None, "") else None
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite():
            errors.append(_("Give a quantity for %(item)s.") % {"item": name})
        elif amount <= 0:
            errors.append(_("The quantity of %(item)s must be more than zero.") % {"item": name})
        elif amount >= Decimal("100000000"):
            errors.append(_("The quantity of %(item)s is too large.") % {"item": name})
        else:
            cleaned.append((name[:100], amount.quantize(Decimal("0.01")), measure[:20]))
    if errors:
        raise ValidationError({"items": errors})
    if kind in (NeedKind.DAILY, NeedKind.MEDICINE) and not cleaned:
        raise ValidationError({"items": _("List at least one item with its quantity.")})
    return cleaned


def _default_contact(household: Household) -> tuple[str, str]:
    member = (household.members.filter(merged_into__isnull=True, anonymised_at__isnull=True).exclude(phone="")
              .order_by("pk").first())
    return (member.name, member.phone) if member is not None else ("", "")


def ip_hash(ip: str | None) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:living:{ip or '-'}".encode()).hexdigest()


def link_limits() -> tuple[int, int]:
    """(needs per address per hour, needs per household per day) through the public link."""
    return (getattr(settings, "SUPPLIES_NEEDS_PER_IP_HOUR", 10),
            getattr(settings, "SUPPLIES_NEEDS_PER_HOUSEHOLD_DAY", 6))


def _check_link_limits(household: Household, hashed: str, now) -> None:
    per_ip, per_household = link_limits()
    recent = Need.objects.filter(channel=Need.Channel.HOUSEHOLD)
    if recent.filter(ip_hash=hashed, created_at__gte=now - datetime.timedelta(hours=1)).count() >= per_ip:
        raise RateLimited(_("Too many requests from this network in the last hour. Please try again later, or call "
                            "your grid worker."))
    if recent.filter(household=household, created_at__gte=now - datetime.timedelta(days=1)).count() >= per_household:
        raise RateLimited(_("Your household has sent %(count)d requests today; your grid worker has them and will "
                            "call you.") % {"count": per_household})


@transaction.atomic
def need_record(*, household: Household, kind: str, items=(), care: str = "", prescription_note: str = "",
                note: str = "", contact_name: str = "", contact_phone: str = "", actor=None,
                link: HouseholdLink | None = None, ip: str | None = None) -> Need:
    """Record one need of a controlled household, with its task for the household's grid worker.

    Medicine and special care are urgent (a task due within hours); daily necessities wait for the next unified
    purchase. With `link` the household itself sends it (no actor), limited per address and per household.
    """
    if link is not None:
        if not link.active or link.household_id != household.pk:
            raise PermissionDenied("link")
    elif actor is None:
        raise PermissionDenied("no actor")
    else:
        _ensure(actor, household.unit, "need")
    if kind not in NeedKind.values:
        raise ValidationError({"kind": _("Choose what the household needs.")})
    reason = control_reason(household)
    if reason is None:
        raise ValidationError(_("This household is not under home isolation or in a sealed area: living support "
                                "is for controlled households only."))
    now = timezone.now()
    hashed = ""
    if link is not None:
        hashed = ip_hash(ip)
        _check_link_limits(household, hashed, now)
    cleaned = _clean_items(kind, items)
    errors = {}
    care = (care or "").strip()
    note = (note or "").strip()
    if kind == NeedKind.SPECIAL_CARE:
        if care not in CareKind.values:
            errors["care"] = _("Choose the kind of care.")
        if not note and not cleaned:
            errors["note"] = _("Say what care is needed.")
    else:
        care = ""
    if errors:
        raise ValidationError(errors)
    default_name, default_phone = _default_contact(household)
    urgent = kind in URGENT_KINDS
    task_kind = kinds.URGENT_NEED if urgent else kinds.NEED
    need = Need.objects.create(
        household=household, unit=household.unit, kind=kind, care=care, urgent=urgent, control=reason,
        prescription_note=(prescription_note or "").strip()[:300] if kind == NeedKind.MEDICINE else "",
        note=note[:300], contact_name=(contact_name or "").strip()[:50] or default_name,
        contact_phone=(contact_phone or "").strip()[:20] or default_phone,
        channel=Need.Channel.HOUSEHOLD if link is not None else Need.Channel.GRID_WORKER,
        recorded_by=actor, ip_hash=hashed, due_at=now + task_kind.due, created_at=now,
    )
    NeedItem.objects.bulk_create([NeedItem(need=need, name=name, quantity=quantity, measure=measure)
                                  for name, quantity, measure in cleaned])
    if urgent:
        # Medicine and care are health data: a task is seen by more people than the need, so it only points there.
        detail = _("Medicine or care: read what is needed on the need's page, %(url)s.") % {
            "url": reverse("supplies:living_need", args=[need.pk])}
    else:
        summary = "、".join(f"{name} {quantity.normalize():f}{measure}" for name, quantity, measure in cleaned)
        detail = " · ".join(part for part in (summary, note) if part)
    # The system opens the task: a grid worker records needs but does not dispatch work orders.
    need.task = task_create(
        kind=task_kind, title=f"{task_kind.label}: {need.get_kind_display()} · {household}"[:200],
        unit=household.unit, household=household, subject_type=kinds.TASK_SUBJECT, subject_id=need.pk,
        detail=detail, due_at=need.due_at, priority=Task.Priority.URGENT if urgent else Task.Priority.NORMAL,
        dedupe_key=f"living_need:{need.pk}", actor=None,
    )
    need.save(update_fields=["task"])
    audit_record(actor=actor, obj=need, action="create", unit_path=household.unit.path,
                 changes={"kind": (None, kind), "channel": (None, need.channel), "urgent": (None, urgent)})
    return need


def _mark_met(needs, *, now, actor) -> None:
    for need in needs:
        if not need.is_open:
            continue
        need.status, need.met_at = Need.Status.MET, now
        need.save(update_fields=["status", "met_at"])
        audit_record(actor=actor, obj=need, action="met", unit_path=need.unit.path,
                     changes={"status": (None, Need.Status.MET)})
        if need.task_id and need.task.is_open:
            task_complete(task=need.task, outcome="delivered", actor=None)


def need_task_completed(task, outcome: str, actor) -> None:
    """The need's task was closed from the inbox (the grid worker brought the medicine himself): the need follows."""
    need = Need.objects.select_for_update(of=("self",)).filter(pk=task.subject_id).select_related("unit").first()
    if need is None or not need.is_open:
        return
    if outcome == "delivered":
        need.status, need.met_at = Need.Status.MET, timezone.now()
    else:
        need.status = Need.Status.CANCELLED
    need.save(update_fields=["status", "met_at"])
    audit_record(actor=actor, obj=need, action="task_closed", unit_path=need.unit.path,
                 changes={"status": (None, need.status)})


@transaction.atomic
def household_link_get_or_create(*, household: Household, actor) -> HouseholdLink:
    _ensure(actor, household.unit, "need")
    link = HouseholdLink.objects.filter(household=household, active=True).order_by("-pk").first()
    if link is None:
        link = HouseholdLink.objects.create(household=household, token=secrets.token_urlsafe(16)[:22],
                                            created_by=actor)
        audit_record(actor=actor, obj=link, action="create", unit_path=household.unit.path)
    return link


# --- unified purchase ------------------------------------------------------------------------------------------


@transaction.atomic
def batch_create(*, unit, cut_off: datetime.datetime, actor) -> PurchaseBatch:
    """Every open non-urgent need under `unit` recorded up to `cut_off` goes into one purchase batch."""
    _ensure(actor, unit, "purchase")
    if timezone.is_naive(cut_off):
        cut_off = timezone.make_aware(cut_off)
    needs = list(Need.objects.select_for_update(of=("self",)).filter(subtree_q("unit__path", unit.path))
                 .filter(status=Need.Status.OPEN, urgent=False, batch__isnull=True, created_at__lte=cut_off))
    if not needs:
        raise ValidationError(_("No open needs under %(node)s were recorded before the cut-off.") % {"node": unit})
    batch = PurchaseBatch.objects.create(unit=unit, cut_off=cut_off, created_by=actor)
    Need.objects.filter(pk__in=[n.pk for n in needs]).update(batch=batch, status=Need.Status.BATCHED)
    audit_record(actor=actor, obj=batch, action="create", unit_path=unit.path,
                 changes={"needs": (None, len(needs)), "cut_off": (None, cut_off.isoformat())})
    return batch


def _ensure_may_plan(actor, unit) -> None:
    if not (unit_in_scope(actor, unit, "purchase", capability_app="supplies")
            or unit_in_scope(actor, unit, "deliver", capability_app="supplies")):
        raise PermissionDenied("outside your jurisdiction")


def _make_round(*, unit, needs, members, actor, batch=None) -> DeliveryRound:
    delivery = DeliveryRound.objects.create(unit=unit, batch=batch, created_by=actor)
    delivery.members.set(members or ([actor] if actor is not None else []))
    by_household: dict[int, list[Need]] = {}
    for need in needs:
        by_household.setdefault(need.household_id, []).append(need)
    households = {h.pk: h for h in Household.objects.filter(pk__in=by_household)}
    ordered = sorted(households.values(), key=lambda h: (h.unit_id, h.number))
    for position, household in enumerate(ordered, start=1):
        stop = DeliveryStop.objects.create(round=delivery, household=household, position=position)
        Need.objects.filter(pk__in=[n.pk for n in by_household[household.pk]]).update(stop=stop,
                                                                                       status=Need.Status.OUT)
    audit_record(actor=actor, obj=delivery, action="create", unit_path=unit.path,
                 changes={"stops": (None, len(ordered)), "batch": (None, batch.pk if batch else None)})
    return delivery


@transaction.atomic
def round_create_for_batch(*, batch: PurchaseBatch, members=(), actor) -> DeliveryRound:
    batch = PurchaseBatch.objects.select_for_update().select_related("unit").get(pk=batch.pk)
    _ensure_may_plan(actor, batch.unit)
    if batch.status != PurchaseBatch.Status.OPEN:
        raise ValidationError(_("This batch is already out for delivery."))
    needs = list(batch.needs.filter(status=Need.Status.BATCHED))
    if not needs:
        raise ValidationError(_("Nothing in this batch is left to deliver."))
    delivery = _make_round(unit=batch.unit, needs=needs, members=members, actor=actor, batch=batch)
    batch.status = PurchaseBatch.Status.DELIVERING
    batch.save(update_fields=["status"])
    return delivery


@transaction.atomic
def round_create_for_need(*, need: Need, members=(), actor) -> DeliveryRound:
    """An urgent need does not wait for a batch: a round of its own, one stop."""
    need = Need.objects.select_for_update(of=("self",)).select_related("unit").get(pk=need.pk)
    _ensure_may_plan(actor, need.unit)
    if need.status != Need.Status.OPEN:
        raise ValidationError(_("This need is already being delivered or closed."))
    return _make_round(unit=need.unit, needs=[need], members=members, actor=actor)


# --- delivery ----------------------------------------------------------------------------------------------------


def may_confirm(user, stop: DeliveryStop) -> bool:
    """Only the delivery team (`.deliver` over the household; a member of the round, if it names a team)."""
    if not unit_in_scope(user, stop.household.unit, "deliver", capability_app="supplies"):
        return False
    member_ids = {m.pk for m in stop.round.members.all()}
    return not member_ids or user.pk in member_ids


def _finish_round_if_done(delivery: DeliveryRound, now) -> None:
    if delivery.stops.filter(status=DeliveryStop.Status.PENDING).exists():
        return
    delivery.status, delivery.done_at = DeliveryRound.Status.DONE, now
    delivery.save(update_fields=["status", "done_at"])
    if delivery.batch_id:
        PurchaseBatch.objects.filter(pk=delivery.batch_id).update(status=PurchaseBatch.Status.DONE)


def photo_max_bytes() -> int:
    return int(getattr(settings, "SUPPLIES_PHOTO_MAX_BYTES", PHOTO_MAX_BYTES))


def _delivery_photo(upload, *, keep_location: bool) -> ContentFile:
    """The photo at the door, checked and re-encoded: at most 1600 px, JPEG, no metadata unless the team keeps
    the location (then the GPS tags only)."""
    limit = photo_max_bytes()
    if getattr(upload, "size", 0) > limit:
        raise ValidationError({"photo": _("The photo is larger than %(mb)s MB; take a smaller one.") % {
            "mb": f"{limit / 1024 / 1024:.3g}"}})
    try:
        processed = process_photo(upload, keep_location=keep_location)
    except ValidationError as exc:
        raise ValidationError({"photo": exc.messages}) from exc
    return ContentFile(processed.content, name="delivery.jpg")


@transaction.atomic
def stop_confirm(*, stop: DeliveryStop, handover: str = DeliveryStop.Handover.DOOR, note: str = "", photo=None,
                 keep_location: bool = False, actor) -> DeliveryStop:
    """The delivery team confirms one household: contactless by default; the household's needs are met. A photo
    is optional; nothing is written if it is not a usable image."""
    stop = (DeliveryStop.objects.select_for_update(of=("self",)).select_related("round", "household__unit")
            .get(pk=stop.pk))
    if actor is None or not may_confirm(actor, stop):
        raise PermissionDenied(_("Only the delivery team of this round may confirm its deliveries."))
    if stop.status != DeliveryStop.Status.PENDING:
        raise ValidationError(_("This delivery is already confirmed."))
    if handover not in DeliveryStop.Handover.values:
        raise ValidationError({"handover": _("Choose how it was handed over.")})
    content = _delivery_photo(photo, keep_location=keep_location) if photo else None
    now = timezone.now()
    stop.status, stop.handover, stop.note = DeliveryStop.Status.DELIVERED, handover, (note or "").strip()[:300]
    stop.delivered_at, stop.delivered_by = now, actor
    if content is not None:
        stop.photo.save(content.name, content, save=False)
    stop.save()
    audit_record(actor=actor, obj=stop, action="deliver", unit_path=stop.household.unit.path,
                 changes={"status": (DeliveryStop.Status.PENDING, stop.status), "handover": (None, handover),
                          "photo": (None, bool(content))})
    _mark_met(stop.needs.select_related("task", "unit"), now=now, actor=actor)
    _finish_round_if_done(stop.round, now)
    return stop


@transaction.atomic
def household_confirm_receipt(*, link: HouseholdLink, stop: DeliveryStop) -> DeliveryStop:
    """The household says it has what was delivered: a stop not yet confirmed by the team counts as delivered."""
    stop = (DeliveryStop.objects.select_for_update(of=("self",)).select_related("round", "household__unit")
            .get(pk=stop.pk))
    if not link.active or stop.household_id != link.household_id:
        raise PermissionDenied("link")
    if stop.received_at is not None:
        return stop
    now = timezone.now()
    stop.received_at = now
    fields = ["received_at"]
    if stop.status == DeliveryStop.Status.PENDING:
        stop.status, stop.handover, stop.delivered_at = DeliveryStop.Status.DELIVERED, DeliveryStop.Handover.DOOR, now
        fields += ["status", "handover", "delivered_at"]
    stop.save(update_fields=fields)
    audit_record(actor=None, obj=stop, action="receipt", unit_path=stop.household.unit.path,
                 changes={"received_at": (None, now.isoformat())})
    _mark_met(stop.needs.select_related("task", "unit"), now=now, actor=None)
    _finish_round_if_done(stop.round, now)
    return stop


def open_needs_of(household: Household):
    return Need.objects.filter(household=household, status__in=OPEN_NEED_STATUSES)
