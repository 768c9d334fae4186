"""Writes of the risk app: declare, change level, lift, and the downgrade proposals of the protocol's lifting rules.

Every change writes a RiskAreaChange row and an audit row in the same transaction. An area on a node is
changed only by a user whose scope holds the node; an outside region (a public list) only by the HQ.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import acting_user, ensure_capability, ensure_unit_in_scope
from fangkong.audit.services import audit_record
from fangkong.risk.models import (
    ACTIVE_STATUSES,
    LEVEL_RANK,
    AreaStatus,
    DowngradeProposal,
    RiskArea,
    RiskAreaChange,
    RiskLevel,
    is_hq_scope,
)
from fangkong.risk.regions import Origin, RegionKey, normalize_code, region_key
from fangkong.risk.regions import resolve_origin as _resolve_origin
from fangkong.risk.registry import (  # noqa: F401  (re-exported: the contract names them here)
    criteria_providers,
    register_criteria_provider,
    register_itinerary_source,
    unregister_criteria_provider,
    unregister_itinerary_source,
)
from fangkong.territory.models import Unit

logger = logging.getLogger(__name__)


def resolve_origin(text: str) -> Origin | None:
    """cpca: "河南省驻马店市西平县柏城街道" → Origin(code="411721", ..., rest="柏城街道"); None if no county is sure."""
    return _resolve_origin(text)


# --- checks -----------------------------------------------------------------------------------------------


def _clean_level(level: str) -> str:
    if level not in RiskLevel.values:
        raise ValidationError({"level": _("Choose high, medium or low risk.")})
    return level


def _clean_reason(reason: str, *, required: bool = True) -> str:
    reason = " ".join((reason or "").split())
    if required and not reason:
        raise ValidationError({"reason": _("Give the reason.")})
    if len(reason) > 300:
        raise ValidationError({"reason": _("A reason has at most 300 characters.")})
    return reason


def may_change_outside(user) -> bool:
    """Outside regions are the city's public list: only the HQ (scope at the city root) changes them."""
    return has_capability(user, "risk.change") and is_hq_scope(user)


def _ensure_may_change(actor, area: RiskArea) -> None:
    if actor is None:
        return
    if not RiskArea.objects.visible_to(actor, "change").filter(pk=area.pk).exists():
        raise PermissionDenied("outside your jurisdiction")


def _root_path() -> str:
    return Unit.objects.filter(parent__isnull=True).order_by("pk").values_list("path", flat=True).first() or "/"


def _audit_path(area: RiskArea, actor) -> str:
    if area.unit_id:
        return area.unit.path
    return getattr(actor, "scope_path", None) or _root_path()


def _audit(area: RiskArea, *, actor, action: str, changes: dict, note: str = "") -> None:
    audit_record(actor=actor, obj=area, action=action, unit_path=_audit_path(area, actor), changes=changes,
                 note=note)


def _history(area: RiskArea, *, from_level: str, from_status: str, at: datetime, actor, reason: str) -> None:
    RiskAreaChange.objects.create(area=area, from_level=from_level, to_level=area.level, from_status=from_status,
                                  to_status=area.status, at=at, actor=acting_user(actor), reason=reason)


def _locked(area: RiskArea) -> RiskArea:
    return RiskArea.objects.select_for_update(of=("self",)).select_related("unit").get(pk=area.pk)


# --- keys of areas on our own nodes -----------------------------------------------------------------------


def unit_region_key(unit: Unit) -> RegionKey:
    """A node's region key: its own code when that is a GB/T 2260 / statistical code (a district is the whole
    county; a street or community is keyed by its county and its name), else its nearest coded ancestor's
    county and its own name (a grid or a building)."""
    code = normalize_code(unit.code)
    if code:
        return RegionKey(code, code[:6] if len(code) > 6 else code, unit.name[:100] if len(code) > 6 else "")
    ancestors = Unit.objects.filter(pk__in=unit.ancestor_ids).exclude(pk=unit.pk).order_by("-depth")
    for ancestor_code in ancestors.values_list("code", flat=True):
        code = normalize_code(ancestor_code)
        if code:
            return RegionKey(code, code[:6], unit.name[:100])
    return RegionKey("", "", unit.name[:100])


