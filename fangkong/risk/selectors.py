"""Scoped reads of risk areas, and origin_level: the level of the place a traveller comes from."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connections, router
from django.db.models import Q, QuerySet
from django.utils import timezone

from fangkong.accounts.scope import get_visible_or_404
from fangkong.core.paths import prefix_q
from fangkong.risk.models import (
    ACTIVE_STATUSES,
    LEVEL_RANK,
    AreaStatus,
    DowngradeProposal,
    RiskArea,
    RiskAreaChange,
    RiskLevel,
)
from fangkong.risk.regions import code_prefixes, name_matches
from fangkong.risk.registry import criteria_providers, itinerary_sources


def _covers(area_code: str, match_name: str, code: str, name: str) -> bool:
    """A whole-region area covers its code's subtree; a sub-county one covers a longer code under its own code,
    or an address whose text (after the county) starts with its name."""
    if not match_name:
        return True
    if len(area_code) > 6 and code.startswith(area_code):
        return True
    return name_matches(match_name, name)


def origin_level(*, code: str, name: str = "", at: datetime | None = None) -> str | None:
    """"high" | "medium" | "low" | None: the highest active level of a risk area covering that region.

    `code` is the region's code (a county's 6 digits from resolve_origin, or longer), `name` the address text
    (the whole address or what follows the county). One indexed query: match_code IN (the code's 2-, 4-, 6-,
    9-, 12-digit prefixes), active rows. With `at`, the levels in force at that moment (one more query).
    """
    prefixes = code_prefixes(code)
    if not prefixes:
        return None
    code = prefixes[-1]
    if at is None:
        rows = _active_rows(prefixes)
        levels = [level for level, area_code, match_name in rows if _covers(area_code, match_name, code, name)]
    else:
        rows = (RiskArea.objects.filter(match_code__in=prefixes, declared_at__lte=at)
                .filter(Q(lifted_at__isnull=True) | Q(lifted_at__gt=at)).values_list("pk", "code", "match_name"))
        ids = [pk for pk, area_code, match_name in rows if _covers(area_code, match_name, code, name)]
        levels = _levels_at(ids, at)
    return max(levels, key=LEVEL_RANK.get, default=None)


def _active_rows(prefixes: list[str]) -> list[tuple[str, str, str]]:
    """The query behind origin_level, written out: the ORM would spend ten times longer building it than the
    database spends answering it, and it runs for every car occupant."""
    connection = connections[router.db_for_read(RiskArea)]
    marks = ", ".join(["%s"] * len(prefixes))
    sql = (f"SELECT level, code, match_name FROM {RiskArea._meta.db_table} "
           f"WHERE match_code IN ({marks}) AND status IN (%s, %s)")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*prefixes, *(status.value for status in ACTIVE_STATUSES)])
        return cursor.fetchall()


def _levels_at(area_ids: list[int], at: datetime) -> list[str]:
    if not area_ids:
        return []
    latest: dict[int, str] = {}
    for area_id, level in (RiskAreaChange.objects.filter(area_id__in=area_ids, at__lte=at)
                           .order_by("area_id", "at", "pk").values_list("area_id", "to_level")):
        latest[area_id] = level
    return list(latest.values())


# --- lists and pages --------------------------------------------------------------------------------------


@dataclass
class AreaFilters:
    level: str = ""
    status: str = ""  # "" = active (declared or downgraded), "all", or one status
    q: str = ""

    @classmethod
    def from_params(cls, params) -> "AreaFilters":
        level = params.get("level", "") or ""
        status = params.get("status", "") or ""
        return cls(level=level if level in RiskLevel.values else "",
                   status=status if status in (*AreaStatus.values, "all") else "",
                   q=(params.get("q", "") or "").strip()[:50])


def _filtered(qs: QuerySet, filters: AreaFilters) -> QuerySet:
    if filters.status == "all":
        pass
    elif filters.status:
        qs = qs.filter(status=filters.status)
    else:
        qs = qs.filter(status__in=ACTIVE_STATUSES)
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.q:
        q = filters.q
        qs = qs.filter(prefix_q("code", q) | Q(name__contains=q) | Q(match_name__contains=q)) if q.isdigit() \
            else qs.filter(Q(name__contains=q) | Q(match_name__contains=q))
    return qs


def area_list(*, user, filters: AreaFilters | None = None) -> QuerySet:
    """Areas the user may see (their subtree's nodes, and every outside region), newest first (keyset by pk)."""
    qs = RiskArea.objects.visible_to(user, "view").select_related("unit", "declared_by")
    return _filtered(qs, filters or AreaFilters()).order_by("-pk")


def public_area_list() -> QuerySet:
    """The current areas for the public page: names, levels and dates only."""
    return (RiskArea.objects.filter(status__in=ACTIVE_STATUSES).order_by("-pk")
            .only("name", "code", "level", "status", "declared_at", "level_since"))


def level_counts(*, user) -> dict[str, int]:
    counts = dict.fromkeys(RiskLevel.values, 0)
    rows = RiskArea.objects.visible_to(user, "view").filter(status__in=ACTIVE_STATUSES).values_list("level")
    for (level,) in rows:
        counts[level] += 1
    return counts


def area_get(*, user, area_id: int, action: str = "view") -> RiskArea:
    return get_visible_or_404(RiskArea.objects.select_related("unit", "declared_by"), user=user, action=action,
                              pk=area_id)


def may_change(*, user, area: RiskArea) -> bool:
    return RiskArea.objects.visible_to(user, "change").filter(pk=area.pk).exists()


def area_history(*, area: RiskArea) -> QuerySet:
    return RiskAreaChange.objects.filter(area=area).select_related("actor").order_by("-at", "-id")


def proposal_list(*, user, status: str = DowngradeProposal.Status.PENDING) -> QuerySet:
    areas = RiskArea.objects.visible_to(user, "view").values("pk")
    return (DowngradeProposal.objects.filter(area__in=areas, status=status)
            .select_related("area", "area__unit", "decided_by").order_by("-pk"))


def proposal_get(*, user, proposal_id: int, action: str = "confirm") -> DowngradeProposal:
    from django.http import Http404

    areas = RiskArea.objects.visible_to(user, action).values("pk")
    proposal = (DowngradeProposal.objects.filter(pk=proposal_id, area__in=areas).select_related("area").first())
    if proposal is None:
        raise Http404
    return proposal


def criteria_available() -> bool:
    """False while no app provides infection and testing data: then no downgrade is ever proposed."""
    return bool(criteria_providers())


# --- "expand the risk range when in doubt": who was there ---------------------------------------------------


def itinerary_days() -> int:
    return int(getattr(settings, "RISK_ITINERARY_DAYS", 14))


def exposed_people(*, user, area: RiskArea, now: datetime | None = None) -> QuerySet:
    """People whose itinerary of the last days touches the area: residents of the node's subtree, and the
    persons every registered itinerary source names. Only those in the user's scope, as people's selectors
    give them; ordered by pk for keyset pages."""
    from fangkong.people.selectors import PersonFilters, person_base, person_search

    since = (now or timezone.now()) - timedelta(days=itinerary_days())
    ids: set[int] = set()
    for source in itinerary_sources():
        ids.update(int(pk) for pk in (source(area, since) or ()))
    people = person_base(user=user).none()
    if area.unit_id:
        people = person_search(user=user, filters=PersonFilters(node=area.unit_id))
    if ids:
        people = people | person_base(user=user).filter(pk__in=sorted(ids))
    return people.select_related("unit", "household").order_by("-pk")
