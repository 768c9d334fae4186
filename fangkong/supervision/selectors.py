"""Scoped reads of supervision: inspections and their sites, findings, assignments, photos, the accountability
table (问责) and the figures."""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from fangkong.accounts.scope import get_visible_or_404
from fangkong.core.paths import path_ids
from fangkong.core.stats import nearest_rank
from fangkong.supervision.models import (
    Assignment,
    Checklist,
    ChecklistItem,
    Finding,
    Inspection,
    InspectionSite,
    Photo,
    Rectification,
    Severity,
    SiteType,
)
from fangkong.supervision.services import REPEAT_WINDOW
from fangkong.territory.models import Level, Unit

PAGE = 50


# --- checklists ------------------------------------------------------------------------------------------------

def checklists() -> QuerySet:
    return Checklist.objects.annotate(active_items=Count("items", filter=Q(items__active=True))).order_by("site_type")


def checklist_get(site_type: str) -> Checklist:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(Checklist, site_type=site_type)


def checklist_items(*, site_type: str, active_only: bool = True) -> list[ChecklistItem]:
    items = ChecklistItem.objects.filter(checklist__site_type=site_type)
    if active_only:
        items = items.filter(active=True)
    return list(items.order_by("position", "pk"))


# --- inspections -----------------------------------------------------------------------------------------------

def inspection_units(*, user) -> list[Unit]:
    """The nodes an inspection may be planned for: the user's scope down to the streets."""
    return list(Unit.objects.visible_to(user).filter(level__lte=Level.STREET).order_by("path")[:500])


def inspections_for(*, user, before: int | None = None) -> list[Inspection]:
    # Counted over the sites the user may see: an unannounced visit under way does not tell its route's length.
    visible_sites = (InspectionSite.objects.visible_to(user).filter(inspection=OuterRef("pk")).order_by()
                     .values("inspection").annotate(n=Count("pk")).values("n"))
    rows = (Inspection.objects.visible_to(user).select_related("unit")
            .annotate(site_count=Coalesce(Subquery(visible_sites, output_field=IntegerField()), 0),
                      finding_count=Count("sites__findings", distinct=True))
            .order_by("-day", "-pk"))
    if before:
        rows = rows.filter(pk__lt=before)
    return list(rows[:PAGE])


def inspection_get(*, user, inspection_id: int, action: str = "view") -> Inspection:
    return get_visible_or_404(Inspection.objects.select_related("unit"), user=user, action=action, pk=inspection_id)


def inspection_sites(*, user, inspection: Inspection) -> list[InspectionSite]:
    """The route as the user may see it: of an unannounced visit under way, only the sites already inspected."""
    return list(InspectionSite.objects.visible_to(user).filter(inspection=inspection).select_related("unit")
                .annotate(finding_count=Count("findings")).order_by("position", "pk"))


def site_get(*, user, inspection: Inspection, site_id: int, action: str = "view") -> InspectionSite:
    return get_visible_or_404(InspectionSite.objects.filter(inspection=inspection).select_related("unit", "inspection"),
                              user=user, action=action, pk=site_id)


def site_results(*, site: InspectionSite) -> list:
    return list(site.results.prefetch_related("photos").select_related("finding__assignment"))


def team_candidates(*, user, unit: Unit | None = None) -> list:
    """Inspectors whose scope lies on the path of the user's node or below it."""
    from fangkong.accounts.models import User
    from fangkong.accounts.roles import Role
    from fangkong.core.paths import subtree_q

    root = unit or user.scope
    if root is None:
        return []
    return list(User.objects.filter(Q(scope_id__in=path_ids(root.path)) | subtree_q("scope__path", root.path),
                                    role=Role.INSPECTOR, is_active=True).order_by("username")[:200])


# --- findings and assignments ----------------------------------------------------------------------------------

