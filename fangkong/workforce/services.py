"""Writes to posts, shifts and handovers; every one audited in its own transaction."""

import datetime
import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import acting_user, ensure_unit_in_scope
from fangkong.audit.services import audit_record, diff
from fangkong.core.masking import mask_phone
from fangkong.core.paths import is_within
from fangkong.workforce.models import Handover, Post, PostKind, Shift

DEFAULT_MAX_SHIFT_HOURS = 12
_SUBJECT_TYPE = re.compile(r"^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$")


def max_shift_hours(unit=None) -> int:
    """劳逸结合: no shift longer than this: the shift rules of the unit (the nearest node with a row), else
    settings.WORKFORCE_MAX_SHIFT_HOURS, 12 by default."""
    if unit is not None:
        from fangkong.workforce.rules import rules_for

        return int(rules_for(unit).max_shift_hours)
    return int(getattr(settings, "WORKFORCE_MAX_SHIFT_HOURS", DEFAULT_MAX_SHIFT_HOURS))


def _local(value: datetime.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _clean_name(name: str, field: str = "name") -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({field: _("Enter the post's name.")})
    return name[:100]


# --- posts -------------------------------------------------------------------------------------------------


@transaction.atomic
def post_ensure(*, kind: str, name: str, unit, subject_type: str, subject_id: int, actor) -> Post:
    """The post staffing this module object, created on first call; later calls update its name.

    Called by other apps' services, which have checked their own capability: here the unit must lie within the
    actor's scope (actor=None is the system itself).
    """
    if kind not in PostKind.values:
        raise ValidationError({"kind": _("Unknown kind of post.")})
    subject_type = (subject_type or "").strip().lower()
    if not _SUBJECT_TYPE.match(subject_type) or not subject_id:
        raise ValidationError({"subject_type": _("A post staffs one object, named as \"app_label.model\" and id.")})
    if actor is not None and not (unit is not None and actor.scope_path and is_within(unit.path, actor.scope_path)):
        raise PermissionDenied("outside your jurisdiction")
    name = _clean_name(name)
    post = Post.objects.select_for_update().filter(subject_type=subject_type, subject_id=subject_id).first()
    if post is None:
        try:
            # A savepoint: two first calls at once may race; the loser reads the winner's row.
            with transaction.atomic():
                post = Post.objects.create(kind=kind, name=name, unit=unit, subject_type=subject_type,
                                           subject_id=subject_id)
        except IntegrityError:
            post = Post.objects.select_for_update().get(subject_type=subject_type, subject_id=subject_id)
        else:
            audit_record(actor=actor, obj=post, action="create", unit_path=unit.path,
                         changes={"name": (None, name), "kind": (None, kind),
                                  "subject": (None, f"{subject_type}:{subject_id}")})
            return post
    if post.name != name:
        before = post.name
        post.name = name
        post.save(update_fields=["name"])
        audit_record(actor=actor, obj=post, action="update", unit_path=post.unit.path,
                     changes={"name": (before, name)})
    return post


@transaction.atomic
def post_create(*, kind: str, name: str, unit, actor) -> Post:
    """A post of its own (a gate, a volunteer station) that no other module owns."""
    ensure_unit_in_scope(actor, unit, app_label="workforce")
    if kind not in PostKind.values:
        raise ValidationError({"kind": _("Unknown kind of post.")})
    if unit is None:
        raise ValidationError({"unit": _("Choose where the post is.")})
    post = Post.objects.create(kind=kind, name=_clean_name(name), unit=unit)
    audit_record(actor=actor, obj=post, action="create", unit_path=unit.path,
                 changes={"name": (None, post.name), "kind": (None, kind)})
    return post


# --- shifts ------------------------------------------------------------------------------------------------


def _clean_times(starts_at, ends_at, unit=None) -> None:
    if starts_at is None:
        raise ValidationError({"starts_at": _("Enter when the shift starts.")})
    if ends_at is None:
        raise ValidationError({"ends_at": _("Enter when the shift ends.")})
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValueError("shift times must be aware datetimes")
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The shift must end after it starts (%(start)s).")
                               % {"start": _local(starts_at)}})
    limit = max_shift_hours(unit)
    length = ends_at - starts_at
    if length > datetime.timedelta(hours=limit):
        hours = length.total_seconds() / 3600
        raise ValidationError({"ends_at": _("A shift lasts at most %(max)d hours so that the team can rest; this one "
                                            "lasts %(hours).1f hours. Split it into two shifts.")
                               % {"max": limit, "hours": hours}})


