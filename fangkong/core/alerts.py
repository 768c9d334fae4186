"""Alerts other apps put on the command overview (a positive pool, a room shortage), without core importing them:
each app registers a provider in its AppConfig.ready(); the overview shows what the providers return for the user.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Alert:
    key: str  # stable, for tests and styling: "testing.open_recalls"
    text: str
    url: str = ""
    count: int = 0


_PROVIDERS: dict[str, Callable] = {}


def register_alert_provider(name: str, provider: Callable) -> None:
    """provider(user=..., root=...) -> list[Alert] (empty when there is nothing to say)."""
    _PROVIDERS[name] = provider


def alerts_for(*, user, root) -> list[Alert]:
    alerts = []
    for _name, provider in sorted(_PROVIDERS.items()):
        alerts.extend(provider(user=user, root=root))
    return alerts
