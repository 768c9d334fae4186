from datetime import date, datetime

from ninja import Schema


class StaffFiguresOut(Schema):
    total: int
    on_site: int
    away: int
    at_home: int
    in_dormitory: int
    from_risk: int
    under_measures: int


class UnitOut(Schema):
    id: int
    name: str
    kind: str
    status: str
    industry: str
    unit_id: int
    node_code: str
    node_name: str
    in_loop: bool
    staff_on_site: int
    staff_away: int
    staff_under_measures: int
    overdue_checks: int

    @staticmethod
    def resolve_node_code(obj):
        return obj.unit.code

    @staticmethod
    def resolve_node_name(obj):
        return obj.unit.name


class UnitPage(Schema):
    items: list[UnitOut]
    next_after: int | None


class UnitQuery(Schema):
    node: str = ""
    kind: str = ""
    status: str = ""
    loop: str = ""
    q: str = ""
    after: int | None = None
    size: int = 50


class AnswerOut(Schema):
    item_text: str
    required: bool
    met: bool | None
    note: str


class ApplicationOut(Schema):
    id: int
    organisation_id: int
    status: str
    planned_reopen_on: date
    submitted_at: datetime
    reviewed_at: datetime | None
    review_reason: str
    staff_at_submit: dict
    answers: list[AnswerOut]

    @staticmethod
    def resolve_answers(obj):
        return list(obj.answers.all())


class UnitDetailOut(UnitOut):
    address: str
    contact_name: str
    staff_figures: StaffFiguresOut
    recent_applications: list[ApplicationOut]


class AnswerIn(Schema):
    item_id: int
    met: bool | None = None
    note: str = ""


class ApplicationIn(Schema):
    planned_reopen_on: date
    note: str = ""
    answers: list[AnswerIn]
