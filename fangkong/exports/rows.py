"""Reading a source's rows in keyset batches, and what each column does to its values: choice labels, masking."""

from collections.abc import Callable, Iterator

from django.conf import settings
from django.db.models import QuerySet

from fangkong.core.masking import mask, mask_address, mask_name
from fangkong.exports.sources import Column, Source


def row_batches(queryset: QuerySet, paths: list[str], *, chunk_size: int) -> Iterator[list[tuple]]:
    """The rows of `queryset` as value tuples, `chunk_size` at a time by ascending pk.

    One query per batch (`pk > last ORDER BY pk LIMIT n`): memory holds one batch, whatever the size of the
    list, and no cursor stays open across batches on either database."""
    ordered = queryset.order_by("pk")
    last = None
    while True:
        page = ordered if last is None else ordered.filter(pk__gt=last)
        rows = list(page.values_list("pk", *paths)[:chunk_size])
        if not rows:
            return
        yield [row[1:] for row in rows]
        if len(rows) < chunk_size:
            return
        last = rows[-1][0]


def _field(model, path: str):
    field = None
    for part in path.split("__"):
        field = model._meta.pk if part == "pk" else model._meta.get_field(part)
        if field.is_relation:
            model = field.related_model
    return field


def _masker(kind: str) -> Callable[[str], str]:
    """core.masking's rules, with the settings read once rather than once a cell."""
    if kind == "id_number":
        keep_id = settings.MASK_ID_KEEP
        return lambda value: mask(value, keep_id)
    if kind == "phone":
        keep_phone = settings.MASK_PHONE_KEEP
        return lambda value: mask(value, keep_phone)
    if kind == "address":
        return mask_address
    if kind == "name":
        return mask_name
    if kind == "birth_date":
        # The year is enough for an age group.
        return lambda value: value[:4] + "-**-**"
    raise ValueError(f"unknown kind of personal data {kind!r}")


def column_steps(source: Source, columns: list[Column], *, revealed: bool) -> list[Callable | None]:
    """Per column, what turns a stored value into the exported one (None: the value as read).

    Call it under the export's language: choice labels are read then."""
    steps: list[Callable | None] = []
    for column in columns:
        step = None
        if column.identifying and not revealed:
            step = _masked(_masker(column.identifying), as_text=column.type in ("date", "datetime"))
        elif column.choices:
            labels = {value: str(label) for value, label in _field(source.model, column.path).flatchoices}
            step = _choice(labels)
        steps.append(step)
    return steps


def output_type(column: Column, *, revealed: bool) -> str:
    """The type of the exported cells: masked values and choice labels are text."""
    if (column.identifying and not revealed) or column.choices:
        return "str"
    return column.type


def _choice(labels: dict) -> Callable:
    return lambda value: labels.get(value, value or "")


def _masked(masker: Callable[[str], str], *, as_text: bool) -> Callable:
    if as_text:
        return lambda value: masker(value.isoformat()) if value else ""
    return lambda value: masker(value) if value else ""
