"""The home page's figures: one GROUP BY per figure over the viewer's subtree, split by child node.

Every row's child node is read off its unit path: the path segment right after the root's path
("/1/7/" under root "/1/" → "7"). Rows on the root node itself get "" and are shown apart.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, Value
from django.db.models.functions import Greatest, StrIndex, Substr
from django.utils import timezone

from fangkong.accounts.roles import capabilities_of
from fangkong.core.paths import SEPARATOR, subtree_q
from fangkong.people.models import Household, ManagementStatus, Person
from fangkong.tasks.models import Task
from fangkong.territory.models import Level, Responsibility, Unit

ON_ROOT = ""


@dataclass
class Figures:
    """None means "you may not see this figure", never zero."""

    persons_by_status: dict[str, int] | None = None
    households: int | None = None
    grids_without_worker: int | None = None
    open_tasks: int | None = None
    overdue_tasks: int | None = None

    @property
    def persons(self) -> int | None:
        return None if self.persons_by_status is None else sum(self.persons_by_status.values())

    @property
    def status_counts(self) -> list[tuple[str, str, int]]:
        """(status, label, count) in the order of ManagementStatus, for tables with a column per status."""
        counts = self.persons_by_status or {}
        return [(value, label, counts.get(value, 0)) for value, label in ManagementStatus.choices]


@dataclass
class ChildRow:
    unit: Unit | None
    figures: Figures


@dataclass
class CommandSummary:
    root: Unit
    totals: Figures
    rows: list[ChildRow] = field(default_factory=list)


def child_key(path_lookup: str, root_path: str):
    """The id (as text) of the root's child whose subtree holds the row; "" for the root itself."""
    rest = Substr(path_lookup, len(root_path) + 1)
    return Substr(rest, 1, Greatest(StrIndex(rest, Value(SEPARATOR)) - 1, Value(0)))


def _by_child(queryset, path_lookup: str, root_path: str, *group, **aggregates) -> list[dict]:
    return list(
        queryset.filter(subtree_q(path_lookup, root_path))
        .annotate(child=child_key(path_lookup, root_path))
        .values("child", *group)
        .annotate(**aggregates)
        .order_by()
    )


def command_summary(*, user, root: Unit, now=None) -> CommandSummary:
    """Figures for `root`'s subtree and for each of its children, read through visible_to only.

    `root` must already be visible to `user` (the view gets it with get_visible_or_404).
    """
    now = now or timezone.now()
    caps = capabilities_of(user)
    keys: set[str] = set()
    persons = households = grids = tasks = None

    if "people.view" in caps:
        persons = defaultdict(dict)
        qs = Person.objects.visible_to(user, "view").filter(merged_into__isnull=True)
        for row in _by_child(qs, "unit__path", root.path, "status", n=Count("pk")):
            persons[row["child"]][row["status"]] = row["n"]
        households = {
            row["child"]: row["n"]
            for row in _by_child(Household.objects.visible_to(user, "view"), "unit__path", root.path, n=Count("pk"))
        }
        keys |= set(persons) | set(households)
    if "territory.view" in caps:
        staffed = Responsibility.objects.filter(
            unit=OuterRef("pk"), role=Responsibility.Role.GRID_WORKER, household__isnull=True
        )
        qs = Unit.objects.visible_to(user, "view").filter(level=Level.GRID).filter(~Exists(staffed))
        grids = {row["child"]: row["n"] for row in _by_child(qs, "path", root.path, n=Count("pk"))}
        keys |= set(grids)
    if "tasks.view" in caps:
        qs = Task.objects.visible_to(user, "view").still_open()
        tasks = {
            row["child"]: (row["open"], row["overdue"])
            for row in _by_child(qs, "unit__path", root.path, open=Count("pk"),
                                 overdue=Count("pk", filter=Q(due_at__lt=now)))
        }
        keys |= set(tasks)

    def figures_for(key_set) -> Figures:
        figures = Figures()
        if persons is not None:
            merged: dict[str, int] = defaultdict(int)
            for key in key_set:
                for status, n in persons.get(key, {}).items():
                    merged[status] += n
            figures.persons_by_status = dict(merged)
            figures.households = sum(households.get(key, 0) for key in key_set)
        if grids is not None:
            figures.grids_without_worker = sum(grids.get(key, 0) for key in key_set)
        if tasks is not None:
            figures.open_tasks = sum(tasks.get(key, (0, 0))[0] for key in key_set)
            figures.overdue_tasks = sum(tasks.get(key, (0, 0))[1] for key in key_set)
        return figures

    children = list(Unit.objects.visible_to(user, "view").filter(parent=root).order_by("code", "pk"))
    rows = [ChildRow(unit=child, figures=figures_for({str(child.pk)})) for child in children]
    if ON_ROOT in keys:
        rows.append(ChildRow(unit=None, figures=figures_for({ON_ROOT})))
    return CommandSummary(root=root, totals=figures_for(keys), rows=rows)


@dataclass
class FieldSummary:
    open_tasks: int
    overdue_tasks: int


def field_summary(*, user, now=None) -> FieldSummary:
    """The field worker's own inbox: open tasks they own, and how many are past due."""
    now = now or timezone.now()
    counts = (
        Task.objects.visible_to(user, "view").still_open().filter(owner=user)
        .aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now)))
    )
    return FieldSummary(open_tasks=counts["open"], overdue_tasks=counts["overdue"])
