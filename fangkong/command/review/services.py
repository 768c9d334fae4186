"""Writes to the review meeting's pack: generating a night's items, editing them in the meeting, adding one by
hand. Every write is audited in its transaction; bad input raises ValidationError and writes nothing.

Who may be an item's owner: an active user whose scope node lies inside the item's node (someone working there)
or on its path to the root (someone answering for it from above). A district officer may hand a street's problem
to the street's officer or to the HQ, never to another district's people.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.scope import ensure_unit_in_scope
from fangkong.audit.services import audit_record, audit_record_many
from fangkong.command.models import ReviewItem
from fangkong.command.review.collect import collect_problems
from fangkong.core.paths import is_within
from fangkong.territory.models import Unit

# Keyword default meaning "leave this field as it is" in review_item_update.
UNCHANGED = object()
RESOLVED = (ReviewItem.Status.FIXED, ReviewItem.Status.DROPPED)


def ensure_may_review(actor, unit) -> None:
    """PermissionDenied unless `actor` holds command.review over `unit` (actor=None is the system)."""
    ensure_unit_in_scope(actor, unit, app_label="command", action="review")


def owner_fits(owner, unit) -> bool:
    if owner is None:
        return True
    scope = owner.scope_path
    return bool(owner.is_active and scope and (is_within(scope, unit.path) or is_within(unit.path, scope)))


def _label(user) -> str | None:
    return user.username if user is not None else None


def _check_owner(errors: dict, owner, unit) -> None:
    if not owner_fits(owner, unit):
        errors["owner"] = _("%(user)s does not work in or above %(unit)s; choose someone who answers for it.") % {
            "user": owner, "unit": unit.name}


def _check_fix_due(errors: dict, fix_due, today: datetime.date) -> None:
    if fix_due is not None and fix_due < today:
        errors["fix_due"] = _("The fix-by date %(date)s is in the past.") % {"date": fix_due.isoformat()}


# --- generating a night's pack ----------------------------------------------------------------------------------


@dataclass
class Generated:
    added: int = 0
    refreshed: int = 0  # open items whose figures changed since the last run (title rewritten, edits kept)
    found: int = 0


@transaction.atomic
def review_pack_generate(*, node, actor, day: datetime.date | None = None,
                         now: datetime.datetime | None = None) -> Generated:
    """Collect what went wrong under `node` and add each problem once to the night's pack.

    Idempotent: a problem already in the night's pack (same source_key, whoever generated it) is not added again;
    its owner, fix, fix-by date and status stay as the meeting left them. An open item's title follows the
    latest figures (a count of overdue tasks that grew).
    """
    ensure_may_review(actor, node)
    now = now or timezone.now()
    day = day or timezone.localdate(now)
    problems = list({p.source_key: p for p in collect_problems(node=node, day=day, now=now)}.values())
    existing = {}
    keys = [p.source_key for p in problems]
    for start in range(0, len(keys), 500):
        existing.update((item.source_key, item) for item in
                        ReviewItem.objects.filter(day=day, source_key__in=keys[start:start + 500]))
    user = actor if actor is not None and actor.is_authenticated else None
    new, refreshed = [], []
    for problem in problems:
        title = problem.title[:300]
        item = existing.get(problem.source_key)
        if item is None:
            new.append(ReviewItem(day=day, unit_id=problem.unit_id, kind=problem.kind, source_key=problem.source_key,
                                  title=title, owner_id=problem.owner_id, fix=problem.fix,
                                  fix_due=day + datetime.timedelta(days=1), created_by=user))
        elif item.status == ReviewItem.Status.OPEN and item.title != title:
            item.title = title
            refreshed.append(item)
    created = ReviewItem.objects.bulk_create(new)
    ReviewItem.objects.bulk_update(refreshed, ["title"], batch_size=500)
    if created and created[0].pk is None:  # a backend that does not return ids from a bulk insert
        created = list(ReviewItem.objects.filter(day=day, source_key__in=[i.source_key for i in new]))
    paths = dict(Unit.objects.filter(pk__in={i.unit_id for i in created}).values_list("pk", "path"))
    audit_record_many(actor=actor, model=ReviewItem, action="create",
                      entries=[(item, paths.get(item.unit_id, node.path),
                                {"title": (None, item.title), "owner_id": (None, item.owner_id)}) for item in created])
    return Generated(added=len(created), refreshed=len(refreshed), found=len(problems))


# --- editing in the meeting ---------------------------------------------------------------------------------------


@transaction.atomic
def review_item_update(*, item: ReviewItem, actor, owner=UNCHANGED, fix=UNCHANGED, fix_due=UNCHANGED,
                       status=UNCHANGED, outcome=UNCHANGED, now: datetime.datetime | None = None) -> ReviewItem:
    """Change what the meeting decided about an item; fields left UNCHANGED keep their value.

    Refused (ValidationError, nothing written): an owner outside the item's node and its path to the root, a
    fix-by date in the past, an unknown status, fixing or dropping without saying what was done or why.
    """
    item = (ReviewItem.objects.select_for_update(of=("self",)).select_related("unit", "owner", "resolved_by")
            .get(pk=item.pk))
    ensure_may_review(actor, item.unit)
    now = now or timezone.now()
    today = timezone.localdate(now)
    errors: dict = {}
    after = {
        "owner": item.owner if owner is UNCHANGED else owner,
        "fix": item.fix if fix is UNCHANGED else (fix or "").strip(),
        "fix_due": item.fix_due if fix_due is UNCHANGED else fix_due,
        "status": item.status if status is UNCHANGED else status,
        "outcome": item.outcome if outcome is UNCHANGED else (outcome or "").strip(),
    }
    if after["owner"] != item.owner:
        _check_owner(errors, after["owner"], item.unit)
    if after["fix_due"] != item.fix_due:
        _check_fix_due(errors, after["fix_due"], today)
    if after["status"] not in ReviewItem.Status.values:
        errors["status"] = _("Unknown status: %(value)s.") % {"value": after["status"]}
    elif after["status"] in RESOLVED and not after["outcome"]:
        errors["outcome"] = (_("Say what was done before marking this fixed.")
                             if after["status"] == ReviewItem.Status.FIXED
                             else _("Say why this is dropped."))
    if errors:
        raise ValidationError(errors)
    changes = {}
    for field, value in after.items():
        before = getattr(item, field)
        if value != before:
            changes[field] = ((_label(before), _label(value)) if field == "owner"
                              else (before.isoformat() if field == "fix_due" and before else before,
                                    value.isoformat() if field == "fix_due" and value else value))
            setattr(item, field, value)
    if not changes:
        return item
    fields = list(changes)
    if "status" in changes:
        resolved = item.status in RESOLVED
        item.resolved_at = now if resolved else None
        item.resolved_by = actor if resolved and actor is not None and actor.is_authenticated else None
        fields += ["resolved_at", "resolved_by"]
    item.save(update_fields=fields)
    audit_record(actor=actor, obj=item, action="review_edit", unit_path=item.unit.path, changes=changes)
    return item


@transaction.atomic
def review_item_add(*, node, title: str, actor, owner=None, fix: str = "", fix_due: datetime.date | None = None,
                    kind: str = ReviewItem.Kind.OTHER, day: datetime.date | None = None,
                    now: datetime.datetime | None = None) -> ReviewItem:
    """A problem the meeting raises itself, on the night's pack of `node`."""
    ensure_may_review(actor, node)
    now = now or timezone.now()
    today = timezone.localdate(now)
    day = day or today
    title = (title or "").strip()
    errors: dict = {}
    if not title:
        errors["title"] = _("Say what the problem is.")
    elif len(title) > 300:
        errors["title"] = _("The problem is longer than 300 characters.")
    if kind not in ReviewItem.Kind.values:
        errors["kind"] = _("Unknown kind: %(value)s.") % {"value": kind}
    if day > today:
        errors["day"] = _("The meeting of %(date)s has not happened yet.") % {"date": day.isoformat()}
    _check_owner(errors, owner, node)
    _check_fix_due(errors, fix_due, today)
    if errors:
        raise ValidationError(errors)
    item = ReviewItem.objects.create(day=day, unit=node, kind=kind, title=title, owner=owner, fix=(fix or "").strip(),
                                     fix_due=fix_due,
                                     created_by=actor if actor is not None and actor.is_authenticated else None)
    audit_record(actor=actor, obj=item, action="create", unit_path=node.path,
                 changes={"title": (None, title), "owner": (None, _label(owner))})
    return item
