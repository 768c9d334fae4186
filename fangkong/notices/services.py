"""Writes of notices: publish (for one or more nodes of the publisher's scope), edit (a new version, the old ones
kept), withdraw with a reason, supersede by a new notice; and the gates of compounds. actor=None is the system."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.scope import acting_user, ensure_may
from fangkong.audit.services import audit_record
from fangkong.notices import attachments as attachment_rules
from fangkong.notices.models import Attachment, Gate, Notice, NoticeTarget, NoticeVersion
from fangkong.territory.models import Level

TITLE_MAX = 200
BODY_MAX = 20000


def _clean_body(body) -> str:
    """Plain text: lines kept, trailing spaces and runs of blank lines collapsed. It is escaped when shown."""
    lines = [line.rstrip() for line in str(body or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    text, blank = [], False
    for line in lines:
        if not line.strip():
            if text and not blank:
                text.append("")
            blank = True
            continue
        text.append(line)
        blank = False
    return "\n".join(text).strip()


def _clean(*, title, body, effective_at, targets, actor, files) -> tuple[str, str, list, list]:
    errors: dict = {}
    title = " ".join(str(title or "").split())
    body = _clean_body(body)
    if not title:
        errors["title"] = _("Give the notice a title.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("A title is at most %(count)d characters.") % {"count": TITLE_MAX}
    if not body:
        errors["body"] = _("Write the text of the notice.")
    elif len(body) > BODY_MAX:
        errors["body"] = _("A notice is at most %(count)d characters.") % {"count": BODY_MAX}
    if effective_at is None:
        errors["effective_at"] = _("Give the time the notice takes effect.")
    targets = list(dict.fromkeys(targets or []))
    if not targets:
        errors["targets"] = _("Choose the nodes the notice applies to.")
    try:
        files = attachment_rules.check(files)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        files = []
    if errors:
        raise ValidationError(errors)
    for unit in targets:
        ensure_may(actor, "notices.publish", unit)
    return title, body, targets, files


def _names(targets) -> str:
    return "、".join(unit.name for unit in targets)[:500]


def _attach(notice: Notice, files, version: int) -> None:
    for upload, name, content_type in files:
        Attachment.objects.create(notice=notice, file=upload, name=name, size=upload.size, content_type=content_type,
                                  version=version)


@transaction.atomic(durable=True)
def notice_publish(*, actor, title: str, body: str, effective_at: datetime.datetime | None, targets,
                   files=(), unit=None, supersedes: Notice | None = None) -> Notice:
    """Publish a notice for `targets` (each in the actor's scope); with `supersedes`, the old notice is marked
    superseded by this one in the same transaction."""
    unit = unit or getattr(actor, "scope", None)
    ensure_may(actor, "notices.publish", unit)
    if supersedes is not None:
        supersedes = Notice.objects.select_for_update().select_related("unit").get(pk=supersedes.pk)
        ensure_may(actor, "notices.publish", supersedes.unit)
        if supersedes.status != Notice.Status.PUBLISHED:
            raise ValidationError(_("Only a notice in force can be superseded."))
    title, body, targets, files = _clean(title=title, body=body, effective_at=effective_at, targets=targets,
                                         actor=actor, files=files)
    now = timezone.now()
    notice = Notice.objects.create(unit=unit, title=title, body=body, effective_at=effective_at,
                                   published_by=acting_user(actor), published_at=now)
    notice.number = f"TG{notice.pk:08d}"
    notice.save(update_fields=["number"])
    NoticeTarget.objects.bulk_create([NoticeTarget(notice=notice, unit=u) for u in targets])
    NoticeVersion.objects.create(notice=notice, number=1, title=title, body=body, effective_at=effective_at,
                                 target_names=_names(targets), edited_by=acting_user(actor), edited_at=now)
    _attach(notice, files, 1)
    audit_record(actor=actor, obj=notice, action="create", unit_path=unit.path, changes={"title": (None, title)})
    if supersedes is not None:
        supersedes.status, supersedes.superseded_by, supersedes.superseded_at = Notice.Status.SUPERSEDED, notice, now
        supersedes.save(update_fields=["status", "superseded_by", "superseded_at"])
        audit_record(actor=actor, obj=supersedes, action="change", unit_path=supersedes.unit.path,
                     changes={"status": (Notice.Status.PUBLISHED, Notice.Status.SUPERSEDED)}, note=notice.number)
    return notice


@transaction.atomic(durable=True)
def notice_update(*, notice: Notice, actor, title: str, body: str, effective_at, targets, note: str = "",
                  files=()) -> Notice:
    """Editing a published notice publishes a new version; the earlier ones stay in its history."""
    notice = Notice.objects.select_for_update().select_related("unit").get(pk=notice.pk)
    ensure_may(actor, "notices.publish", notice.unit)
    if notice.status != Notice.Status.PUBLISHED:
        raise ValidationError(_("A withdrawn or superseded notice cannot be edited."))
    title, body, targets, files = _clean(title=title, body=body, effective_at=effective_at, targets=targets,
                                         actor=actor, files=files)
    before_targets = set(notice.target_rows.values_list("unit_id", flat=True))
    changed = (title != notice.title or body != notice.body or effective_at != notice.effective_at
               or before_targets != {u.pk for u in targets} or files)
    if not changed:
        raise ValidationError(_("Nothing was changed."))
    changes = {k: (getattr(notice, k), v) for k, v in (("title", title), ("body", body),
                                                       ("effective_at", effective_at)) if getattr(notice, k) != v}
    notice.version += 1
    notice.title, notice.body, notice.effective_at = title, body, effective_at
    notice.save(update_fields=["version", "title", "body", "effective_at"])
    notice.target_rows.exclude(unit__in=targets).delete()
    NoticeTarget.objects.bulk_create([NoticeTarget(notice=notice, unit=u) for u in targets
                                      if u.pk not in before_targets])
    NoticeVersion.objects.create(notice=notice, number=notice.version, title=title, body=body,
                                 effective_at=effective_at, target_names=_names(targets),
                                 note=" ".join(str(note or "").split())[:300], edited_by=acting_user(actor),
                                 edited_at=timezone.now())
    _attach(notice, files, notice.version)
    audit_record(actor=actor, obj=notice, action="change", unit_path=notice.unit.path,
                 changes={**changes, "version": (notice.version - 1, notice.version)})
    return notice


@transaction.atomic(durable=True)
def notice_withdraw(*, notice: Notice, reason: str, actor) -> Notice:
    notice = Notice.objects.select_for_update().select_related("unit").get(pk=notice.pk)
    ensure_may(actor, "notices.publish", notice.unit)
    if notice.status != Notice.Status.PUBLISHED:
        raise ValidationError(_("Only a notice in force can be withdrawn."))
    reason = " ".join(str(reason or "").split())[:300]
    if len(reason) < 2:
        raise ValidationError({"reason": _("Give the reason for withdrawing it.")})
    notice.status, notice.withdraw_reason = Notice.Status.WITHDRAWN, reason
    notice.withdrawn_at, notice.withdrawn_by = timezone.now(), acting_user(actor)
    notice.save(update_fields=["status", "withdraw_reason", "withdrawn_at", "withdrawn_by"])
    audit_record(actor=actor, obj=notice, action="change", unit_path=notice.unit.path,
                 changes={"status": (Notice.Status.PUBLISHED, Notice.Status.WITHDRAWN)}, note=reason)
    return notice


# --- gates ------------------------------------------------------------------------------------------------------

GATE_LEVELS = (Level.COMMUNITY, Level.GRID, Level.BUILDING)


def _coordinate(errors, name, value, low, high):
    if value is None:
        return None
    if not low <= value <= high:
        errors[name] = _("Out of range.")
    return value


@transaction.atomic(durable=True)
def gate_save(*, actor, unit, name: str, is_open: bool, since=None, lat=None, lng=None, note: str = "",
              gate: Gate | None = None) -> Gate:
    """Record a gate of a community or compound, or change one; officers of the node (territory.change)."""
    if gate is not None:
        gate = Gate.objects.select_for_update().select_related("unit").get(pk=gate.pk)
        ensure_may(actor, "territory.change", gate.unit)
        unit = gate.unit
    ensure_may(actor, "territory.change", unit)
    errors: dict = {}
    name = " ".join(str(name or "").split())[:100]
    if not name:
        errors["name"] = _("Name the gate (e.g. 北门).")
    if unit is not None and unit.level not in GATE_LEVELS:
        errors["unit"] = _("Gates belong to a community, grid or compound.")
    lat = _coordinate(errors, "lat", lat, -90, 90)
    lng = _coordinate(errors, "lng", lng, -180, 180)
    if (lat is None) != (lng is None):
        errors["lng" if lng is None else "lat"] = _("Give both latitude and longitude, or neither.")
    clash = Gate.objects.filter(unit=unit, name=name)
    if gate is not None:
        clash = clash.exclude(pk=gate.pk)
    if name and clash.exists():
        errors["name"] = _("This compound already has a gate of that name.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    if gate is None:
        gate = Gate(unit=unit, since=since or now)
        before = {}
    else:
        before = {"is_open": gate.is_open, "name": gate.name}
        if since is None and gate.is_open != is_open:
            since = now  # opened or closed just now
    gate.name, gate.is_open, gate.lat, gate.lng = name, is_open, lat, lng
    gate.note = " ".join(str(note or "").split())[:200]
    if since is not None:
        gate.since = since
    gate.updated_by = acting_user(actor)
    gate.save()
    audit_record(actor=actor, obj=gate, action="change" if before else "create", unit_path=unit.path,
                 changes={k: (before.get(k), getattr(gate, k)) for k in ("is_open", "name")
                          if before.get(k) != getattr(gate, k)})
    return gate
