from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import DateTimeField, Exists, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Concat, Left, Length

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import get_visible_or_404
from fangkong.core.paths import path_ids, subtree_q
from fangkong.people.models import Household, Person
from fangkong.territory.models import Level, Responsibility, Unit
from fangkong.territory.tallies import tallies_fresh_since


def responsible_for(*, unit: Unit, role: str, household=None) -> Responsibility | None:
    """Who answers for this household / node in `role`: the nearest assignment walking up the tree.

    A household-level assignment (党员包户) wins over any node; otherwise the deepest node on the
    path from `unit` to the root that has someone in that role (the latest named wins on one node).
    One query for the nodes, no recursive walk.
    """
    if household is not None:
        direct = (Responsibility.objects.filter(household=household, role=role).select_related("user", "unit")
                  .order_by("-since", "-pk").first())
        if direct is not None:
            return direct
    ancestors = unit.ancestor_ids
    depth_of = {unit_id: depth for depth, unit_id in enumerate(ancestors)}
    candidates = Responsibility.objects.filter(unit_id__in=ancestors, role=role, household__isnull=True)
    return max(candidates.select_related("user", "unit"), key=lambda r: (depth_of[r.unit_id], r.since, r.pk),
               default=None)


# --- Nodes -----------------------------------------------------------------------------------------------

def unit_get(*, user, unit_id, action: str = "view") -> Unit:
    return get_visible_or_404(Unit.objects.select_related("parent"), user=user, action=action, pk=unit_id)


def unit_scope_root(*, user) -> Unit:
    return unit_get(user=user, unit_id=user.scope_id)


def unit_breadcrumb(*, user, unit: Unit) -> list[Unit]:
    """The ancestors of `unit` the user may see, root first, `unit` included."""
    return list(Unit.objects.visible_to(user).filter(pk__in=path_ids(unit.path)).order_by("depth"))


def _subtree_of_outer(lookup: str) -> Q:
    """`lookup` lies in the subtree of the outer query's unit: the same half-open range as subtree_q."""
    upper = Concat(Left(OuterRef("path"), Length(OuterRef("path")) - 1), Value("0"))
    return Q(**{f"{lookup}__gte": OuterRef("path"), f"{lookup}__lt": upper})


def _count(queryset: QuerySet):
    """A correlated COUNT(*) of `queryset` (COUNT as a plain function, so no GROUP BY is added)."""
    counted = queryset.order_by().annotate(_n=Func(Value(1), function="COUNT")).values("_n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def unit_children(*, user, unit: Unit) -> QuerySet:
    """The children of `unit` with counts of their sub-nodes, households and persons, in one query.

    Households and persons come from the worker's tallies (territory.tallies) when they are fresh and the
    children are grids or above; otherwise each count is a correlated subquery over a path range, which uses
    the path index however big the tree. `counts_as_of` on each child says which: a time, or None for live.
    """
    children = Unit.objects.visible_to(user).filter(parent=unit)
    nodes = Unit.objects.filter(_subtree_of_outer("path")).exclude(pk=OuterRef("pk"))
    children = children.annotate(node_count=_count(nodes))
    if not has_capability(user, "people.view"):
        return children
    since = tallies_fresh_since() if unit.level < Level.GRID else None
    if since is not None:
        return children.annotate(household_count=Coalesce(F("tally__households"), 0),
                                 person_count=Coalesce(F("tally__persons"), 0),
                                 counts_as_of=Value(since, output_field=DateTimeField()))
    households = Household.objects.filter(_subtree_of_outer("unit__path"))
    persons = Person.objects.filter(_subtree_of_outer("unit__path"), merged_into__isnull=True)
    return children.annotate(household_count=_count(households), person_count=_count(persons),
                             counts_as_of=Value(None, output_field=DateTimeField()))


def unit_search(*, user, query: str, limit: int = 50) -> list[Unit]:
    """Nodes in the user's scope whose code matches exactly or starts with `query`, or whose name contains it."""
    query = (query or "").strip()
    if not query:
        return []
    visible = Unit.objects.visible_to(user)
    exact = list(visible.filter(code=query))
    others = (visible.filter(Q(name__icontains=query) | Q(code__startswith=query)).exclude(code=query)
              .select_related("parent").order_by("depth", "name")[: limit - len(exact)])
    return exact + list(others)


def tree_export_rows(*, user) -> Iterator[list[str]]:
    """The user's visible subtree as CSV rows (header first); parents always come before their children."""
    from fangkong.territory.services import TREE_CSV_HEADER, tree_csv_row

    yield TREE_CSV_HEADER
    rows = (Unit.objects.visible_to(user, "export").order_by("path")
            .values_list("code", "parent__code", "level", "name", "geometry"))
    for code, parent_code, level, name, geometry in rows.iterator(chunk_size=2000):
        yield tree_csv_row(code=code, parent_code=parent_code, level=level, name=name, geometry=geometry)


# --- Responsibilities ------------------------------------------------------------------------------------

def responsibility_list(*, user, unit: Unit) -> QuerySet:
    return (Responsibility.objects.visible_to(user).filter(unit=unit)
            .select_related("user", "household").order_by("role", "household_id", "pk"))


def responsibility_get(*, user, unit: Unit, responsibility_id, action: str = "view") -> Responsibility:
    return get_visible_or_404(Responsibility.objects.filter(unit=unit).select_related("unit"), user=user,
                              action=action, pk=responsibility_id)


@dataclass
class CoverageGroup:
    unit: Unit
    total: int
    gaps: int

    @property
    def covered_percent(self) -> int:
        return 100 if not self.total else round(100 * (self.total - self.gaps) / self.total)


@dataclass
class Coverage:
    role: str
    level: int
    gaps: QuerySet
    groups: list[CoverageGroup]


def coverage_gaps(*, user, role: str, level: int = Level.GRID) -> Coverage:
    """责任全覆盖: the nodes at `level` in the user's scope with nobody in `role` on the node itself.

    `gaps` is one query (NOT EXISTS on the responsibilities); `groups` counts nodes and gaps per district
    and street in the scope, one query per grouping level with correlated path-range counts.
    """
    staffed = Responsibility.objects.filter(unit=OuterRef("pk"), role=role, household__isnull=True)
    gaps = (Unit.objects.visible_to(user).filter(level=level).exclude(Exists(staffed))
            .select_related("parent").order_by("path"))
    groups = []
    for group_level in (Level.DISTRICT, Level.STREET):
        if group_level >= level:
            break
        at_level = Unit.objects.filter(_subtree_of_outer("path"), level=level)
        staffed_inner = Responsibility.objects.filter(unit=OuterRef("pk"), role=role, household__isnull=True)
        areas = (Unit.objects.visible_to(user).filter(level=group_level)
                 .annotate(total=_count(at_level), gaps=_count(at_level.exclude(Exists(staffed_inner))))
                 .select_related("parent").order_by("path"))
        groups += [CoverageGroup(unit=area, total=area.total, gaps=area.gaps) for area in areas]
    groups.sort(key=lambda group: group.unit.path)
    return Coverage(role=role, level=level, gaps=gaps, groups=groups)


def subtree(*, user, unit: Unit) -> QuerySet:
    return Unit.objects.visible_to(user).filter(subtree_q("path", unit.path))

