from datetime import datetime

from ninja import Schema


class TaskOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    detail: str
    status: str
    priority: int
    unit_id: int
    unit_name: str
    subject: str
    person_id: int | None
    household_id: int | None
    subject_type: str
    subject_id: int | None
    owner: str | None
    due_at: datetime
    overdue: bool
    created_at: datetime
    accepted_at: datetime | None
    closed_at: datetime | None
    outcome: str
    outcome_note: str
    outcome_data: dict
    escalation_level: int
    escalated_to_id: int | None
    escalated_owner: str | None
    outcomes: list[dict]


class TaskPage(Schema):
    items: list[TaskOut]
    next_after: int | None


class CompleteIn(Schema):
    outcome: str
    note: str = ""
    data: dict = {}


class NoteIn(Schema):
    note: str = ""


class DispatchIn(Schema):
    kind: str
    unit_id: int
    title: str = ""
    household_id: int | None = None
    person_id: int | None = None
    due_at: datetime | None = None
    detail: str = ""
    priority: int = 0
    dedupe_key: str | None = None