# --- lifecycle --------------------------------------------------------------------------------------------


@transaction.atomic
def risk_area_declare(*, level: str, actor, reason: str = "", unit: Unit | None = None, code: str = "",
                      name: str = "", declared_at: datetime | None = None, source: str = "manual") -> RiskArea:
    """Declare a risk area on a node of ours (`unit`), or on an outside region (`code`, `name`).

    Marking a whole node "when in doubt" (适当扩大风险地区认定范围) is this same declaration on the node.
    """
    level = _clean_level(level)
    reason = _clean_reason(reason)
    now = declared_at or timezone.now()
    if unit is not None:
        ensure_unit_in_scope(actor, unit, app_label="risk")
        if RiskArea.objects.active().filter(unit=unit).exists():
            raise ValidationError({"unit": _("%(node)s is already a risk area: change its level instead.")
                                   % {"node": unit.name}})
        key = unit_region_key(unit)
        name = unit.name
    else:
        if actor is not None and not may_change_outside(actor):
            raise PermissionDenied("only the HQ changes outside regions")
        try:
            key = region_key(code=code, name=name)
        except ValueError:
            raise ValidationError({"code": _("“%(code)s” is not a region code (GB/T 2260, 6 digits, or a 9- or "
                                             "12-digit township code).") % {"code": code}}) from None
        name = " ".join((name or "").split())[:200] or region_display_name(key.code)
        if RiskArea.objects.active().filter(unit__isnull=True, code=key.code, match_name=key.match_name).exists():
            raise ValidationError({"code": _("%(name)s is already a risk area: change its level instead.")
                                   % {"name": name}})
    area = RiskArea.objects.create(
        unit=unit, name=name, code=key.code, match_code=key.match_code, match_name=key.match_name, level=level,
        status=AreaStatus.DECLARED, reason=reason, declared_at=now, declared_by=acting_user(actor), level_since=now,
        source=source,
    )
    _history(area, from_level="", from_status="", at=now, actor=actor, reason=reason)
    _audit(area, actor=actor, action="declare", note=reason,
           changes={"level": (None, level), "code": (None, key.code), "name": (None, name)})
    return area


def region_display_name(code: str) -> str:
    from fangkong.risk.regions import _cpca

    normalized = normalize_code(code)
    if not normalized:
        return code
    cpca = _cpca()
    if len(normalized) <= 6:
        return cpca.adcode_name(normalized) or normalized
    return (cpca.adcode_name(normalized[:6]) or normalized[:6]) + normalized[6:]


@transaction.atomic
def risk_area_change_level(*, area: RiskArea, level: str, reason: str, actor, at: datetime | None = None,
                           _checked: bool = False) -> RiskArea:
    """Raise or lower an active area's level: lowering makes it "downgraded", raising "declared" again."""
    level = _clean_level(level)
    reason = _clean_reason(reason)
    if not _checked:
        _ensure_may_change(actor, area)
    area = _locked(area)
    if area.status not in ACTIVE_STATUSES:
        raise ValidationError({"level": _("This area was lifted; declare it again instead.")})
    if area.level == level:
        raise ValidationError({"level": _("The area is already at this level.")})
    now = at or timezone.now()
    from_level, from_status = area.level, area.status
    area.level = level
    area.status = AreaStatus.DOWNGRADED if LEVEL_RANK[level] < LEVEL_RANK[from_level] else AreaStatus.DECLARED
    area.level_since = now
    area.save(update_fields=["level", "status", "level_since"])
    _history(area, from_level=from_level, from_status=from_status, at=now, actor=actor, reason=reason)
    _audit(area, actor=actor, action="change_level", note=reason,
           changes={"level": (from_level, level), "status": (from_status, area.status)})
    _close_pending(area, note=_("The level was changed."))
    return area


