"""Scoped reads of persons and households: every one starts from visible_to(user)."""

import re
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from fangkong.core.paths import prefix_q, subtree_q
from fangkong.people.models import Household, IdType, ManagementStatus, Person, StatusChange, Tag
from fangkong.people.search import classify_query, reversed_key
from fangkong.territory.models import Level, Unit

_DOCUMENT = re.compile(r"^[A-Za-z0-9]*[0-9][A-Za-z0-9]*$")


def person_base(*, user, action: str = "view") -> QuerySet:
    """Persons on file the user may see; merged duplicates are left out."""
    return Person.objects.visible_to(user, action).filter(merged_into__isnull=True)


@dataclass
class PersonFilters:
    status: str = ""
    tag: str = ""
    node: int | None = None

    @classmethod
    def from_params(cls, params) -> "PersonFilters":
        status = params.get("status", "")
        tag = params.get("tag", "")
        try:
            node = int(params.get("node") or 0) or None
        except (TypeError, ValueError):
            node = None
        return cls(status=status if status in ManagementStatus.values else "",
                   tag=tag if tag in Tag.values else "", node=node)


def _query_q(query: str) -> Q | None:
    kind, value = classify_query(query)
    if kind == "digits":
        rev = reversed_key(value)
        return prefix_q("id_number_rev", rev) | prefix_q("phone_rev", rev) | Q(id_number=value)
    if kind == "latin":
        return prefix_q("name_pinyin", value) | prefix_q("name_initials", value)
    if _DOCUMENT.match(query.strip()):
        # A passport or permit number, or its last characters.
        return prefix_q("id_number_rev", reversed_key(query.strip()))
    return None


def person_search(*, user, query: str = "", filters: PersonFilters | None = None) -> QuerySet:
    """Persons matching `query` by name (simplified or traditional), pinyin, initials, or ID/phone ending.

    Every branch is a prefix match on an indexed column; a name that no name starts with falls back to
    "contains". Order by pk, for keyset pages.
    """
    qs = person_base(user=user)
    filters = filters or PersonFilters()
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.tag:
        qs = qs.filter(tags__tag=filters.tag)
    if filters.node:
        node = Unit.objects.visible_to(user).filter(pk=filters.node).first()
        qs = qs.filter(subtree_q("unit__path", node.path)) if node else qs.none()
    query = (query or "").strip()
    if query:
        q = _query_q(query)
        if q is not None:
            qs = qs.filter(q)
        else:
            name = classify_query(query)[1]
            prefix = qs.filter(prefix_q("name_simplified", name))
            qs = prefix if prefix.exists() else qs.filter(name_simplified__contains=name)
    return qs.select_related("unit", "household").order_by("-pk")


def person_get(*, user, person_id: int, action: str = "view") -> Person:
    """One person, merged or not (a merged one's page leads to the survivor); 404 outside scope."""
    from fangkong.accounts.scope import get_visible_or_404

    return get_visible_or_404(
        Person.objects.select_related("unit", "household__unit"), user=user, action=action, pk=person_id
    )


def status_at(*, person: Person, moment) -> str:
    """The person's management status at `moment`, from their status history."""
    before = StatusChange.objects.filter(person=person, at__lte=moment).order_by("-at", "-id").first()
    if before is not None:
        return before.to_status
    after = StatusChange.objects.filter(person=person, at__gt=moment).order_by("at", "id").first()
    if after is not None:
        return after.from_status or ManagementStatus.NORMAL
    return person.status


def person_status_history(*, person: Person) -> QuerySet:
    return StatusChange.objects.filter(person=person).select_related("actor", "task").order_by("-at", "-id")


def person_tasks(*, user, person: Person) -> QuerySet:
    from fangkong.tasks.models import Task

    return Task.objects.visible_to(user).filter(person=person).select_related("owner").order_by("-created_at")[:100]


def household_get(*, user, household_id: int, action: str = "view") -> Household:
    from fangkong.accounts.scope import get_visible_or_404

    return get_visible_or_404(Household.objects.select_related("unit"), user=user, action=action, pk=household_id)


def household_members(*, user, household: Household) -> QuerySet:
    return person_base(user=user).filter(household=household).order_by("pk")


def building_by_code(*, user, code: str, action: str = "view") -> Unit | None:
    return Unit.objects.visible_to(user, action).filter(code=(code or "").strip(), level=Level.BUILDING).first()


def nodes_for_filter(*, user) -> QuerySet:
    """The nodes a user may filter by: their scope and below, down to grids."""
    return Unit.objects.visible_to(user, "view").filter(level__lte=Level.GRID).order_by("path")[:300]


@dataclass
class DuplicateGroup:
    id_type: str
    id_number: str
    persons: list

    @property
    def id_type_label(self):
        return IdType(self.id_type).label


def duplicate_groups(*, user, limit: int = 200) -> list[DuplicateGroup]:
    """Visible persons sharing one document (type and number), as groups, oldest record first."""
    base = person_base(user=user)
    keys = list(
        base.values("id_type", "id_number").annotate(n=Count("id")).filter(n__gt=1)
        .order_by("id_type", "id_number")[:limit]
    )
    if not keys:
        return []
    persons = base.filter(id_number__in={k["id_number"] for k in keys}).select_related("unit", "household")
    grouped: dict[tuple[str, str], list] = {}
    for person in persons.order_by("pk"):
        grouped.setdefault((person.id_type, person.id_number), []).append(person)
    return [DuplicateGroup(k["id_type"], k["id_number"], grouped.get((k["id_type"], k["id_number"]), []))
            for k in keys]


def person_by_document(*, id_type: str, id_number: str) -> Person | None:
    """The one living record with this document, city-wide and unscoped: for services that must find a person
    filed anywhere (a checkpoint's traveller bound for another district). Never hand the result to a page
    without a scoped read."""
    if not id_number:
        return None
    return Person.objects.filter(id_type=id_type, id_number=id_number, merged_into__isnull=True).first()


def persons_by_documents(*, id_type: str, id_numbers, chunk: int = 500) -> dict[str, int]:
    """{ID number: person id} for the living records among `id_numbers` (bulk imports)."""
    numbers = sorted(set(id_numbers))
    found: dict[str, int] = {}
    for start in range(0, len(numbers), chunk):
        found.update(Person.objects.filter(id_type=id_type, id_number__in=numbers[start:start + chunk],
                                           merged_into__isnull=True).values_list("id_number", "pk"))
    return found
