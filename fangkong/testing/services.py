"""Writes of mass testing, along flow 2 of DOMAIN.md: a round → tubes filled at sampling points → handed to a lab →
results → a positive pool's members confined and re-checked singly at the door → a positive re-check is a case.

actor=None is the system (imports, jobs, commands). Lab staff act only on tubes of their own labs; samplers only at
points in their scope. Every refusal is a ValidationError with a message a sampler can act on.
"""

import datetime
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.scope import acting_user, ensure_capability, ensure_unit_in_scope
from fangkong.audit.services import audit_record
from fangkong.core.masking import mask_id_number
from fangkong.core.paths import is_within
from fangkong.people.identity import phone_for_form
from fangkong.people.models import CONFINING_STATUSES
from fangkong.territory.models import Level, Unit
from fangkong.testing.models import (
    Coverage,
    Handover,
    Lab,
    LabStaff,
    PoolSize,
    PositiveCase,
    Recall,
    RecallMember,
    Result,
    Round,
    RoundExtra,
    Sample,
    SamplingPoint,
    Tube,
)

RECALL_MEMBER_SUBJECT = "testing.recallmember"
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{2,39}$")


def _local(value: datetime.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def active_rules():
    from fangkong.protocols.models import RuleSetVersion
    from fangkong.protocols.selectors import active_rules as protocol_rules

    try:
        return protocol_rules()
    except RuleSetVersion.DoesNotExist:
        raise ValidationError(_("No rule set is active; an administrator must activate one.")) from None


def clean_code(value: str, *, field: str = "code", label: str = "") -> str:
    code = "".join((value or "").split())
    if not _CODE.match(code):
        raise ValidationError({field: _("“%(code)s” is not a valid %(what)s: 3 to 40 letters, digits, - or _.")
                               % {"code": code[:40], "what": label or _("code")}})
    return code


# --- coverage cells ------------------------------------------------------------------------------------------


def cells_for_paths(paths) -> dict[str, int]:
    """{unit path: its coverage cell} — the deepest node of the path at grid level or above: the grid, or the
    deepest node above the buildings where the tree has no grid. One query per 2,000 ancestors."""
    from fangkong.core.paths import path_ids

    paths = set(paths)
    ancestors = sorted({a for path in paths for a in path_ids(path)})
    levels = {}
    for start in range(0, len(ancestors), 2000):
        levels.update(Unit.objects.filter(pk__in=ancestors[start:start + 2000]).values_list("pk", "level"))
    cells = {}
    for path in paths:
        chain = path_ids(path)
        cells[path] = next((a for a in reversed(chain) if levels.get(a, Level.BUILDING) <= Level.GRID), chain[-1])
    return cells


def cells_for_units(unit_ids) -> dict[int, int]:
    """{unit id: its coverage cell} (cells_for_paths)."""
    units = dict(Unit.objects.filter(pk__in=set(unit_ids)).values_list("pk", "path"))
    cells = cells_for_paths(units.values())
    return {unit_id: cells[path] for unit_id, path in units.items()}


def _round_paths(round_: Round) -> list[str]:
    if not hasattr(round_, "_node_paths"):
        round_._node_paths = list(round_.nodes.values_list("path", flat=True))
    return round_._node_paths


def _target_cell(round_: Round, person) -> int | None:
    """The coverage cell a person counts in for this round, or None when they are not in its target."""
    if person is None:
        return None
    in_nodes = any(is_within(person.unit.path, path) for path in _round_paths(round_))
    if not in_nodes and not RoundExtra.objects.filter(round=round_, person=person).exists():
        return None
    return cells_for_units([person.unit_id])[person.unit_id]


def coverage_add(*, round_: Round, sampled_by_cell: dict[int, int]) -> None:
    """Add freshly sampled target people to the round's counters (also used by the bulk import)."""
    missing = []
    for cell_id, count in sampled_by_cell.items():
        if count and not Coverage.objects.filter(round=round_, unit_id=cell_id).update(sampled=F("sampled") + count):
            missing.append((cell_id, count))
    if missing:
        paths = dict(Unit.objects.filter(pk__in=[c for c, _n in missing]).values_list("pk", "path"))
        for cell_id, count in missing:
            # A person who moved into the round's nodes after the targets were counted.
            Coverage.objects.get_or_create(round=round_, unit_id=cell_id,
                                           defaults={"path": paths[cell_id], "target": count, "sampled": 0})
            Coverage.objects.filter(round=round_, unit_id=cell_id).update(sampled=F("sampled") + count)


# --- labs and points -----------------------------------------------------------------------------------------


@transaction.atomic
def lab_create(*, code: str, name: str, unit: Unit, actor) -> Lab:
    ensure_unit_in_scope(actor, unit, app_label="testing", action="manage")
    code = clean_code(code, label=_("lab code"))
    name = " ".join((name or "").split())[:100]
    if not name:
        raise ValidationError({"name": _("Give the lab a name.")})
    if Lab.objects.filter(code=code).exists():
        raise ValidationError({"code": _("A lab with code %(code)s already exists.") % {"code": code}})
    lab = Lab.objects.create(code=code, name=name, unit=unit)
    audit_record(actor=actor, obj=lab, action="create", unit_path=unit.path, changes={"code": (None, code)})
    return lab


@transaction.atomic
def lab_staff_add(*, lab: Lab, user, actor) -> LabStaff:
    ensure_unit_in_scope(actor, lab.unit, app_label="testing", action="manage")
    if user.role != "lab":
        raise ValidationError({"user": _("Only a lab account can work for a lab.")})
    staff, _created = LabStaff.objects.get_or_create(lab=lab, user=user)
    return staff


def _clean_point_fields(*, name, unit, opens_at, closes_at, latitude, longitude) -> dict:
    name = " ".join((name or "").split())[:100]
    errors = {}
    if not name:
        errors["name"] = _("Give the sampling point a name.")
    if unit is None or unit.level == Level.CITY:
        errors["unit"] = _("Choose the district, street, community or grid the point serves.")
    if opens_at is None or closes_at is None:
        errors["opens_at"] = _("Give the opening hours.")
    elif opens_at == closes_at:
        errors["closes_at"] = _("A point cannot open and close at the same time.")
    if (latitude is None) != (longitude is None):
        errors["latitude"] = _("Give both latitude and longitude, or neither.")
    elif latitude is not None and not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        errors["latitude"] = _("Latitude is between -90 and 90, longitude between -180 and 180.")
    if errors:
        raise ValidationError(errors)
    return {"name": name}


@transaction.atomic
def point_create(*, code: str, name: str, unit: Unit, opens_at: datetime.time, closes_at: datetime.time, actor,
                 address: str = "", latitude=None, longitude=None) -> SamplingPoint:
    """A sampling point, with its duty post in workforce (its staff are the post's shifts)."""
    from fangkong.workforce.models import PostKind
    from fangkong.workforce.services import post_ensure

    ensure_unit_in_scope(actor, unit, app_label="testing", action="manage")
    code = clean_code(code, label=_("point code"))
    cleaned = _clean_point_fields(name=name, unit=unit, opens_at=opens_at, closes_at=closes_at, latitude=latitude,
                                  longitude=longitude)
    if SamplingPoint.objects.filter(code=code).exists():
        raise ValidationError({"code": _("A sampling point with code %(code)s already exists.") % {"code": code}})
    point = SamplingPoint.objects.create(code=code, name=cleaned["name"], unit=unit, address=(address or "")[:200],
                                         opens_at=opens_at, closes_at=closes_at, latitude=latitude,
                                         longitude=longitude)
    post_ensure(kind=PostKind.SAMPLING_POINT, name=point.name, unit=unit, subject_type="testing.samplingpoint",
                subject_id=point.pk, actor=None)
    audit_record(actor=actor, obj=point, action="create", unit_path=unit.path, changes={"code": (None, code)})
    return point


def _ensure_may_sample(actor, unit: Unit) -> None:
    ensure_unit_in_scope(actor, unit, app_label="testing", action="sample")


@transaction.atomic
def point_queue_report(*, point: SamplingPoint, length: int, actor) -> SamplingPoint:
    """The staff say how many people are queueing; the public page shows it with its time."""
    _ensure_may_sample(actor, point.unit)
    if isinstance(length, bool) or not isinstance(length, int) or not 0 <= length <= 5000:
        raise ValidationError({"queue_length": _("Give the number of people queueing, 0 to 5000.")})
    point.queue_length, point.queue_reported_at = length, timezone.now()
    point.save(update_fields=["queue_length", "queue_reported_at"])
    return point


# --- rounds --------------------------------------------------------------------------------------------------


def _common_ancestor(nodes: list[Unit]) -> Unit:
    from fangkong.core.paths import path_ids

    chains = [path_ids(n.path) for n in nodes]
    common = []
    for ids in zip(*chains, strict=False):
        if len(set(ids)) != 1:
            break
        common.append(ids[0])
    return Unit.objects.get(pk=common[-1])


def _outermost(nodes: list[Unit]) -> list[Unit]:
    """Drop nodes inside another chosen node: a grid inside a chosen street is already covered."""
    nodes = sorted({n.pk: n for n in nodes}.values(), key=lambda n: n.path)
    kept = []
    for node in nodes:
        if not any(is_within(node.path, k.path) for k in kept):
            kept.append(node)
    return kept


@transaction.atomic
def round_create(*, code: str, name: str, nodes: list[Unit], starts_at: datetime.datetime,
                 ends_at: datetime.datetime, actor, pool_size: int | None = None) -> Round:
    """A round over `nodes` with its target counted per coverage cell."""
    ensure_capability(actor, "testing.manage")
    rules = active_rules()
    code = clean_code(code, label=_("round code"))
    name = " ".join((name or "").split())[:100]
    errors = {}
    if not name:
        errors["name"] = _("Give the round a name.")
    if not nodes:
        errors["nodes"] = _("Choose at least one node the round covers.")
    for node in nodes:
        ensure_unit_in_scope(actor, node, app_label="testing", action="manage")
    if starts_at is None or ends_at is None:
        errors["starts_at"] = _("Give the round's start and end.")
    elif ends_at <= starts_at:
        errors["ends_at"] = _("The round must end after it starts.")
    pool_size = rules.pool_size if pool_size in (None, "") else pool_size
    if pool_size not in rules.pool_sizes:
        errors["pool_size"] = _("The active protocol allows pools of %(sizes)s.") % {
            "sizes": ", ".join(str(s) for s in rules.pool_sizes)}
    if Round.objects.filter(code=code).exists():
        errors["code"] = _("A round with code %(code)s already exists.") % {"code": code}
    if errors:
        raise ValidationError(errors)
    nodes = _outermost(nodes)
    round_ = Round.objects.create(code=code, name=name, unit=_common_ancestor(nodes), starts_at=starts_at,
                                  ends_at=ends_at, pool_size=pool_size, created_by=acting_user(actor),
                                  status=Round.Status.RUNNING if starts_at <= timezone.now() else Round.Status.PLANNED)
    round_.nodes.set(nodes)
    round_targets_count(round_=round_)
    audit_record(actor=actor, obj=round_, action="create", unit_path=round_.unit.path,
                 changes={"code": (None, code), "nodes": (None, ", ".join(n.name for n in nodes)),
                          "pool_size": (None, pool_size)})
    return round_


@transaction.atomic
def round_targets_count(*, round_: Round) -> int:
    """(Re)count the round's target and sampled people per cell from the archive; returns the target total.

    Run at creation and whenever the archive changed a lot; the counters kept as samples arrive start from here.
    """
    from fangkong.core.paths import subtree_q
    from fangkong.people.models import Person

    living = Person.objects.filter(merged_into__isnull=True, anonymised_at__isnull=True)
    by_unit: dict[int, int] = {}
    for path in _round_paths(round_):
        for unit_id, count in (living.filter(subtree_q("unit__path", path)).values("unit_id")
                               .annotate(n=Count("pk")).values_list("unit_id", "n").order_by()):
            by_unit[unit_id] = by_unit.get(unit_id, 0) + count
    extras = list(RoundExtra.objects.filter(round=round_).values_list("person__unit_id", flat=True))
    for unit_id in extras:
        by_unit[unit_id] = by_unit.get(unit_id, 0) + 1
    cells = cells_for_units(by_unit)
    target: dict[int, int] = {}
    for unit_id, count in by_unit.items():
        target[cells[unit_id]] = target.get(cells[unit_id], 0) + count
    sampled = dict(Sample.objects.filter(round=round_, cell__isnull=False).values("cell_id")
                   .annotate(n=Count("pk")).values_list("cell_id", "n").order_by())
    paths = {}
    cell_ids = sorted(set(target) | set(sampled))
    for start in range(0, len(cell_ids), 2000):
        paths.update(Unit.objects.filter(pk__in=cell_ids[start:start + 2000]).values_list("pk", "path"))
    Coverage.objects.filter(round=round_).delete()
    Coverage.objects.bulk_create([Coverage(round=round_, unit_id=c, path=paths[c], target=target.get(c, 0),
                                           sampled=sampled.get(c, 0)) for c in cell_ids], batch_size=2000)
    round_.target_total = sum(target.values())
    round_.targets_counted_at = timezone.now()
    round_.save(update_fields=["target_total", "targets_counted_at"])
    return round_.target_total


@transaction.atomic
def round_extra_add(*, round_: Round, person, actor) -> RoundExtra:
    """Add someone living elsewhere (a worker) to the round's target."""
    ensure_unit_in_scope(actor, round_.unit, app_label="testing", action="manage")
    extra, created = RoundExtra.objects.get_or_create(round=round_, person=person,
                                                      defaults={"added_by": acting_user(actor)})
    if created:
        cell = cells_for_units([person.unit_id])[person.unit_id]
        path = Unit.objects.values_list("path", flat=True).get(pk=cell)
        row, _new = Coverage.objects.get_or_create(round=round_, unit_id=cell, defaults={"path": path})
        Coverage.objects.filter(pk=row.pk).update(target=F("target") + 1)
        Round.objects.filter(pk=round_.pk).update(target_total=F("target_total") + 1)
    return extra


@transaction.atomic
def round_status_set(*, round_: Round, status: str, actor) -> Round:
    ensure_unit_in_scope(actor, round_.unit, app_label="testing", action="manage")
    if status not in Round.Status.values:
        raise ValidationError({"status": _("Unknown round status.")})
    order = list(Round.Status.values)
    if order.index(status) < order.index(round_.status):
        raise ValidationError({"status": _("A round cannot go back to “%(status)s”.")
                               % {"status": Round.Status(status).label}})
    before = round_.status
    round_.status = status
    round_.save(update_fields=["status"])
    audit_record(actor=actor, obj=round_, action="status", unit_path=round_.unit.path,
                 changes={"status": (before, status)})
    return round_


# --- sampling ------------------------------------------------------------------------------------------------


def _locked_tube(tube: Tube) -> Tube:
    return Tube.objects.select_for_update(of=("self",)).select_related("round", "point__unit", "unit").get(pk=tube.pk)


@transaction.atomic
def tube_open(*, round_: Round, point: SamplingPoint, code: str, actor, capacity: int | None = None,
              at: datetime.datetime | None = None) -> Tube:
    """Start filling a tube at a point. Scanning the same open tube again continues it."""
    _ensure_may_sample(actor, point.unit)
    code = clean_code(code, label=_("tube code"))
    if round_.status != Round.Status.RUNNING:
        raise ValidationError({"round": _("Round %(round)s is not running (%(status)s).")
                               % {"round": round_.name, "status": round_.get_status_display()}})
    existing = Tube.objects.filter(code=code).select_related("round").first()
    if existing is not None:
        if existing.round_id == round_.pk and existing.status == Tube.Status.OPEN and existing.point_id == point.pk:
            return existing
        if existing.round_id == round_.pk:
            raise ValidationError({"code": _("Tube %(code)s is already used in this round (%(size)d samples, "
                                             "%(status)s); take a new tube.")
                                   % {"code": code, "size": existing.size, "status": existing.get_status_display()}})
        where = existing.round.name if existing.round_id else _("a single-tube re-check")
        raise ValidationError({"code": _("Tube %(code)s was already used in %(where)s; a barcode is never used "
                                         "twice. Take a new tube.") % {"code": code, "where": where}})
    capacity = round_.pool_size if capacity in (None, "") else capacity
    if capacity not in PoolSize.values:
        raise ValidationError({"capacity": _("A tube holds 1, 5, 10 or 20 samples.")})
    try:
        with transaction.atomic():
            tube = Tube.objects.create(code=code, round=round_, point=point, unit=point.unit, capacity=capacity,
                                       opened_at=at or timezone.now(), opened_by=acting_user(actor))
    except IntegrityError:
        raise ValidationError({"code": _("Tube %(code)s was just opened by someone else; take a new tube.")
                               % {"code": code}}) from None
    return tube


_ID_IN_SCAN = re.compile(r"(?<![0-9])([1-9][0-9]{16}[0-9Xx])(?![0-9])")


def scanned_document(value: str, id_type: str = "resident") -> str:
    """What a scanner typed: an ID number, or a QR code's text (a health-code URL or JSON) holding one."""
    value = (value or "").strip()
    if id_type == "resident" and len(value) > 18:
        found = _ID_IN_SCAN.search(value)
        if found:
            return found.group(1).upper()
    return value


def _clean_document(id_type: str, id_number: str):
    from fangkong.people.identity import document_for_form

    return document_for_form(id_type or "resident", scanned_document(id_number, id_type or "resident"))


@transaction.atomic
def sample_add(*, tube: Tube, id_number: str, actor, id_type: str = "resident", name: str = "", phone: str = "",
               at: datetime.datetime | None = None) -> Sample:
    """One person's swab into an open tube; the tube closes itself when it reaches its pool size.

    Refused: a closed or full tube, a bad ID, a person already sampled in this round (the message names the tube).
    """
    from fangkong.people.selectors import person_by_document

    tube = _locked_tube(tube)
    _ensure_may_sample(actor, tube.unit)
    if tube.status != Tube.Status.OPEN:
        raise ValidationError({"tube": _("Tube %(code)s is closed; open a new tube.") % {"code": tube.code}})
    if tube.size >= tube.capacity:
        raise ValidationError({"tube": _("Tube %(code)s is full (%(size)d of %(capacity)d).")
                               % {"code": tube.code, "size": tube.size, "capacity": tube.capacity}})
    identity = _clean_document(id_type, id_number)
    if tube.round_id:
        earlier = (Sample.objects.filter(round_id=tube.round_id, id_type=identity.id_type, id_number=identity.number)
                   .select_related("tube").first())
        if earlier is not None:
            raise ValidationError({"id_number": _("%(id)s was already sampled in this round, in tube %(tube)s at "
                                                  "%(at)s.") % {"id": mask_id_number(identity.number),
                                                                "tube": earlier.tube.code,
                                                                "at": _local(earlier.sampled_at)}})
    person = person_by_document(id_type=identity.id_type, id_number=identity.number)
    name = " ".join((name or "").split())[:50] or (person.name if person else "")
    if not name:
        raise ValidationError({"name": _("This ID is not on file: type the person's name.")})
    phone = phone_for_form(phone) or (person.phone if person else "")
    now = timezone.now()
    cell = _target_cell(tube.round, person) if tube.round_id else None
    try:
        with transaction.atomic():
            sample = Sample.objects.create(tube=tube, round_id=tube.round_id, person=person, id_type=identity.id_type,
                                           id_number=identity.number, name=name, phone=phone,
                                           unit_id=person.unit_id if person else tube.unit_id, cell_id=cell,
                                           sampled_at=at or now, recorded_by=acting_user(actor))
    except IntegrityError:
        raise ValidationError({"id_number": _("%(id)s was just sampled in this round by someone else.")
                               % {"id": mask_id_number(identity.number)}}) from None
    tube.size += 1
    fields = ["size"]
    if tube.size >= tube.capacity:
        tube.status, tube.closed_at = Tube.Status.CLOSED, now
        fields += ["status", "closed_at"]
    tube.save(update_fields=fields)
    if cell is not None:
        coverage_add(round_=tube.round, sampled_by_cell={cell: 1})
    sample.tube = tube
    return sample


@transaction.atomic
def sample_remove(*, sample: Sample, actor) -> Tube:
    """Take a mistaken scan out of a tube that is still open."""
    tube = _locked_tube(sample.tube)
    _ensure_may_sample(actor, tube.unit)
    if tube.status != Tube.Status.OPEN:
        raise ValidationError({"tube": _("Tube %(code)s is already closed; its samples cannot change.")
                               % {"code": tube.code}})
    cell = sample.cell_id
    sample.delete()
    tube.size -= 1
    tube.save(update_fields=["size"])
    if cell is not None:
        Coverage.objects.filter(round_id=tube.round_id, unit_id=cell, sampled__gt=0).update(sampled=F("sampled") - 1)
    return tube


@transaction.atomic
def tube_close(*, tube: Tube, actor, at: datetime.datetime | None = None) -> Tube:
    """Close a tube by hand before it is full (the queue ended, a family of three)."""
    tube = _locked_tube(tube)
    _ensure_may_sample(actor, tube.unit)
    if tube.status != Tube.Status.OPEN:
        return tube
    if tube.size == 0:
        raise ValidationError({"tube": _("Tube %(code)s is empty; scan at least one person or set it aside.")
                               % {"code": tube.code}})
    tube.status, tube.closed_at = Tube.Status.CLOSED, at or timezone.now()
    tube.save(update_fields=["status", "closed_at"])
    return tube


# --- handover to the lab -------------------------------------------------------------------------------------


def _clean_codes(codes) -> list[str]:
    if isinstance(codes, str):
        codes = re.split(r"[\s,，;；]+", codes)
    seen, out = set(), []
    for raw in codes or ():
        code = "".join(str(raw).split())
        if code and code not in seen:
            seen.add(code)
            out.append(code)
    return out


@transaction.atomic
def handover_send(*, lab: Lab, codes, declared_count: int, actor, point: SamplingPoint | None = None,
                  at: datetime.datetime | None = None) -> Handover:
    """Closed tubes handed to a lab in one batch; the count the courier signs for must match the scans."""
    codes = _clean_codes(codes)
    if not codes:
        raise ValidationError({"codes": _("Scan the tubes of the batch.")})
    if declared_count != len(codes):
        raise ValidationError({"declared_count": _("You counted %(declared)d tubes but scanned %(scanned)d.")
                               % {"declared": declared_count, "scanned": len(codes)}})
    # A tube outside the actor's scope reads as unknown: the message never tells whether a code exists elsewhere.
    candidates = Tube.objects.visible_to(actor, "sample") if actor is not None else Tube.objects.all()
    tubes = {t.code: t for t in candidates.select_for_update(of=("self",)).select_related("unit")
             .filter(code__in=codes)}
    errors = []
    unknown = [c for c in codes if c not in tubes]
    if unknown:
        errors.append(_("Unknown tubes: %(codes)s.") % {"codes": ", ".join(unknown[:20])})
    for tube in tubes.values():
        if point is not None and tube.point_id != point.pk:
            errors.append(_("Tube %(code)s was sampled at another point.") % {"code": tube.code})
        elif tube.status == Tube.Status.OPEN:
            errors.append(_("Tube %(code)s is still open; close it first.") % {"code": tube.code})
        elif tube.handover_id or tube.status != Tube.Status.CLOSED:
            errors.append(_("Tube %(code)s was already handed over.") % {"code": tube.code})
    if errors:
        raise ValidationError({"codes": errors})
    unit = point.unit if point is not None else next(iter(tubes.values())).unit
    handover = Handover.objects.create(lab=lab, point=point, unit=unit, declared_count=declared_count,
                                       sent_at=at or timezone.now(), sent_by=acting_user(actor))
    Tube.objects.filter(pk__in=[t.pk for t in tubes.values()]).update(handover=handover, lab=lab,
                                                                       status=Tube.Status.SENT)
    return handover


def ensure_lab_staff(actor, lab: Lab | None) -> None:
    """Lab actions are for the lab's own staff (or the system)."""
    if actor is None:
        return
    if lab is None or not LabStaff.objects.filter(lab=lab, user=actor).exists():
        raise PermissionDenied("not staff of this lab")


@transaction.atomic
def handover_receive(*, handover: Handover, codes, actor, at: datetime.datetime | None = None) -> Handover:
    """The lab scans what arrived. Tubes of the batch not scanned are flagged at once, with a task to find them."""
    from fangkong.tasks.services import TaskSpec, task_create_many

    ensure_capability(actor, "testing.receive")
    handover = Handover.objects.select_for_update().get(pk=handover.pk)
    ensure_lab_staff(actor, handover.lab)
    if handover.status != Handover.Status.SENT:
        raise ValidationError({"codes": _("This batch was already received on %(at)s.")
                               % {"at": _local(handover.received_at)}})
    scanned = _clean_codes(codes)
    if not scanned:
        raise ValidationError({"codes": _("Scan the tubes that arrived.")})
    tubes = list(handover.tubes.select_related("unit"))
    expected = {t.code for t in tubes}
    now = at or timezone.now()
    arrived = [t.pk for t in tubes if t.code in scanned]
    Tube.objects.filter(pk__in=arrived).update(status=Tube.Status.RECEIVED, received_at=now)
    missing = [t for t in tubes if t.code not in scanned]
    handover.unexpected_codes = [c for c in scanned if c not in expected][:200]
    handover.missing_count = len(missing)
    handover.status = Handover.Status.DISCREPANCY if missing else Handover.Status.RECEIVED
    handover.received_at, handover.received_by = now, acting_user(actor)
    handover.save()
    if missing:
        task_create_many(kind="testing_lost_tube", actor=None, specs=[
            TaskSpec(unit=t.unit, subject_type="testing.tube", subject_id=t.pk, priority=1,
                     title=_("Tube %(code)s (%(size)d samples) did not reach %(lab)s")
                     % {"code": t.code, "size": t.size, "lab": handover.lab.name},
                     dedupe_key=f"lost-tube:{t.pk}") for t in missing])
    audit_record(actor=actor, obj=handover, action="receive", unit_path=handover.unit.path,
                 changes={"received": (None, len(arrived)), "missing": (None, len(missing))})
    return handover


# --- results -------------------------------------------------------------------------------------------------


def minute_of(value: datetime.datetime) -> datetime.datetime:
    """Labs write times to the minute: a test at 17:06 of a tube opened at 17:06:30 is not before it."""
    return value.replace(second=0, microsecond=0)


def clean_result(value: str) -> str:
    aliases = {"negative": Result.NEGATIVE, "阴性": Result.NEGATIVE, "陰性": Result.NEGATIVE, "neg": Result.NEGATIVE,
               "-": Result.NEGATIVE, "positive": Result.POSITIVE, "阳性": Result.POSITIVE, "陽性": Result.POSITIVE,
               "pos": Result.POSITIVE, "+": Result.POSITIVE, "invalid": Result.INVALID, "无效": Result.INVALID,
               "無效": Result.INVALID}
    result = aliases.get((value or "").strip().lower())
    if result is None:
        raise ValidationError({"result": _("“%(value)s” is not a result: negative, positive or invalid "
                                           "(阴性/阳性/无效).") % {"value": (value or "")[:20]}})
    return result


def clean_ct(value, field: str):
    from decimal import Decimal, InvalidOperation

    if value in (None, ""):
        return None
    try:
        ct = Decimal(str(value).strip()).quantize(Decimal("0.1"))
    except InvalidOperation:
        raise ValidationError({field: _("“%(value)s” is not a Ct value.") % {"value": str(value)[:20]}}) from None
    if not Decimal("0") < ct <= Decimal("50"):
        raise ValidationError({field: _("A Ct value is between 0 and 50.")})
    return ct


@transaction.atomic
def tube_result_record(*, tube: Tube, result: str, actor, ct_orf1ab=None, ct_n=None,
                       tested_at: datetime.datetime | None = None, lab: Lab | None = None,
                       extra: dict | None = None) -> tuple[Tube, bool]:
    """A lab's result for a tube: (tube, whether anything changed). Recording the same result again changes
    nothing; a different result for a tube that has one is refused. A positive or invalid pool raises its recall
    at once; a re-check's result releases its person or opens a case."""
    tube = _locked_tube(tube)
    lab = lab or tube.lab
    ensure_capability(actor, "testing.result")
    ensure_lab_staff(actor, lab)
    if tube.lab_id and lab is not None and tube.lab_id != lab.pk:
        raise ValidationError({"tube_code": _("Tube %(code)s was sent to %(lab)s, not to %(other)s.")
                               % {"code": tube.code, "lab": tube.lab.name, "other": lab.name}})
    result = clean_result(result)
    ct_orf1ab, ct_n = clean_ct(ct_orf1ab, "ct_orf1ab"), clean_ct(ct_n, "ct_n")
    now = timezone.now()
    tested_at = tested_at or now
    if timezone.is_naive(tested_at):
        tested_at = timezone.make_aware(tested_at)
    if tested_at > now + datetime.timedelta(minutes=10):
        raise ValidationError({"tested_at": _("The test time %(at)s is in the future.") % {"at": _local(tested_at)}})
    if tube.status == Tube.Status.OPEN or tube.size == 0:
        raise ValidationError({"tube_code": _("Tube %(code)s is still being filled; it cannot have a result yet.")
                               % {"code": tube.code}})
    if tested_at < minute_of(tube.opened_at):
        raise ValidationError({"tested_at": _("The test time %(at)s is before tube %(code)s was sampled.")
                               % {"at": _local(tested_at), "code": tube.code}})
    if tube.result:
        if tube.result == result and tube.ct_orf1ab == ct_orf1ab and tube.ct_n == ct_n:
            return tube, False
        raise ValidationError({"result": _("Tube %(code)s already has the result “%(result)s” (recorded %(at)s); "
                                           "a different result needs the HQ to correct it.")
                               % {"code": tube.code, "result": tube.get_result_display(),
                                  "at": _local(tube.result_recorded_at)}})
    tube.result, tube.ct_orf1ab, tube.ct_n, tube.tested_at = result, ct_orf1ab, ct_n, tested_at
    tube.result_recorded_at, tube.status, tube.lab = now, Tube.Status.RESULTED, lab
    tube.received_at = tube.received_at or tested_at
    tube.lab_extra = dict(extra or {})
    tube.save()
    audit_record(actor=actor, obj=tube, action="result", unit_path=tube.unit.path,
                 changes={"result": (None, result)})
    if tube.purpose == Tube.Purpose.RECHECK:
        _recheck_resulted(tube)
    elif result != Result.NEGATIVE:
        recall_raise(tube=tube)
    return tube, True


# --- a positive or invalid pool ------------------------------------------------------------------------------


def _put_on_file(sample: Sample):
    """Someone sampled but not on file is put on file at the point's node, so their grid can find them."""
    from fangkong.people.services import person_create

    return person_create(name=sample.name, id_type=sample.id_type, id_number=sample.id_number, phone=sample.phone,
                         unit=sample.unit, actor=None, allow_duplicate=False,
                         cause=_("Sampled in tube %(code)s, not on file") % {"code": sample.tube.code})


def _confine(person, *, cause: str):
    """Stay where you are: home isolation, unless a stricter status already holds. Returns (previous, at)."""
    from fangkong.people.models import ManagementStatus
    from fangkong.people.services import person_status_change

    if person.status in CONFINING_STATUSES:  # never lowered (hospital stays)
        return "", None
    previous = person.status
    change = person_status_change(person=person, to_status=ManagementStatus.HOME_ISOLATION, cause=cause[:200],
                                  actor=None)
    return previous, change.at


def recall_raise(*, tube: Tube) -> Recall:
    """A positive or invalid round tube: every member is told to stay where they are (a positive pool confines
    them), and their grid worker gets an urgent task to re-sample them singly at the door within the protocol's
    deadline. A positive single tube is already a case. Idempotent per tube."""
    from fangkong.tasks.services import TaskSpec, task_create_many

    existing = Recall.objects.filter(tube=tube).first()
    if existing is not None:
        return existing
    rules = active_rules()
    now = timezone.now()
    recall = Recall.objects.create(tube=tube, round_id=tube.round_id, unit=tube.unit, reason=tube.result,
                                   created_at=now)
    single_positive = tube.result == Result.POSITIVE and tube.size == 1
    specs, members = [], []
    for sample in tube.samples.select_related("person__unit", "person__household__unit", "tube"):
        person = sample.person or _put_on_file(sample)
        if sample.person_id is None:
            Sample.objects.filter(pk=sample.pk).update(person=person)
        previous, confined_at = "", None
        if tube.result == Result.POSITIVE:
            previous, confined_at = _confine(person, cause=_("Pool %(code)s positive: stay at home for a single-tube "
                                                             "re-check") % {"code": tube.code})
        member = RecallMember.objects.create(recall=recall, sample=sample, person=person, unit=person.unit,
                                             previous_status=previous, confined_at=confined_at)
        members.append(member)
        if single_positive:
            member.outcome, member.resolved_at = RecallMember.Outcome.POSITIVE, now
            member.save(update_fields=["outcome", "resolved_at"])
            _case_open(sample=sample, person=person, tube=tube)
            continue
        household = person.household if person.household_id else None
        specs.append(TaskSpec(
            unit=household.unit if household else person.unit, person=person, household=household,
            title=_("Re-check %(name)s singly: pool %(code)s %(result)s") % {
                "name": person.name, "code": tube.code, "result": tube.get_result_display()},
            detail=_("Tube %(code)s, sampled %(at)s at %(point)s.") % {
                "code": tube.code, "at": _local(sample.sampled_at), "point": tube.point.name if tube.point else "—"},
            due_at=now + datetime.timedelta(hours=rules.pool_recheck_hours), priority=1,
            subject_type=RECALL_MEMBER_SUBJECT, subject_id=member.pk, dedupe_key=f"recall:{member.pk}"))
    if specs:
        tasks, _made = task_create_many(kind="pool_recheck", specs=specs, actor=None)
        by_member = {t.subject_id: t for t in tasks}
        for member in members:
            if member.pk in by_member:
                member.task = by_member[member.pk]
                member.save(update_fields=["task"])
    if single_positive:
        recall.closed_at = now
        recall.save(update_fields=["closed_at"])
    return recall


def _case_open(*, sample: Sample, person, tube: Tube) -> PositiveCase:
    case, created = PositiveCase.objects.get_or_create(
        sample=sample, defaults={"person": person, "unit": person.unit if person else sample.unit, "tube": tube,
                                 "sampled_at": sample.sampled_at, "ct_orf1ab": tube.ct_orf1ab, "ct_n": tube.ct_n,
                                 "reported_at": timezone.now()})
    if created:
        from fangkong.testing.listeners import positive_listeners

        for listener in positive_listeners():
            listener(case)
    return case


def measure_task_data(task, outcome: str, data: dict) -> dict:
    """A measure's test-day task closed as sampled may name the single tube's code: the sample then goes to a lab
    like any other and its result comes back here (a positive opens the case)."""
    data = dict(data or {})
    raw = str(data.pop("tube_code", "") or "").strip()
    if outcome != "sampled" or not raw:
        return data
    code = clean_code(raw, field="data", label=_("tube code"))
    if Tube.objects.filter(code=code).exists():
        raise ValidationError({"data": _("Tube %(code)s was already used; take a new tube.") % {"code": code}})
    data["tube_code"] = code
    return data


def measure_task_completed(task, outcome: str, actor) -> None:
    """Called by tasks.task_complete in its transaction: the test day's single tube is recorded for the person."""
    code = (task.outcome_data or {}).get("tube_code")
    if outcome != "sampled" or not code or task.person_id is None:
        return
    measure_sample_record(person=task.person, tube_code=code, actor=None)


@transaction.atomic
def measure_sample_record(*, person, tube_code: str, actor, at: datetime.datetime | None = None) -> Tube:
    """A single-tube sample on a protocol's test day (at home or in an isolation site): a closed tube of one, outside
    any round, on the person's node; it is sent and resulted like the others."""
    code = clean_code(tube_code, field="tube_code", label=_("tube code"))
    if Tube.objects.filter(code=code).exists():
        raise ValidationError({"tube_code": _("Tube %(code)s was already used; take a new tube.") % {"code": code}})
    now = at or timezone.now()
    tube = Tube.objects.create(code=code, purpose=Tube.Purpose.MEASURE, unit=person.unit, capacity=1, size=1,
                               status=Tube.Status.CLOSED, opened_at=now, closed_at=now, opened_by=acting_user(actor))
    Sample.objects.create(tube=tube, round=None, person_id=person.pk, id_type=person.id_type,
                          id_number=person.id_number, name=person.name, phone=person.phone, unit=person.unit,
                          sampled_at=now, recorded_by=acting_user(actor))
    return tube


def recheck_task_data(task, outcome: str, data: dict) -> dict:
    """pool_recheck tasks closed as sampled name the single tube's code."""
    data = dict(data or {})
    if outcome != "sampled":
        return data
    code = clean_code(str(data.get("tube_code", "")), field="data", label=_("tube code"))
    if Tube.objects.filter(code=code).exists():
        raise ValidationError({"data": _("Tube %(code)s was already used; take a new tube.") % {"code": code}})
    data["tube_code"] = code
    return data


def recheck_task_completed(task, outcome: str, actor) -> None:
    """Called by tasks.task_complete in its transaction: the re-check tube is recorded for the member."""
    if outcome != "sampled" or task.subject_type != RECALL_MEMBER_SUBJECT:
        return
    member = RecallMember.objects.filter(pk=task.subject_id).first()
    if member is not None:
        recheck_record(member=member, tube_code=task.outcome_data["tube_code"], actor=None)


@transaction.atomic
def recheck_record(*, member: RecallMember, tube_code: str, actor,
                   at: datetime.datetime | None = None) -> Tube:
    """A recalled member's single-tube sample, taken at the door: a closed tube of one, outside the round."""
    member = RecallMember.objects.select_for_update(of=("self",)).select_related("sample", "unit").get(pk=member.pk)
    _ensure_may_sample(actor, member.unit)
    code = clean_code(tube_code, field="tube_code", label=_("tube code"))
    if member.outcome in (RecallMember.Outcome.NEGATIVE, RecallMember.Outcome.POSITIVE):
        raise ValidationError({"tube_code": _("This person's re-check already has its result.")})
    if Tube.objects.filter(code=code).exists():
        raise ValidationError({"tube_code": _("Tube %(code)s was already used; take a new tube.") % {"code": code}})
    now = at or timezone.now()
    original = member.sample
    tube = Tube.objects.create(code=code, purpose=Tube.Purpose.RECHECK, unit=member.unit, capacity=1, size=1,
                               status=Tube.Status.CLOSED, opened_at=now, closed_at=now, opened_by=acting_user(actor))
    Sample.objects.create(tube=tube, round=None, person_id=member.person_id, id_type=original.id_type,
                          id_number=original.id_number, name=original.name, phone=original.phone, unit=member.unit,
                          sampled_at=now, recorded_by=acting_user(actor))
    member.recheck_tube, member.outcome = tube, RecallMember.Outcome.SAMPLED
    member.save(update_fields=["recheck_tube", "outcome"])
    return tube


def _recheck_resulted(tube: Tube) -> None:
    from fangkong.people.models import Person
    from fangkong.people.services import person_status_change
    from fangkong.tasks.services import TaskSpec, task_create_many

    member = RecallMember.objects.select_related("recall__tube").filter(recheck_tube=tube).first()
    if member is None:
        return
    now = timezone.now()
    person = Person.objects.filter(pk=member.person_id).first()
    if tube.result == Result.NEGATIVE:
        member.outcome, member.resolved_at = RecallMember.Outcome.NEGATIVE, now
        # Release only what the recall imposed: a status someone changed since stays.
        if (person is not None and member.confined_at is not None and person.status == "home_isolation"
                and person.status_since == member.confined_at):
            person_status_change(person=person, to_status=member.previous_status or "normal", actor=None,
                                 cause=_("Single-tube re-check %(code)s negative: released") % {"code": tube.code})
    elif tube.result == Result.POSITIVE:
        member.outcome, member.resolved_at = RecallMember.Outcome.POSITIVE, now
        if person is not None and not member.confined_at:
            member.previous_status, member.confined_at = _confine(
                person, cause=_("Single-tube re-check %(code)s positive") % {"code": tube.code})
        _case_open(sample=tube.samples.get(), person=person, tube=tube)
    else:
        # An invalid re-check: sample again.
        member.outcome, member.recheck_tube = RecallMember.Outcome.PENDING, None
        if person is not None:
            household = person.household if person.household_id else None
            tasks, _made = task_create_many(kind="pool_recheck", actor=None, specs=[TaskSpec(
                unit=household.unit if household else person.unit, person=person, household=household, priority=1,
                title=_("Re-check %(name)s again: tube %(code)s invalid") % {"name": person.name, "code": tube.code},
                due_at=now + datetime.timedelta(hours=active_rules().pool_recheck_hours),
                subject_type=RECALL_MEMBER_SUBJECT, subject_id=member.pk,
                dedupe_key=f"recall:{member.pk}:{tube.pk}")])
            member.task = tasks[0]
    member.save()
    recall = member.recall
    if not recall.members.exclude(outcome__in=[RecallMember.Outcome.NEGATIVE, RecallMember.Outcome.POSITIVE]).exists():
        Recall.objects.filter(pk=recall.pk).update(closed_at=now)


# --- HQ and officer pages ------------------------------------------------------------------------------------


@transaction.atomic
def round_unsampled_tasks(*, round_: Round, node: Unit, actor) -> int:
    """应检尽检 sweep: one round_unsampled task per building under `node` that still has target people not
    sampled, owned through the responsibility map (the grid worker), never one per person. Running it again opens
    no duplicate while a building's task is open; a building whose task was closed with people still unsampled gets
    a new one. Returns how many tasks were opened now."""
    from fangkong.tasks.services import TaskSpec, task_create_many
    from fangkong.testing.selectors import unsampled_by_building

    ensure_capability(actor, "testing.manage")
    ensure_unit_in_scope(actor, node, app_label="testing", action="manage")
    from fangkong.tasks.models import Task

    counts = unsampled_by_building(round_=round_, node=node)
    buildings = Unit.objects.in_bulk([unit_id for unit_id, _n in counts])
    earlier: dict[int, list[bool]] = {}
    for unit_id, status in Task.objects.filter(dedupe_key__startswith=f"unsampled:{round_.pk}:").values_list(
            "unit_id", "status"):
        earlier.setdefault(unit_id, []).append(status in ("open", "accepted"))
    counts = [(unit_id, n) for unit_id, n in counts if not any(earlier.get(unit_id, []))]
    specs = [TaskSpec(unit=buildings[unit_id],
                      title=_("%(building)s: %(count)d not yet sampled in %(round)s")
                      % {"building": buildings[unit_id].name, "count": n, "round": round_.name},
                      detail=_("%(count)d target people of %(building)s have no sample in round %(round)s (%(code)s).")
                      % {"count": n, "building": buildings[unit_id].name, "round": round_.name, "code": round_.code},
                      subject_type="testing.round", subject_id=round_.pk,
                      dedupe_key=f"unsampled:{round_.pk}:{unit_id}:{len(earlier.get(unit_id, [])) + 1}")
             for unit_id, n in counts if unit_id in buildings]
    if not specs:
        return 0
    _tasks, created = task_create_many(kind="round_unsampled", specs=specs, actor=actor)
    return created