def findings_for(*, user, open_only: bool = False, before: int | None = None) -> list[Finding]:
    rows = Finding.objects.visible_to(user).select_related("site", "unit", "assignment").order_by("-found_at", "-pk")
    if open_only:
        rows = rows.filter(Q(assignment__isnull=True) | ~Q(assignment__status=Assignment.Status.CLOSED))
    if before:
        rows = rows.filter(pk__lt=before)
    return list(rows[:PAGE])


def finding_get(*, user, finding_id: int, action: str = "view") -> Finding:
    return get_visible_or_404(Finding.objects.select_related("site__inspection", "unit", "result"), user=user,
                              action=action, pk=finding_id)


ASSIGNMENT_FILTERS = {
    "open": Q(status=Assignment.Status.OPEN),
    "reported": Q(status=Assignment.Status.REPORTED),
    "closed": Q(status=Assignment.Status.CLOSED),
}


def assignments_for(*, user, status: str = "", overdue: bool = False, before: int | None = None,
                    now: datetime.datetime | None = None) -> list[Assignment]:
    rows = (Assignment.objects.visible_to(user).select_related("unit", "responsible_unit", "finding__site", "owner")
            .order_by("-pk"))
    if status in ASSIGNMENT_FILTERS:
        rows = rows.filter(ASSIGNMENT_FILTERS[status])
    if overdue:
        rows = rows.filter(status=Assignment.Status.OPEN, due_at__lt=now or timezone.now())
    if before:
        rows = rows.filter(pk__lt=before)
    return list(rows[:PAGE])


def assignment_get(*, user, assignment_id: int, action: str = "view") -> Assignment:
    return get_visible_or_404(
        Assignment.objects.select_related("unit", "responsible_unit", "finding__site__inspection", "finding__result",
                                          "owner", "issued_by", "closed_by", "task"),
        user=user, action=action, pk=assignment_id)


def assignment_rectifications(*, assignment: Assignment) -> list[Rectification]:
    return list(assignment.rectifications.select_related("reported_by", "verified_by").prefetch_related("photos"))


def photo_get(*, user, photo_id: int) -> Photo:
    return get_visible_or_404(Photo.objects.all(), user=user, action="view", pk=photo_id)


# --- accountability (问责) ---------------------------------------------------------------------------------------

@dataclass
class AccountabilityRow:
    unit: Unit
    findings: int = 0
    serious: int = 0
    repeat: int = 0
    overdue: int = 0
    reopened: int = 0

    @property
    def score(self) -> tuple:
        return (self.serious, self.overdue, self.repeat, self.reopened, self.findings)


ACCOUNTABILITY_SORTS = ("findings", "serious", "repeat", "overdue", "reopened")


def accountability(*, user, since: datetime.date, until: datetime.date, sort: str = "serious",
                   now: datetime.datetime | None = None) -> list[AccountabilityRow]:
    """Per responsible node (the responsibility the assignment went to, or the site's node before one is issued):
    findings, serious findings, repeat findings, overdue rectifications and send-backs in [since, until]."""
    from fangkong.core.days import day_bounds

    now = now or timezone.now()
    start, _ = day_bounds(since)
    _, end = day_bounds(until)
    findings = Finding.objects.visible_to(user, "report").filter(found_at__gte=start, found_at__lt=end)
    rows: dict[int, AccountabilityRow] = {}

    def row(unit_id) -> AccountabilityRow:
        return rows.setdefault(unit_id, AccountabilityRow(unit=None))

    for values in (findings.values("assignment__responsible_unit_id", "unit_id")
                   .annotate(n=Count("pk"), serious=Count("pk", filter=Q(severity=Severity.SERIOUS)),
                             repeat=Count("pk", filter=Q(repeat_of__isnull=False))).order_by()):
        entry = row(values["assignment__responsible_unit_id"] or values["unit_id"])
        entry.findings += values["n"]
        entry.serious += values["serious"]
        entry.repeat += values["repeat"]
    late = Q(status=Assignment.Status.OPEN, due_at__lt=now) | Q(rectifications__on_time=False)
    assignments = Assignment.objects.visible_to(user, "report").filter(finding__in=findings)
    for values in (assignments.values("responsible_unit_id")
                   .annotate(overdue=Count("pk", filter=late, distinct=True),
                             reopened=Count("pk", filter=Q(reopen_count__gt=0), distinct=True)).order_by()):
        entry = row(values["responsible_unit_id"])
        entry.overdue += values["overdue"]
        entry.reopened += values["reopened"]
    units = Unit.objects.in_bulk(list(rows))
    result = []
    for unit_id, entry in rows.items():
        entry.unit = units.get(unit_id)
        if entry.unit is not None:
            result.append(entry)
    key = sort if sort in ACCOUNTABILITY_SORTS else "serious"
    result.sort(key=lambda r: (getattr(r, key), r.score), reverse=True)
    return result


