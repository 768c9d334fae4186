"""The registry of task kinds: what a work order is for, who owns it, how long it may take, how it ends.

Foundation kinds are registered here; every later module registers its own with `register_kind(...)`
in its AppConfig.ready() (or at import of its own kinds module). The numbers below are defaults only:
the protocol engine passes `due_at` explicitly when its rule set says otherwise.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from fangkong.territory.models import Responsibility


@dataclass(frozen=True)
class Outcome:
    code: str
    label: str
    # True: the work happened as intended. False: the task is still closed as done (the attempt was made
    # and reported) but the kind's follow-up task is opened for the same owner, so the loop stays closed.
    success: bool = True


@dataclass(frozen=True)
class TaskKind:
    code: str
    label: str
    outcomes: tuple[Outcome, ...]
    owner_role: str = Responsibility.Role.GRID_WORKER
    due: timedelta = timedelta(hours=24)
    # How long past its due time a task may stay open before it climbs one level up the tree.
    grace: timedelta = timedelta(hours=2)
    # A form class (or its dotted path) taking (data, task=..., ...) with a `completion()` method;
    # None uses the generic outcome + note form.
    form_class: object = None
    # Checks and normalises `outcome_data` for the API and the form alike: (task, outcome, data) -> data.
    data_validator: object = None
    # The kind opened when a task closes with an unsuccessful outcome; None opens nothing.
    follow_up_kind: str | None = "follow_up"
    # Called inside task_complete's transaction as on_complete(task, outcome, actor) (a callable or its dotted
    # path): how an outcome changes a status owned by another app (a stage ends → the person's next status).
    on_complete: object = None
    # "household" or "person": the subject a task of this kind cannot do without.
    subject: str = ""
    description: str = ""
    extra: dict = field(default_factory=dict)

    def outcome(self, code: str) -> Outcome | None:
        return next((o for o in self.outcomes if o.code == code), None)

    @property
    def outcome_choices(self) -> list[tuple[str, str]]:
        return [(o.code, o.label) for o in self.outcomes]

    def get_form_class(self):
        from fangkong.tasks.forms import CompleteForm

        if self.form_class is None:
            return CompleteForm
        return import_string(self.form_class) if isinstance(self.form_class, str) else self.form_class

    def completed(self, task, outcome: str, actor) -> None:
        if self.on_complete is None:
            return
        handler = import_string(self.on_complete) if isinstance(self.on_complete, str) else self.on_complete
        handler(task, outcome, actor)

    def clean_data(self, task, outcome: str, data: dict | None) -> dict:
        data = dict(data or {})
        if self.data_validator is None:
            return data
        validator = import_string(self.data_validator) if isinstance(self.data_validator, str) else \
            self.data_validator
        return validator(task, outcome, data)


_REGISTRY: dict[str, TaskKind] = {}

# A task whose kind is no longer registered (a module removed) still escalates, with this grace.
DEFAULT_GRACE = timedelta(hours=2)


def register_kind(kind: TaskKind, *, replace: bool = False) -> TaskKind:
    if not replace and kind.code in _REGISTRY and _REGISTRY[kind.code] != kind:
        raise ValueError(f"task kind {kind.code!r} is already registered")
    if not kind.outcomes:
        raise ValueError(f"task kind {kind.code!r} needs at least one outcome")
    if kind.owner_role not in Responsibility.Role.values:
        raise ValueError(f"task kind {kind.code!r}: unknown owner role {kind.owner_role!r}")
    _REGISTRY[kind.code] = kind
    return kind


def get_kind(code: str) -> TaskKind:
    try:
        return _REGISTRY[code]
    except KeyError:
        raise ValidationError({"kind": _("Unknown task kind: %(kind)s.") % {"kind": code}}) from None


def find_kind(code: str) -> TaskKind | None:
    return _REGISTRY.get(code)


def all_kinds() -> list[TaskKind]:
    return list(_REGISTRY.values())


def kind_choices() -> list[tuple[str, str]]:
    return [(k.code, k.label) for k in _REGISTRY.values()]


def kind_label(code: str) -> str:
    kind = _REGISTRY.get(code)
    return kind.label if kind else code


HOUSEHOLD_VISIT = register_kind(TaskKind(
    code="household_visit",
    label=_("Household visit"),
    description=_("Door-to-door visit: every member of the household seen or accounted for."),
    outcomes=(
        Outcome("visited_all_present", _("Visited, everyone present")),
        Outcome("visited_some_absent", _("Visited, some members absent")),
        Outcome("nobody_home", _("Nobody home"), success=False),
        Outcome("refused", _("Refused the visit"), success=False),
        Outcome("new_person_found", _("Visited, found a person not on file"), success=False),
    ),
    due=timedelta(hours=24),
    grace=timedelta(hours=2),
    subject="household",
    form_class="fangkong.tasks.forms.HouseholdVisitForm",
    data_validator="fangkong.tasks.forms.clean_household_visit_data",
))

FIRST_CONTACT = register_kind(TaskKind(
    code="first_contact",
    label=_("First contact"),
    description=_("Reach the person at once: by phone or at the door, and tell them the measures."),
    outcomes=(
        Outcome("contacted", _("Contacted, measures explained")),
        Outcome("unreachable", _("Could not be reached"), success=False),
        Outcome("not_in_area", _("Not in this area"), success=False),
    ),
    due=timedelta(hours=2),
    grace=timedelta(hours=1),
    subject="person",
))

FOLLOW_UP = register_kind(TaskKind(
    code="follow_up",
    label=_("Follow-up"),
    outcomes=(
        Outcome("resolved", _("Resolved")),
        Outcome("unresolved", _("Not resolved"), success=False),
    ),
    due=timedelta(hours=24),
    grace=timedelta(hours=4),
    follow_up_kind=None,
))