def _clean_people(*, leader, leader_name, leader_phone, members, members_text, actor):
    leader_name = " ".join((leader_name or "").split())[:50]
    leader_phone = re.sub(r"[\s-]", "", leader_phone or "")[:20]
    if leader_phone and not re.fullmatch(r"\+?\d{5,20}", leader_phone):
        raise ValidationError({"leader_phone": _("Enter the phone number in digits, e.g. 13800001234.")})
    members = {m.pk: m for m in (members or ())}
    if leader is not None:
        members.pop(leader.pk, None)
    if actor is not None:
        # Only staff the actor answers for may be put on a shift.
        for user in [leader, *members.values()]:
            if user is not None and not (user.scope_path and is_within(user.scope_path, actor.scope_path)):
                raise ValidationError({"members" if user is not leader else "leader":
                                       _("%(name)s works outside your jurisdiction.") % {"name": user}})
    lines = [line.strip() for line in (members_text or "").splitlines() if line.strip()]
    return leader_name, leader_phone, list(members.values()), "\n".join(lines)


def _ensure_free(*, leader, members, starts_at, ends_at, exclude_pk=None, volunteers=()) -> None:
    """Refuse anyone already on another shift that overlaps [starts_at, ends_at): one team at a time, then rest."""
    if volunteers:
        busy = (Shift.objects.filter(starts_at__lt=ends_at, ends_at__gt=starts_at, volunteers__in=list(volunteers))
                .exclude(pk=exclude_pk).select_related("post").order_by("starts_at", "pk").first())
        if busy is not None:
            taken = set(busy.volunteers.values_list("pk", flat=True))
            volunteer = next(v for v in volunteers if v.pk in taken)
            raise ValidationError({"volunteers": _("%(name)s is already on duty at %(post)s from %(start)s to "
                                                   "%(end)s.") % {"name": volunteer.name, "post": busy.post.name,
                                                                  "start": _local(busy.starts_at),
                                                                  "end": _local(busy.ends_at)}})
    users = ([leader] if leader is not None else []) + list(members)
    if not users:
        return
    ids = sorted({u.pk for u in users})
    # Lock the people in pk order, so that two officers booking the same person at once queue up.
    list(get_user_model().objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    overlapping = (Shift.objects.filter(starts_at__lt=ends_at, ends_at__gt=starts_at)
                   .filter(Q(leader_id__in=ids) | Q(members__in=ids)).select_related("post").distinct())
    if exclude_pk is not None:
        overlapping = overlapping.exclude(pk=exclude_pk)
    other = overlapping.order_by("starts_at", "pk").first()
    if other is None:
        return
    other_ids = {other.leader_id} | set(other.members.values_list("pk", flat=True))
    user = next(u for u in users if u.pk in other_ids)
    field = "leader" if leader is not None and user.pk == leader.pk else "members"
    raise ValidationError({field: _("%(name)s is already on duty at %(post)s from %(start)s to %(end)s.")
                           % {"name": user, "post": other.post.name, "start": _local(other.starts_at),
                              "end": _local(other.ends_at)}})


def _snapshot(shift: Shift) -> dict:
    return {
        "starts_at": shift.starts_at.isoformat(), "ends_at": shift.ends_at.isoformat(),
        "leader": shift.leader_id, "leader_name": shift.leader_name, "leader_phone": mask_phone(shift.leader_phone),
        "members": ",".join(str(pk) for pk in sorted(shift.members.values_list("pk", flat=True))),
        "members_text": shift.members_text, "note": shift.note,
        "volunteers": ",".join(str(pk) for pk in sorted(shift.volunteers.values_list("pk", flat=True))),
    }


def _ensure_open(post: Post) -> None:
    if not post.active:
        raise ValidationError({"post": _("This post is closed; it takes no new shifts.")})


def _clean_volunteers(volunteers, *, post: Post, actor=None) -> list:
    """Approved volunteers registered in the post's area (a community's volunteers staff its district's
    checkpoint) or above it, and inside the actor's jurisdiction."""
    from fangkong.workforce.models import Volunteer

    volunteers = list(volunteers or ())
    for volunteer in volunteers:
        if actor is not None and not (actor.scope_path and is_within(volunteer.unit.path, actor.scope_path)):
            raise ValidationError({"volunteers": _("%(name)s volunteers outside your jurisdiction.")
                                   % {"name": volunteer.name}})
        if volunteer.status != Volunteer.Status.APPROVED:
            raise ValidationError({"volunteers": _("%(name)s has not been approved yet.") % {"name": volunteer.name}})
        if not (is_within(volunteer.unit.path, post.unit.path) or is_within(post.unit.path, volunteer.unit.path)):
            raise ValidationError({"volunteers": _("%(name)s volunteers in another area.") % {"name": volunteer.name}})
    return volunteers


def _roster_for(post: Post, starts_at):
    from fangkong.workforce.models import Roster

    day = timezone.localdate(starts_at)
    return Roster.objects.filter(post=post, starts_on__lte=day, ends_on__gte=day).first()


def _ensure_published_roster_kept(shift: Shift) -> None:
    """A shift added to (or changed in) a published roster must not break the shift rules: the roster stays as
    it was checked when it was published."""
    from fangkong.workforce.models import Roster
    from fangkong.workforce.rules import check_shifts, rules_for
    from fangkong.workforce.selectors import with_people

    if shift.roster_id is None or shift.roster.status != Roster.Status.PUBLISHED:
        return
    found = check_shifts(shifts=with_people(Shift.objects.filter(pk=shift.pk)), rules=rules_for(shift.post.unit))
    if found:
        raise ValidationError({"starts_at": _("The roster is published and this shift breaks its rules: %(list)s")
                               % {"list": " ".join(f"{r.person_name}: {r.message}" for r in found)}})


@transaction.atomic
def shift_create(*, post: Post, starts_at, ends_at, actor, leader=None, leader_name: str = "",
                 leader_phone: str = "", members=(), members_text: str = "", note: str = "",
                 volunteers=()) -> Shift:
    post = Post.objects.select_related("unit").get(pk=post.pk)
    ensure_unit_in_scope(actor, post.unit, app_label="workforce")
    _ensure_open(post)
    _clean_times(starts_at, ends_at, post.unit)
    leader_name, leader_phone, members, members_text = _clean_people(
        leader=leader, leader_name=leader_name, leader_phone=leader_phone, members=members,
        members_text=members_text, actor=actor)
    volunteers = _clean_volunteers(volunteers, post=post, actor=actor)
    if leader is None and not leader_name:
        raise ValidationError({"leader": _("Name the shift's leader: choose a user or enter a name.")})
    _ensure_free(leader=leader, members=members, starts_at=starts_at, ends_at=ends_at, volunteers=volunteers)
    shift = Shift.objects.create(post=post, starts_at=starts_at, ends_at=ends_at, leader=leader,
                                 leader_name=leader_name, leader_phone=leader_phone, members_text=members_text,
                                 note=(note or "").strip()[:300], created_by=acting_user(actor),
                                 roster=_roster_for(post, starts_at))
    shift.members.set(members)
    shift.volunteers.set(volunteers)
    _ensure_published_roster_kept(shift)
    audit_record(actor=actor, obj=shift, action="create", unit_path=post.unit.path, changes=diff({}, _snapshot(shift)))
    return shift


@transaction.atomic
def shift_update(*, shift: Shift, actor, starts_at, ends_at, leader=None, leader_name: str = "",
                 leader_phone: str = "", members=(), members_text: str = "", note: str = "",
                 volunteers=()) -> Shift:
    """Change a shift that has not ended yet; a past shift is the record of who was on duty."""
    shift = Shift.objects.select_for_update(of=("self",)).select_related("post__unit").get(pk=shift.pk)
    ensure_unit_in_scope(actor, shift.post.unit, app_label="workforce")
    if shift.ends_at <= timezone.now():
        raise ValidationError({"starts_at": _("This shift is over; it stays on record as it was.")})
    _clean_times(starts_at, ends_at, shift.post.unit)
    leader_name, leader_phone, members, members_text = _clean_people(
        leader=leader, leader_name=leader_name, leader_phone=leader_phone, members=members,
        members_text=members_text, actor=actor)
    volunteers = _clean_volunteers(volunteers, post=shift.post, actor=actor)
    if leader is None and not leader_name:
        raise ValidationError({"leader": _("Name the shift's leader: choose a user or enter a name.")})
    _ensure_free(leader=leader, members=members, starts_at=starts_at, ends_at=ends_at, exclude_pk=shift.pk,
                 volunteers=volunteers)
    before = _snapshot(shift)
    shift.starts_at, shift.ends_at, shift.leader = starts_at, ends_at, leader
    shift.leader_name, shift.leader_phone, shift.members_text = leader_name, leader_phone, members_text
    shift.note = (note or "").strip()[:300]
    shift.roster = _roster_for(shift.post, starts_at)
    shift.save()
    shift.members.set(members)
    shift.volunteers.set(volunteers)
    _ensure_published_roster_kept(shift)
    changes = diff(before, _snapshot(shift))
    if changes:
        audit_record(actor=actor, obj=shift, action="update", unit_path=shift.post.unit.path, changes=changes)
    return shift


@transaction.atomic
def shift_delete(*, shift: Shift, actor) -> None:
    """Only a shift that has not started may be deleted."""
    shift = Shift.objects.select_for_update(of=("self",)).select_related("post__unit").get(pk=shift.pk)
    ensure_unit_in_scope(actor, shift.post.unit, app_label="workforce")
    if shift.starts_at <= timezone.now():
        raise ValidationError({"starts_at": _("Only a shift that has not started yet can be deleted.")})
    before = _snapshot(shift)
    audit_record(actor=actor, obj=shift, action="delete", unit_path=shift.post.unit.path,
                 changes={k: (v, None) for k, v in before.items()})
    shift.delete()


# --- handovers ---------------------------------------------------------------------------------------------


def is_on_shift(*, user, shift: Shift) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    # members.all() so that a prefetched list answers without a query.
    return shift.leader_id == user.pk or any(m.pk == user.pk for m in shift.members.all())


def may_hand_over(*, user, shift: Shift) -> bool:
    """The outgoing team hands over; an officer with workforce.change may record it for them."""
    if user is None or not user.scope_path or not is_within(shift.post.unit.path, user.scope_path):
        return False
    if is_on_shift(user=user, shift=shift):
        return has_capability(user, "workforce.view")
    return has_capability(user, "workforce.change")


@transaction.atomic
def handover_record(*, shift: Shift, note: str, actor, shift_to: Shift | None = None, open_issues: str = "",
                    supplies: str = "", awaiting_transfer: str = "", at=None) -> Handover:
    shift = Shift.objects.select_related("post__unit").get(pk=shift.pk)
    if actor is not None and not may_hand_over(user=actor, shift=shift):
        raise PermissionDenied("not on this shift")
    if shift.starts_at > timezone.now():
        raise ValidationError({"note": _("This shift has not started yet; there is nothing to hand over.")})
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Write what the incoming team needs to know.")})
    if shift_to is not None and (shift_to.post_id != shift.post_id or shift_to.pk == shift.pk):
        raise ValidationError({"shift_to": _("Hand over to another shift of the same post.")})
    if shift_to is None:
        # The next shift at this post, the one that takes over.
        from fangkong.workforce.selectors import shift_next

        shift_to = shift_next(shift=shift)
    handover = Handover.objects.create(
        post=shift.post, shift_from=shift, shift_to=shift_to, at=at or timezone.now(), by=acting_user(actor),
        note=note, open_issues=(open_issues or "").strip(), supplies=(supplies or "").strip(),
        awaiting_transfer=(awaiting_transfer or "").strip())
    audit_record(actor=actor, obj=handover, action="create", unit_path=shift.post.unit.path,
                 changes={"shift_from": (None, shift.pk), "shift_to": (None, shift_to.pk if shift_to else None),
                          "note": (None, note[:200])})
    return handover


# --- volunteers ----------------------------------------------------------------------------------------------


class RateLimited(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def ip_hash(ip: str | None) -> str:
    import hashlib

    return hashlib.sha256(f"{settings.SECRET_KEY}:workforce:{ip or '-'}".encode()).hexdigest()


def _clean_volunteer_fields(*, name: str, id_number: str, phone: str, unit) -> dict:
    from fangkong.people.identity import normalize_phone, validate_resident_id

    errors: dict[str, list[str]] = {}
    name = " ".join((name or "").split())[:50]
    if not name:
        errors["name"] = [_("Enter your name.")]
    number = ""
    try:
        number = validate_resident_id(id_number).number
    except ValidationError as exc:
        errors["id_number"] = exc.messages
    try:
        phone = normalize_phone(phone)
        if not phone:
            errors["phone"] = [_("Enter a phone number, so that the community can call you.")]
    except ValidationError as exc:
        errors["phone"] = exc.messages
    if unit is None:
        errors["unit"] = [_("Choose your community, or enter its code.")]
    if errors:
        raise ValidationError(errors)
    return {"name": name, "id_number": number, "phone": phone}


def _duplicate_message() -> str:
    return _("This ID number is already registered as a volunteer; the community has your registration and will "
             "contact you.")


def signup_limit() -> int:
    return int(getattr(settings, "WORKFORCE_SIGNUP_PER_IP_HOUR", 5))


@transaction.atomic
def volunteer_register(*, name: str, id_number: str, phone: str, unit, skills: str = "", availability: str = "",
                       healthy: bool = False, health_note: str = "", consent: bool = False, ip: str | None = None):
    """The public form (no login): one pending registration per ID number, limited per network per hour."""
    from fangkong.workforce.models import Volunteer

    hashed = ip_hash(ip)
    since = timezone.now() - datetime.timedelta(hours=1)
    if Volunteer.objects.filter(ip_hash=hashed, created_at__gte=since).count() >= signup_limit():
        raise RateLimited(_("Too many registrations from this network in the last hour. Please try again later, or "
                            "register at your community's office."))
    # Every problem at once, so that a phone user corrects the form in one go.
    errors: dict[str, list] = {}
    if not consent:
        errors["consent"] = [_("Agree to the use of your data for the volunteer service.")]
    if not healthy:
        errors["healthy"] = [_("Only volunteers in good health can serve at the posts; tick the health "
                               "declaration if it is true.")]
    if unit is not None and unit.level < _community_level():
        errors["unit"] = [_("Choose your community (not a district or street).")]
    try:
        clean = _clean_volunteer_fields(name=name, id_number=id_number, phone=phone, unit=unit)
    except ValidationError as exc:
        errors = {**exc.message_dict, **errors}
    if errors:
        raise ValidationError(errors)
    if Volunteer.objects.filter(id_number=clean["id_number"]).exists():
        raise ValidationError({"id_number": _duplicate_message()})
    volunteer = Volunteer.objects.create(
        **clean, unit=unit, skills=(skills or "").strip()[:200], availability=(availability or "").strip()[:200],
        healthy=True, health_note=(health_note or "").strip()[:200], consent_at=timezone.now(),
        source=Volunteer.Source.SELF, ip_hash=hashed)
    audit_record(actor=None, obj=volunteer, action="create", unit_path=unit.path,
                 changes={"source": (None, "self"), "unit": (None, unit.pk)})
    return volunteer


def _community_level():
    from fangkong.territory.models import Level

    return Level.COMMUNITY


IMPORT_ALIASES = {"姓名": "name", "身份证号": "id_number", "身份证号码": "id_number", "手机": "phone", "电话": "phone",
                  "手机号": "phone", "社区编码": "unit", "编码": "unit", "社区": "unit", "技能": "skills",
                  "特长": "skills", "可服务时间": "availability", "时间": "availability"}
IMPORT_COLUMNS = ["name", "id_number", "phone", "unit", "skills", "availability"]


@transaction.atomic
def volunteer_import(*, text: str = "", data: bytes | None = None, filename: str = "", default_unit, actor):
    """An officer's paste or file of a grid's volunteers (pending, to be vetted like any other). All or nothing:
    any rejected row rejects the list, and the report names every rejected line."""
    from fangkong.core.imports import ImportRejected, ImportReport, read_csv_rows, read_table, rows_by_column
    from fangkong.territory.models import Unit
    from fangkong.workforce.models import Volunteer

    ensure_unit_in_scope(actor, default_unit, app_label="workforce")
    report = ImportReport()
    if data:
        header, rows = read_table(data, filename)
    else:
        body = (text or "").strip()
        if body and not any(h in body.splitlines()[0] for h in ("name", "姓名")):
            body = "name,id_number,phone,unit,skills,availability\n" + body
        body = body.replace("，", ",").replace("\t", ",")
        header, rows = read_csv_rows(body)
    keyed = rows_by_column(header, rows, aliases=IMPORT_ALIASES, required=["name", "id_number", "phone"],
                           expected=IMPORT_COLUMNS, report=report)
    if keyed is None:
        raise ImportRejected(report)
    seen: dict[str, int] = {}
    to_create = []
    for line, row in keyed:
        code = (row.get("unit") or "").strip()
        unit = default_unit
        if code:
            unit = Unit.objects.filter(code=code).first()
            if unit is None or not is_within(unit.path, actor.scope_path if actor else unit.path):
                report.reject(line, _("No community with the code %(code)s in your jurisdiction.") % {"code": code})
                continue
        try:
            clean = _clean_volunteer_fields(name=row.get("name", ""), id_number=row.get("id_number", ""),
                                            phone=row.get("phone", ""), unit=unit)
        except ValidationError as exc:
            report.reject(line, " ".join(f"{m}" for msgs in exc.message_dict.values() for m in msgs))
            continue
        if clean["id_number"] in seen:
            report.reject(line, _("The same ID number as line %(line)d.") % {"line": seen[clean["id_number"]]})
            continue
        seen[clean["id_number"]] = line
        to_create.append((line, clean, unit, row))
    existing = set(Volunteer.objects.filter(id_number__in=list(seen)).values_list("id_number", flat=True))
    for line, clean, _unit, _row in to_create:
        if clean["id_number"] in existing:
            report.reject(line, _("This ID number is already registered as a volunteer."))
    if not report.ok:
        report.errors.sort(key=lambda e: e.line)
        raise ImportRejected(report)
    for _line, clean, unit, row in to_create:
        volunteer = Volunteer.objects.create(**clean, unit=unit, skills=(row.get("skills") or "")[:200],
                                             availability=(row.get("availability") or "")[:200], healthy=True,
                                             source=Volunteer.Source.GRID_LIST, created_by=acting_user(actor))
        audit_record(actor=actor, obj=volunteer, action="create", unit_path=unit.path,
                     changes={"source": (None, "grid_list")})
        report.created += 1
    return report


@transaction.atomic
def volunteer_vet(*, volunteer, approve: bool, reason: str = "", actor):
    """workforce.vet: approve, or reject with a reason. A decided registration is not decided again, except that a
    rejected one may be approved later (a mistake corrected)."""
    from fangkong.accounts.scope import ensure_may
    from fangkong.workforce.models import Volunteer

    volunteer = Volunteer.objects.select_for_update().select_related("unit").get(pk=volunteer.pk)
    ensure_may(actor, "workforce.vet", volunteer.unit)
    reason = " ".join((reason or "").split())[:300]
    if not approve and not reason:
        raise ValidationError({"reason": _("Give the reason for the rejection.")})
    if volunteer.status == Volunteer.Status.APPROVED:
        raise ValidationError({"reason": _("This volunteer is already approved.")})
    before = volunteer.status
    volunteer.status = Volunteer.Status.APPROVED if approve else Volunteer.Status.REJECTED
    volunteer.reason = reason
    volunteer.vetted_by, volunteer.vetted_at = acting_user(actor), timezone.now()
    volunteer.link_revoked = False
    volunteer.save(update_fields=["status", "reason", "vetted_by", "vetted_at", "link_revoked"])
    audit_record(actor=actor, obj=volunteer, action="update", unit_path=volunteer.unit.path,
                 changes={"status": (before, volunteer.status), "reason": ("", reason)})
    return volunteer


@transaction.atomic
def volunteer_link_revoke(*, volunteer, actor, reissue: bool = False):
    """Stop the volunteer's personal link (a lost phone); with reissue, a new link works instead."""
    from fangkong.workforce.models import Volunteer

    volunteer = Volunteer.objects.select_for_update().select_related("unit").get(pk=volunteer.pk)
    ensure_unit_in_scope(actor, volunteer.unit, app_label="workforce", action="vet")
    volunteer.link_version += 1
    volunteer.link_revoked = not reissue
    volunteer.save(update_fields=["link_version", "link_revoked"])
    audit_record(actor=actor, obj=volunteer, action="update", unit_path=volunteer.unit.path,
                 changes={"link_version": (volunteer.link_version - 1, volunteer.link_version)},
                 note="reissued" if reissue else "revoked")
    return volunteer


# --- check-in, check-out -------------------------------------------------------------------------------------


def _check_in_window() -> datetime.timedelta:
    return datetime.timedelta(minutes=int(getattr(settings, "WORKFORCE_CHECK_IN_EARLY_MINUTES", 60)))


def _is_volunteer_on(volunteer, shift: Shift) -> bool:
    return shift.volunteers.filter(pk=volunteer.pk).exists()


@transaction.atomic
def attendance_check_in(*, shift: Shift, user=None, volunteer=None, equipment=(), tested_at=None, at=None):
    """A person on the shift checks in, from an hour before it starts until it ends, confirming the protective
    equipment the rules require and, when they require a test, the time of their last negative one."""
    from fangkong.workforce.models import Attendance
    from fangkong.workforce.rules import rules_for

    shift = Shift.objects.select_related("post__unit").get(pk=shift.pk)
    at = at or timezone.now()
    if user is not None and not is_on_shift(user=user, shift=shift):
        raise PermissionDenied("not on this shift")
    if volunteer is not None and not _is_volunteer_on(volunteer, shift):
        raise PermissionDenied("not on this shift")
    if at < shift.starts_at - _check_in_window():
        raise ValidationError({"shift": _("Check in at most %(minutes)d minutes before the shift starts (%(start)s).")
                               % {"minutes": _check_in_window().seconds // 60, "start": _local(shift.starts_at)}})
    if at >= shift.ends_at:
        raise ValidationError({"shift": _("This shift is over.")})
    rules = rules_for(shift.post.unit)
    equipment = [item for item in (equipment or ()) if item]
    missing = [item for item in rules.equipment if item not in equipment]
    if missing:
        raise ValidationError({"equipment": _("Put on before you go on duty: %(items)s.")
                               % {"items": "、".join(missing)}})
    if rules.test_within_hours is not None:
        if tested_at is None:
            raise ValidationError({"tested_at": _("Enter when your last negative test was taken.")})
        if timezone.is_naive(tested_at):
            tested_at = timezone.make_aware(tested_at)
        if tested_at > at or at - tested_at > datetime.timedelta(hours=rules.test_within_hours):
            raise ValidationError({"tested_at": _("Frontline staff need a negative test taken within %(hours)d hours "
                                                  "before duty; get tested first.")
                                   % {"hours": rules.test_within_hours}})
    lookup = {"user": user} if user is not None else {"volunteer": volunteer}
    attendance, created = Attendance.objects.get_or_create(
        shift=shift, **lookup, defaults={"checked_in_at": at, "equipment": equipment, "tested_at": tested_at})
    if not created:
        raise ValidationError({"shift": _("You checked in at %(at)s already.")
                               % {"at": _local(attendance.checked_in_at)}})
    audit_record(actor=user, obj=attendance, action="create", unit_path=shift.post.unit.path,
                 changes={"checked_in_at": (None, at.isoformat())},
                 note=f"volunteer {volunteer.pk}" if volunteer is not None else "")
    return attendance


@transaction.atomic
def attendance_check_out(*, shift: Shift, user=None, volunteer=None, at=None):
    from fangkong.workforce.models import Attendance

    lookup = {"user": user} if user is not None else {"volunteer": volunteer}
    attendance = Attendance.objects.select_for_update().select_related("shift__post__unit").filter(
        shift=shift, **lookup).first()
    if attendance is None:
        raise ValidationError({"shift": _("Check in first.")})
    if attendance.checked_out_at is not None:
        raise ValidationError({"shift": _("You checked out at %(at)s already.")
                               % {"at": _local(attendance.checked_out_at)}})
    attendance.checked_out_at = at or timezone.now()
    attendance.save(update_fields=["checked_out_at"])
    audit_record(actor=user, obj=attendance, action="update", unit_path=attendance.shift.post.unit.path,
                 changes={"checked_out_at": (None, attendance.checked_out_at.isoformat())})
    return attendance


@transaction.atomic
def volunteer_handover(*, shift: Shift, volunteer, note: str, open_issues: str = "", supplies: str = "",
                       awaiting_transfer: str = "") -> Handover:
    """A volunteer on the shift hands over through their link."""
    from fangkong.workforce.selectors import shift_next

    shift = Shift.objects.select_related("post__unit").get(pk=shift.pk)
    if not _is_volunteer_on(volunteer, shift):
        raise PermissionDenied("not on this shift")
    if shift.starts_at > timezone.now():
        raise ValidationError({"note": _("This shift has not started yet; there is nothing to hand over.")})
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Write what the incoming team needs to know.")})
    shift_to = shift_next(shift=shift)
    handover = Handover.objects.create(post=shift.post, shift_from=shift, shift_to=shift_to, at=timezone.now(),
                                       by_volunteer=volunteer, note=note, open_issues=(open_issues or "").strip(),
                                       supplies=(supplies or "").strip(),
                                       awaiting_transfer=(awaiting_transfer or "").strip())
    audit_record(actor=None, obj=handover, action="create", unit_path=shift.post.unit.path,
                 changes={"shift_from": (None, shift.pk), "note": (None, note[:200])},
                 note=f"volunteer {volunteer.pk}")
    return handover


# --- shift rules and rosters ---------------------------------------------------------------------------------


@transaction.atomic
def shift_rules_set(*, unit, actor, max_shift_hours: int, max_week_hours: int, min_rest_hours: int,
                    equipment=(), test_within_hours: int | None = None):
    """workforce.rules: the rules for a node and everything under it (the nearest node with a row wins)."""
    from fangkong.accounts.scope import ensure_may
    from fangkong.workforce.models import ShiftRules

    ensure_may(actor, "workforce.rules", unit)
    errors = {}
    if not 1 <= int(max_shift_hours) <= 24:
        errors["max_shift_hours"] = _("A shift lasts between 1 and 24 hours.")
    if not int(max_shift_hours) <= int(max_week_hours) <= 168:
        errors["max_week_hours"] = _("The hours in 7 days lie between one shift's maximum and 168.")
    if not 0 <= int(min_rest_hours) <= 48:
        errors["min_rest_hours"] = _("The rest between shifts lies between 0 and 48 hours.")
    if test_within_hours is not None and not 1 <= int(test_within_hours) <= 336:
        errors["test_within_hours"] = _("The test window lies between 1 and 336 hours.")
    if errors:
        raise ValidationError(errors)
    items = []
    for item in equipment or ():
        item = " ".join(str(item).split())[:30]
        if item and item not in items:
            items.append(item)
    row = ShiftRules.objects.select_for_update().filter(unit=unit).first()
    before = {} if row is None else {"max_shift_hours": row.max_shift_hours, "max_week_hours": row.max_week_hours,
                                     "min_rest_hours": row.min_rest_hours, "equipment": "、".join(row.equipment),
                                     "test_within_hours": row.test_within_hours}
    row = row or ShiftRules(unit=unit)
    row.max_shift_hours, row.max_week_hours, row.min_rest_hours = max_shift_hours, max_week_hours, min_rest_hours
    row.equipment, row.test_within_hours, row.updated_by = items, test_within_hours, acting_user(actor)
    row.save()
    after = {"max_shift_hours": row.max_shift_hours, "max_week_hours": row.max_week_hours,
             "min_rest_hours": row.min_rest_hours, "equipment": "、".join(items),
             "test_within_hours": row.test_within_hours}
    audit_record(actor=actor, obj=row, action="update" if before else "create", unit_path=unit.path,
                 changes=diff(before, after))
    return row


def _roster_max_days() -> int:
    return int(getattr(settings, "WORKFORCE_ROSTER_MAX_DAYS", 31))


@transaction.atomic
def roster_create(*, post: Post, starts_on: datetime.date, ends_on: datetime.date, actor):
    """A draft roster for a period of the post; the post's shifts starting in it join it."""
    from fangkong.workforce.models import Roster

    post = Post.objects.select_related("unit").get(pk=post.pk)
    ensure_unit_in_scope(actor, post.unit, app_label="workforce")
    if starts_on is None or ends_on is None:
        raise ValidationError({"starts_on": _("Enter the first and the last day.")})
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The last day comes on or after the first.")})
    if (ends_on - starts_on).days + 1 > _roster_max_days():
        raise ValidationError({"ends_on": _("A roster covers at most %(days)d days.") % {"days": _roster_max_days()}})
    clash = Roster.objects.filter(post=post, starts_on__lte=ends_on, ends_on__gte=starts_on).first()
    if clash is not None:
        raise ValidationError({"starts_on": _("The roster %(roster)s already covers some of these days.")
                               % {"roster": f"{clash.starts_on:%Y-%m-%d}–{clash.ends_on:%Y-%m-%d}"}})
    roster = Roster.objects.create(post=post, starts_on=starts_on, ends_on=ends_on, created_by=acting_user(actor))
    start = timezone.make_aware(datetime.datetime.combine(starts_on, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(ends_on + datetime.timedelta(days=1), datetime.time.min))
    Shift.objects.filter(post=post, starts_at__gte=start, starts_at__lt=end).update(roster=roster)
    audit_record(actor=actor, obj=roster, action="create", unit_path=post.unit.path,
                 changes={"starts_on": (None, starts_on.isoformat()), "ends_on": (None, ends_on.isoformat())})
    return roster


def roster_check(*, roster):
    """The roster's violations of the shift rules in force at its post, by person, shift and rule."""
    from fangkong.workforce.rules import check_shifts, rules_for
    from fangkong.workforce.selectors import with_people

    return check_shifts(shifts=with_people(Shift.objects.filter(roster=roster)), rules=rules_for(roster.post.unit))


@transaction.atomic
def roster_publish(*, roster, actor, override_reason: str = ""):
    """Publish a draft roster. With violations it is refused; the command (workforce.rules) may publish it anyway
    with a written reason, which is kept with the violations of that moment."""
    from fangkong.workforce.models import Roster

    roster = Roster.objects.select_for_update().select_related("post__unit").get(pk=roster.pk)
    ensure_unit_in_scope(actor, roster.post.unit, app_label="workforce")
    if roster.status == Roster.Status.PUBLISHED:
        raise ValidationError({"override_reason": _("This roster is published already.")})
    if not Shift.objects.filter(roster=roster).exists():
        raise ValidationError({"override_reason": _("The roster has no shifts yet.")})
    found = roster_check(roster=roster)
    reason = " ".join((override_reason or "").split())[:300]
    if found:
        if not reason:
            raise ValidationError({"override_reason": _("The roster breaks the shift rules %(count)d times; correct "
                                                        "the shifts listed before publishing.")
                                   % {"count": len(found)}})
        if actor is not None and not has_capability(actor, "workforce.rules"):
            raise ValidationError({"override_reason": _("Only the command, which sets the shift rules, may publish a "
                                                        "roster that breaks them.")})
    roster.status, roster.published_at = Roster.Status.PUBLISHED, timezone.now()
    roster.published_by = acting_user(actor)
    roster.override_reason = reason if found else ""
    roster.violations_at_publish = [r.as_json() for r in found]
    roster.save()
    audit_record(actor=actor, obj=roster, action="update", unit_path=roster.post.unit.path,
                 changes={"status": ("draft", "published"), "violations": (None, len(found))},
                 note=roster.override_reason)
    return roster


# --- temporary party branches and working groups --------------------------------------------------------------


@transaction.atomic
def group_create(*, post: Post, kind: str, name: str, actor, secretary=None, secretary_name: str = "",
                 members=(), members_text: str = "", set_up_on=None):
    from fangkong.workforce.models import GroupMember, WorkingGroup

    post = Post.objects.select_related("unit").get(pk=post.pk)
    ensure_unit_in_scope(actor, post.unit, app_label="workforce")
    if kind not in WorkingGroup.Kind.values:
        raise ValidationError({"kind": _("Unknown kind of group.")})
    name = " ".join((name or "").split())[:100]
    if not name:
        raise ValidationError({"name": _("Enter the group's name.")})
    secretary_name = " ".join((secretary_name or "").split())[:50]
    if secretary is None and not secretary_name:
        raise ValidationError({"secretary": _("Name the secretary: choose a user or enter a name.")})
    for user in [secretary, *members]:
        if user is not None and actor is not None and not (user.scope_path and is_within(user.scope_path,
                                                                                           actor.scope_path)):
            raise ValidationError({"members": _("%(name)s works outside your jurisdiction.") % {"name": user}})
    group = WorkingGroup.objects.create(post=post, kind=kind, name=name, set_up_on=set_up_on or timezone.localdate(),
                                        created_by=acting_user(actor))
    GroupMember.objects.create(group=group, role=GroupMember.Role.SECRETARY, user=secretary,
                               name="" if secretary is not None else secretary_name)
    for user in members:
        if secretary is None or user.pk != secretary.pk:
            GroupMember.objects.create(group=group, user=user)
    for line in (members_text or "").replace("，", "\n").replace(",", "\n").splitlines():
        if line.strip():
            GroupMember.objects.create(group=group, name=line.strip()[:50])
    audit_record(actor=actor, obj=group, action="create", unit_path=post.unit.path,
                 changes={"name": (None, name), "kind": (None, kind)})
    return group
