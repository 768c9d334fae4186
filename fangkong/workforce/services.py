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


def max_shift_hours() -> int:
    """劳逸结合: no shift longer than this (settings.WORKFORCE_MAX_SHIFT_HOURS, 12 by default)."""
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


def _clean_times(starts_at, ends_at) -> None:
    if starts_at is None:
        raise ValidationError({"starts_at": _("Enter when the shift starts.")})
    if ends_at is None:
        raise ValidationError({"ends_at": _("Enter when the shift ends.")})
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValueError("shift times must be aware datetimes")
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The shift must end after it starts (%(start)s).")
                               % {"start": _local(starts_at)}})
    limit = max_shift_hours()
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


def _ensure_free(*, leader, members, starts_at, ends_at, exclude_pk=None) -> None:
    """Refuse anyone already on another shift that overlaps [starts_at, ends_at): one team at a time, then rest."""
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
    }


def _ensure_open(post: Post) -> None:
    if not post.active:
        raise ValidationError({"post": _("This post is closed; it takes no new shifts.")})


@transaction.atomic
def shift_create(*, post: Post, starts_at, ends_at, actor, leader=None, leader_name: str = "",
                 leader_phone: str = "", members=(), members_text: str = "", note: str = "") -> Shift:
    post = Post.objects.select_related("unit").get(pk=post.pk)
    ensure_unit_in_scope(actor, post.unit, app_label="workforce")
    _ensure_open(post)
    _clean_times(starts_at, ends_at)
    leader_name, leader_phone, members, members_text = _clean_people(
        leader=leader, leader_name=leader_name, leader_phone=leader_phone, members=members,
        members_text=members_text, actor=actor)
    if leader is None and not leader_name:
        raise ValidationError({"leader": _("Name the shift's leader: choose a user or enter a name.")})
    _ensure_free(leader=leader, members=members, starts_at=starts_at, ends_at=ends_at)
    shift = Shift.objects.create(post=post, starts_at=starts_at, ends_at=ends_at, leader=leader,
                                 leader_name=leader_name, leader_phone=leader_phone, members_text=members_text,
                                 note=(note or "").strip()[:300], created_by=acting_user(actor))
    shift.members.set(members)
    audit_record(actor=actor, obj=shift, action="create", unit_path=post.unit.path, changes=diff({}, _snapshot(shift)))
    return shift


@transaction.atomic
def shift_update(*, shift: Shift, actor, starts_at, ends_at, leader=None, leader_name: str = "",
                 leader_phone: str = "", members=(), members_text: str = "", note: str = "") -> Shift:
    """Change a shift that has not ended yet; a past shift is the record of who was on duty."""
    shift = Shift.objects.select_for_update(of=("self",)).select_related("post__unit").get(pk=shift.pk)
    ensure_unit_in_scope(actor, shift.post.unit, app_label="workforce")
    if shift.ends_at <= timezone.now():
        raise ValidationError({"starts_at": _("This shift is over; it stays on record as it was.")})
    _clean_times(starts_at, ends_at)
    leader_name, leader_phone, members, members_text = _clean_people(
        leader=leader, leader_name=leader_name, leader_phone=leader_phone, members=members,
        members_text=members_text, actor=actor)
    if leader is None and not leader_name:
        raise ValidationError({"leader": _("Name the shift's leader: choose a user or enter a name.")})
    _ensure_free(leader=leader, members=members, starts_at=starts_at, ends_at=ends_at, exclude_pk=shift.pk)
    before = _snapshot(shift)
    shift.starts_at, shift.ends_at, shift.leader = starts_at, ends_at, leader
    shift.leader_name, shift.leader_phone, shift.members_text = leader_name, leader_phone, members_text
    shift.note = (note or "").strip()[:300]
    shift.save()
    shift.members.set(members)
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
