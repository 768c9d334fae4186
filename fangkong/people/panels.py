"""Sections other apps add to a person's page (protocol measures, tests, cases, stays), without people
importing them: each app registers a panel in its AppConfig.ready(); the page renders what is registered.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PersonPanel:
    name: str
    template: str
    # context(user=..., person=...) -> dict for the template, or None to leave the panel out.
    context: Callable[..., dict | None]
    order: int = 50


_PANELS: dict[str, PersonPanel] = {}


def register_person_panel(panel: PersonPanel) -> None:
    _PANELS[panel.name] = panel


def person_panels(*, user, person) -> list[tuple[str, dict]]:
    panels = []
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.name)):
        context = panel.context(user=user, person=person)
        if context is not None:
            panels.append((panel.template, context))
    return panels