@transaction.atomic
def risk_area_lift(*, area: RiskArea, reason: str, actor, at: datetime | None = None,
                   _checked: bool = False) -> RiskArea:
    reason = _clean_reason(reason)
    if not _checked:
        _ensure_may_change(actor, area)
    area = _locked(area)
    if area.status not in ACTIVE_STATUSES:
        raise ValidationError({"reason": _("This area is already lifted.")})
    now = at or timezone.now()
    from_status = area.status
    area.status = AreaStatus.LIFTED
    area.lifted_at = now
    area.save(update_fields=["status", "lifted_at"])
    _history(area, from_level=area.level, from_status=from_status, at=now, actor=actor, reason=reason)
    _audit(area, actor=actor, action="lift", note=reason, changes={"status": (from_status, area.status)})
    _close_pending(area, note=_("The area was lifted."))
    return area


def _close_pending(area: RiskArea, *, note: str) -> None:
    """A proposal made for the level the area no longer has is moot."""
    DowngradeProposal.objects.filter(area=area, status=DowngradeProposal.Status.PENDING).update(
        status=DowngradeProposal.Status.REJECTED, decided_at=timezone.now(), note=note[:300])


# --- downgrade proposals ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Criteria:
    """What the providers said of one area; a field is MISSING when no provider gave it."""

    last_infection_at: datetime | None | object
    negative_round_completed_on: date | None | object


MISSING = object()


def area_criteria(area: RiskArea, now: datetime) -> Criteria:
    """Merges every provider's answer: the latest infection, the latest completed negative round."""
    last_infection, negative_round = MISSING, MISSING
    for provider in criteria_providers():
        try:
            data = provider(area, now)
        except Exception:
            # A broken provider is missing data: never a reason to propose.
            logger.exception("risk criteria provider %r failed for area %s", provider, area.pk)
            continue
        if not data:
            continue
        if "last_infection_at" in data:
            last_infection = _latest(last_infection, data["last_infection_at"])
        if "negative_round_completed_on" in data:
            negative_round = _latest(negative_round, data["negative_round_completed_on"])
    return Criteria(last_infection, negative_round)


def _latest(current, value):
    if current is MISSING or current is None:
        return value
    if value is None:
        return current
    return max(current, value)


def _active_rules():
    try:
        from fangkong.protocols.selectors import active_rules
    except ImportError:
        return None
    try:
        return active_rules()
    except ObjectDoesNotExist:
        return None


def _rule_for(area: RiskArea, rules):
    """The lifting rule for the area's level. Where a protocol has two from one level (edition 9: medium → low
    after 3 more days for a downgraded high area, after 7 days and a round for a declared medium one), a
    downgraded area takes the shorter, a declared one the longer."""
    candidates = [r for r in getattr(rules, "risk_lifting", ()) if r.from_level == area.level]
    if not candidates:
        return None
    pick = min if area.status == AreaStatus.DOWNGRADED else max
    return pick(candidates, key=lambda r: r.days_without_infection)


def lifting_check(area: RiskArea, rule, criteria: Criteria, now: datetime) -> dict | None:
    """The evidence for a proposal if the rule is met, else None. Days count from the later of the last
    infection and the day the area took its level; a required negative round must be completed on or
    after day N of that count (day 1 = the day after)."""
    if criteria.last_infection_at is MISSING:
        return None
    if rule.negative_round_required and criteria.negative_round_completed_on is MISSING:
        return None
    baseline = area.level_since
    if criteria.last_infection_at is not None and criteria.last_infection_at > baseline:
        baseline = criteria.last_infection_at
    today = timezone.localdate(now)
    base_day = timezone.localdate(baseline)
    days = (today - base_day).days
    if days < rule.days_without_infection:
        return None
    round_on = criteria.negative_round_completed_on
    day_n = base_day + timedelta(days=rule.days_without_infection)
    if rule.negative_round_required and (round_on is None or round_on > today or round_on < day_n):
        return None
    return {
        "last_infection_at": criteria.last_infection_at.isoformat() if criteria.last_infection_at else None,
        "negative_round_completed_on": (round_on.isoformat() if isinstance(round_on, date) else None),
        "days_without_infection": days,
        "counted_from": base_day.isoformat(),
    }


