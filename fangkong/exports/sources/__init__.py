"""The registry of exportable lists: one module per source app, each registering one Source.

A source names the capability its list page needs, the scoped queryset of that app's selector for a
user and the list page's GET filters, and its columns in a stable order. Identifying columns say which
kind of personal data they hold, so that the export masks them unless the user may and asks to reveal.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from fangkong.accounts.roles import has_capability

# The kinds of personal data a column may hold; exports.rows masks each its own way.
IDENTIFYING = ("id_number", "phone", "address", "name", "birth_date")
TYPES = ("int", "str", "date", "datetime")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    path: str  # ORM path read with values_list
    identifying: str = ""  # one of IDENTIFYING, or "" for a column that tells nobody apart
    type: str = "str"
    # Show the choice's label rather than its stored value.
    choices: bool = False


@dataclass(frozen=True)
class Source:
    code: str
    label: str
    capability: str
    model: type
    # (user, cleaned filters) -> the rows the list page shows that user.
    queryset: Callable[..., QuerySet]
    columns: tuple[Column, ...]
    # GET parameter -> parser; a parser returns the cleaned value, "" / None to ignore, or raises ValidationError.
    filters: dict[str, Callable] = field(default_factory=dict)

    def column(self, key: str) -> Column:
        for column in self.columns:
            if column.key == key:
                return column
        raise KeyError(key)

    @property
    def column_keys(self) -> list[str]:
        return [c.key for c in self.columns]

    def clean_filters(self, params) -> dict:
        """The filters this source accepts, cleaned; other parameters are ignored, as the list page does."""
        cleaned = {}
        for name, parse in self.filters.items():
            raw = params.get(name)
            if raw in (None, ""):
                continue
            value = parse(str(raw).strip())
            if value not in (None, ""):
                cleaned[name] = value
        return cleaned

    def rows_for(self, *, user, filters: dict) -> QuerySet:
        return self.queryset(user=user, filters=filters)


_REGISTRY: dict[str, Source] = {}


def register(source: Source) -> Source:
    _REGISTRY[source.code] = source
    return source


def _load() -> None:
    if _REGISTRY:
        return
    from fangkong.exports.sources import arrivals, isolation, people, tasks, testing, tracing  # noqa: F401


# How the lists are offered; a source not named here comes after them.
ORDER = ("persons", "arrivals", "samples", "contacts", "stays", "tasks")


def all_sources() -> list[Source]:
    _load()
    rank = {code: n for n, code in enumerate(ORDER)}
    return sorted(_REGISTRY.values(), key=lambda s: rank.get(s.code, len(ORDER)))


def get_source(code: str) -> Source:
    _load()
    try:
        return _REGISTRY[code]
    except KeyError as exc:
        raise ValidationError({"source": _("Unknown list to export: %(code)s") % {"code": code}}) from exc


def sources_for(user) -> list[Source]:
    """The lists this user may export: exports.run and the list's own capability."""
    if not has_capability(user, "exports.run"):
        return []
    return [s for s in all_sources() if has_capability(user, s.capability)]


# --- filter parsers shared by the sources --------------------------------------------------------------


def positive_int(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError as exc:
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": raw[:20]}) from exc
    if value <= 0:
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": raw[:20]})
    return value


def one_of(values) -> Callable[[str], str]:
    allowed = set(values)

    def parse(raw: str) -> str:
        if raw not in allowed:
            raise ValidationError(_("“%(value)s” is not one of the choices.") % {"value": raw[:40]})
        return raw

    return parse


def text(raw: str) -> str:
    return raw[:100]


def flag(raw: str) -> bool | None:
    return True if raw.lower() in ("1", "on", "true", "yes") else None


def node_path(user, node_id: int | None) -> str | None:
    """The path of a filter node inside the user's scope; None when it is outside (the list shows nothing)."""
    from fangkong.territory.models import Unit

    node = Unit.objects.visible_to(user).filter(pk=node_id).only("path").first()
    return node.path if node else None
