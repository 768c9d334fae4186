from datetime import date, datetime

from ninja import Schema


class RuleSetOut(Schema):
    id: int
    name: str
    is_preset: bool
    is_active: bool
    copied_from_id: int | None = None


class VersionOut(Schema):
    rule_set_id: int
    rule_set_name: str
    number: int
    created_at: datetime
    note: str
    rules: dict


class MeasureOut(Schema):
    id: int
    person_id: int
    category: str
    rule_set_name: str
    version_number: int
    day_one: date
    ends_on: date | None
    status: str
    next_test_due: datetime | None