def propose_downgrades(now: datetime | None = None, *, rules=None) -> int:
    """The job: proposes a downgrade for every active area on our own nodes whose lifting rule is met.

    Idempotent: an area with a pending proposal gets no second one, and one rejected within the last day is
    not proposed again until tomorrow. Without a criteria provider (no tracing or testing data) or without an
    active protocol nothing is proposed: never on missing data. Returns the number of proposals made.
    """
    now = now or timezone.now()
    if not criteria_providers():
        return 0
    rules = rules if rules is not None else _active_rules()
    if rules is None:
        return 0
    made = 0
    areas = (RiskArea.objects.active().filter(unit__isnull=False).select_related("unit")
             .exclude(proposals__status=DowngradeProposal.Status.PENDING).order_by("pk"))
    for area in areas.iterator(chunk_size=500):
        rule = _rule_for(area, rules)
        if rule is None:
            continue
        if area.proposals.filter(status=DowngradeProposal.Status.REJECTED, from_level=area.level,
                                 decided_at__gt=now - timedelta(days=1)).exists():
            continue
        evidence = lifting_check(area, rule, area_criteria(area, now), now)
        if evidence is None:
            continue
        made += _propose(area, rule, evidence, now)
    return made


@transaction.atomic
def _propose(area: RiskArea, rule, evidence: dict, now: datetime) -> int:
    area = _locked(area)
    if area.status not in ACTIVE_STATUSES or area.proposals.filter(status=DowngradeProposal.Status.PENDING).exists():
        return 0
    to_level = rule.to_level if rule.to_level in RiskLevel.values else ""
    proposal = DowngradeProposal.objects.create(
        area=area, from_level=area.level, to_level=to_level, created_at=now, evidence=evidence,
        rule={"from_level": rule.from_level, "to_level": rule.to_level,
              "days_without_infection": rule.days_without_infection,
              "negative_round_required": bool(rule.negative_round_required)},
    )
    _audit(area, actor=None, action="propose_downgrade", changes={"proposal": (None, proposal.pk)},
           note=f"{area.level} → {to_level or 'lifted'}")
    return 1


def _ensure_may_confirm(actor, proposal: DowngradeProposal) -> None:
    ensure_capability(actor, "risk.confirm")
    if actor is not None and not RiskArea.objects.visible_to(actor, "confirm").filter(pk=proposal.area_id).exists():
        raise PermissionDenied("outside your jurisdiction")


@transaction.atomic
def proposal_confirm(*, proposal: DowngradeProposal, actor, note: str = "") -> DowngradeProposal:
    _ensure_may_confirm(actor, proposal)
    proposal = DowngradeProposal.objects.select_for_update().select_related("area").get(pk=proposal.pk)
    if proposal.status != DowngradeProposal.Status.PENDING:
        raise ValidationError({"note": _("This proposal was already decided.")})
    area = proposal.area
    if area.status not in ACTIVE_STATUSES or area.level != proposal.from_level:
        raise ValidationError({"note": _("The area changed since this proposal was made: reject it.")})
    note = _clean_reason(note, required=False)
    reason = _("Downgrade proposal confirmed") + (f": {note}" if note else "")
    now = timezone.now()
    proposal.status = DowngradeProposal.Status.CONFIRMED
    proposal.decided_at, proposal.decided_by, proposal.note = now, acting_user(actor), note
    proposal.save(update_fields=["status", "decided_at", "decided_by", "note"])
    if proposal.to_level:
        risk_area_change_level(area=area, level=proposal.to_level, reason=reason, actor=actor, at=now, _checked=True)
    else:
        risk_area_lift(area=area, reason=reason, actor=actor, at=now, _checked=True)
    return proposal


@transaction.atomic
def proposal_reject(*, proposal: DowngradeProposal, actor, note: str = "") -> DowngradeProposal:
    _ensure_may_confirm(actor, proposal)
    proposal = DowngradeProposal.objects.select_for_update().select_related("area").get(pk=proposal.pk)
    if proposal.status != DowngradeProposal.Status.PENDING:
        raise ValidationError({"note": _("This proposal was already decided.")})
    note = _clean_reason(note)
    proposal.status = DowngradeProposal.Status.REJECTED
    proposal.decided_at, proposal.decided_by, proposal.note = timezone.now(), acting_user(actor), note
    proposal.save(update_fields=["status", "decided_at", "decided_by", "note"])
    _audit(proposal.area, actor=actor, action="reject_downgrade", changes={"proposal": (proposal.pk, None)},
           note=note)
    return proposal
