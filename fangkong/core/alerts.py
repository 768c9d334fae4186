"""Alerts other apps put on the command dashboard (a positive pool, a room shortage), without core importing them:
each app registers a provider in its AppConfig.ready(). Providers count live, so the dashboard does not call them
on page view: the snapshot job asks them for each node and role and stores what they say (command.snapshot).
"""

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Alert:
    key: str  # stable, for tests and styling: "testing.open_recalls"
    text: str
    url: str = ""
    count: int = 0

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Alert":
        return cls(key=str(data.get("key", "")), text=str(data.get("text", "")), url=str(data.get("url", "")),
                   count=int(data.get("count") or 0))


_PROVIDERS: dict[str, Callable] = {}
_READS: dict[str, frozenset[str]] = {}


def register_alert_provider(name: str, provider: Callable, *, reads: Iterable[str]) -> None:
    """provider(user=..., root=...) -> list[Alert] (empty when there is nothing to say). The user may be an
    unsaved one standing for a role at `root` (the snapshot's): read only its role, capabilities and scope.
    `reads` names the capabilities its answer depends on (those it checks, and those behind the visible_to() it
    calls): roles that agree on them get the same alerts, so the snapshot asks once for all of them."""
    _PROVIDERS[name] = provider
    _READS[name] = frozenset(reads)


def providers() -> list[tuple[str, Callable, frozenset[str]]]:
    """(name, provider, the capabilities it reads), in name order."""
    return [(name, provider, _READS[name]) for name, provider in sorted(_PROVIDERS.items())]
