"""Keyset pagination: lists that can grow past a few hundred rows page by id, never by OFFSET."""

from dataclasses import dataclass

from django.db.models import QuerySet


@dataclass
class KeysetPage:
    items: list
    next_after: int | None
    after: int | None
    size: int

    @property
    def has_next(self) -> bool:
        return self.next_after is not None


def keyset_page(queryset: QuerySet, *, after: int | str | None = None, size: int = 50,
                descending: bool = True) -> KeysetPage:
    """One page of `queryset` ordered by pk; `after` is the last pk of the previous page."""
    try:
        after_pk = int(after) if after not in (None, "") else None
    except (TypeError, ValueError):
        after_pk = None
    size = max(1, min(int(size), 500))
    qs = queryset.order_by("-pk" if descending else "pk")
    if after_pk is not None:
        qs = qs.filter(pk__lt=after_pk) if descending else qs.filter(pk__gt=after_pk)
    rows = list(qs[: size + 1])
    next_after = rows[size - 1].pk if len(rows) > size else None
    return KeysetPage(items=rows[:size], next_after=next_after, after=after_pk, size=size)


def page_from_request(queryset: QuerySet, request, *, size: int = 50, descending: bool = True) -> KeysetPage:
    return keyset_page(queryset, after=request.GET.get("after"), size=size, descending=descending)