# --- figures ---------------------------------------------------------------------------------------------------

@dataclass
class Figures:
    days: list[datetime.date]
    by_type: dict[str, Counter] = field(default_factory=dict)  # site type → {day: findings}
    by_node: list[tuple[Unit, Counter]] = field(default_factory=list)  # child node → {day: findings}
    total: int = 0
    closed: int = 0
    median_hours: float | None = None
    reopened: int = 0
    repeat_sites: list[dict] = field(default_factory=list)

    @property
    def reopen_rate(self) -> int | None:
        return round(100 * self.reopened / self.closed) if self.closed else None


def figures(*, user, root: Unit, days: int = 14, today: datetime.date | None = None) -> Figures:
    from fangkong.core.days import day_bounds
    from fangkong.core.paths import subtree_q

    today = today or timezone.localdate()
    first = today - datetime.timedelta(days=days - 1)
    start, _ = day_bounds(first)
    result = Figures(days=[first + datetime.timedelta(days=n) for n in range(days)])
    findings = Finding.objects.visible_to(user, "report").filter(subtree_q("unit__path", root.path),
                                                                 found_at__gte=start)
    children = list(Unit.objects.visible_to(user).filter(parent=root).order_by("name"))
    child_of = {c.pk: c for c in children}
    by_child: dict[int, Counter] = defaultdict(Counter)
    for values in (findings.annotate(day=TruncDate("found_at")).values("day", "site_type", "unit__path")
                   .annotate(n=Count("pk")).order_by()):
        result.by_type.setdefault(values["site_type"], Counter())[values["day"]] += values["n"]
        result.total += values["n"]
        ids = path_ids(values["unit__path"])
        child_id = next((i for i in ids if i in child_of), None)
        if child_id is not None:
            by_child[child_id][values["day"]] += values["n"]
    result.by_type = {code: result.by_type[code] for code in SiteType.values if code in result.by_type}
    result.by_node = [(c, by_child[c.pk]) for c in children if by_child.get(c.pk)]
    closed = (Assignment.objects.visible_to(user, "report").filter(subtree_q("unit__path", root.path),
                                                                   status=Assignment.Status.CLOSED,
                                                                   closed_at__gte=start)
              .values_list("issued_at", "closed_at", "reopen_count"))
    hours = []
    for issued_at, closed_at, reopen_count in closed:
        hours.append((closed_at - issued_at).total_seconds() / 3600)
        result.reopened += int(reopen_count > 0)
    result.closed = len(hours)
    median = nearest_rank(hours, 0.5)
    result.median_hours = round(median, 1) if median is not None else None
    window_start = timezone.now() - REPEAT_WINDOW
    result.repeat_sites = list(
        Finding.objects.visible_to(user, "report").filter(subtree_q("unit__path", root.path),
                                                          found_at__gte=window_start, repeat_of__isnull=False)
        .values("site_key", "site__name", "unit__name", "site_type").annotate(n=Count("pk")).order_by("-n")[:50])
    for entry in result.repeat_sites:
        entry["site_type_label"] = SiteType(entry["site_type"]).label
    return result
