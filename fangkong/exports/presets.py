"""Default column choices per role and list: what a grid worker or a tracer usually hands on."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from fangkong.accounts.roles import Role

ALL = "all"

DEFAULTS: dict[str, dict[str, list[str]]] = {
    "persons": {
        Role.GRID_WORKER: ["name", "building", "household", "status"],
        Role.TRACER: ["name", "id_number", "phone", "address", "building", "household", "status"],
        Role.ISOLATION: ["name", "id_number", "phone", "node", "status", "status_since"],
        Role.OFFICER: ["name", "node", "building", "household", "status", "status_since"],
    },
    "arrivals": {
        Role.GRID_WORKER: ["name", "destination", "arrived_on", "origin", "status"],
        Role.OFFICER: ["name", "origin", "origin_level", "arrived_on", "destination", "status"],
    },
    "contacts": {
        Role.TRACER: ["case", "name", "id_number", "phone", "category", "exposure_at", "status"],
        Role.OFFICER: ["case", "name", "node", "category", "exposure_at", "status"],
    },
    "stays": {
        Role.ISOLATION: ["name", "site", "room", "category", "status", "arrived_at"],
    },
    "samples": {
        Role.OFFICER: ["round", "tube", "name", "node", "sampled_at", "result"],
    },
}


@dataclass(frozen=True)
class PresetChoice:
    key: str  # "all", "role", or "<ColumnPreset id>"
    name: str
    columns: list[str]
    own: bool = False  # the user's own saved preset, which they may delete


def role_default(source, role: str) -> list[str] | None:
    columns = DEFAULTS.get(source.code, {}).get(role)
    return [c for c in columns if c in source.column_keys] if columns else None


def default_columns(source, role: str) -> list[str]:
    return role_default(source, role) or source.column_keys


def builtin_choices(source, role: str) -> list[PresetChoice]:
    choices = []
    columns = role_default(source, role)
    if columns:
        choices.append(PresetChoice("role", str(_("Usual for my role")), columns))
    choices.append(PresetChoice(ALL, str(_("All columns")), source.column_keys))
    return choices
