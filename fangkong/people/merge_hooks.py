"""Apps whose rows point at a person (tasks, measures, arrivals, cases) re-point them when two records merge.

Each app registers a handler in its AppConfig.ready(); people.services.person_merge calls them inside its
transaction, so a merge moves everything or nothing, and people never writes another app's tables.
"""

from collections.abc import Callable

# handler(*, survivor, duplicate) -> number of rows moved
_HANDLERS: dict[str, Callable[..., int]] = {}


def register_merge_handler(name: str, handler: Callable[..., int]) -> None:
    _HANDLERS[name] = handler


def repoint_all(*, survivor, duplicate) -> dict[str, int]:
    return {name: handler(survivor=survivor, duplicate=duplicate) for name, handler in _HANDLERS.items()}
