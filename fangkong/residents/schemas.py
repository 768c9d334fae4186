import datetime
from decimal import Decimal

from ninja import Schema


class CheckInOut(Schema):
    id: int
    person_id: int
    day: datetime.date
    slot: str
    temperature: Decimal
    symptoms: list[str]
    note: str
    reported_by_id: int | None
    proxy: bool
    submitted_at: datetime.datetime
    alert_task_id: int | None
