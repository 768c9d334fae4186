"""Alerts other apps put on the command dashboard (a positive pool, a room shortage), without core importing them:
each app registers a provider in its AppConfig.ready(). Providers count live, so the dashboard does not call them
on page view: the snapshot job asks them for each node and role and stores what they say (command.snapshot).
"""

from collections.abc import Callable
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


def register_alert_provider(name: str, provider: Callable) -> None:
    """provider(user=..., root=...) -> list[Alert] (empty when there is nothing to say). The user may be an
    unsaved one standing for a role at `root` (the snapshot's): read only its role, capabilities and scope."""
    _PROVIDERS[name] = provider


def alerts_for(*, user, root, on_error: Callable | None = None) -> list[Alert]:
    """Every provider's alerts, in provider-name order. With on_error, a provider that raises is reported to
    on_error(name, exc) and skipped; without it the error propagates."""
    alerts = []
    for name, provider in sorted(_PROVIDERS.items()):
        if on_error is None:
            alerts.extend(provider(user=user, root=root))
            continue
        try:
            alerts.extend(provider(user=user, root=root))
        except Exception as exc:  # one module's failure must not take the others' alerts with it
            on_error(name, exc)
    return alerts
