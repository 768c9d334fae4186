from datetime import datetime

from ninja import Schema

from fangkong.territory.models import Level, Responsibility, Unit


class UnitOut(Schema):
    id: int
    code: str
    name: str
    level: int
    level_label: str
    parent_id: int | None
    depth: int
    path: str
    geometry: dict | None = None

    @staticmethod
    def resolve_level_label(obj: Unit) -> str:
        return str(Level(obj.level).label)


class ChildOut(UnitOut):
    node_count: int
    household_count: int | None = None
    person_count: int | None = None
    # When the household and person counts were taken (the worker's tallies); None: counted now.
    counts_as_of: datetime | None = None


class UnitPage(Schema):
    items: list[UnitOut]
    next_after: int | None


class ChildPage(Schema):
    items: list[ChildOut]
    next_after: int | None


class ResponsibilityOut(Schema):
    id: int
    unit_id: int
    household_id: int | None
    role: str
    role_label: str
    name: str
    phone: str
    user_id: int | None
    since: datetime

    @staticmethod
    def resolve_role_label(obj: Responsibility) -> str:
        return str(obj.get_role_display())

    @staticmethod
    def resolve_phone(obj: Responsibility) -> str:
        return obj.masked_phone


class ResponsibleOut(Schema):
    unit_id: int
    role: str
    responsible: ResponsibilityOut | None


class ResponsibilityIn(Schema):
    role: str
    name: str = ""
    phone: str = ""
    user_id: int | None = None
    household_id: int | None = None
