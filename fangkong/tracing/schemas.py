"""Out schemas of the tracing API (fangkong/tracing/api.py). Personal data leaves masked; a contact outside the
caller's scope leaves as its district, category and status only."""

import datetime

from ninja import Schema


class CaseOut(Schema):
    id: int
    number: str
    classification: str
    clinical_status: str
    source: str
    unit_id: int
    unit: str
    tracer: str | None
    onset_date: datetime.date | None
    first_positive_at: datetime.datetime
    reported_at: datetime.datetime
    first_contact_at: datetime.datetime | None
    core_done_at: datetime.datetime | None
    report_done_at: datetime.datetime | None
    contacts_controlled_at: datetime.datetime | None

    @staticmethod
    def resolve_unit(obj):
        return obj.unit.name

    @staticmethod
    def resolve_tracer(obj):
        return obj.tracer.username if obj.tracer_id else None


class CasePage(Schema):
    items: list[CaseOut]
    next_after: int | None


class StepOut(Schema):
    key: str
    label: str
    deadline_hours: int
    due_at: datetime.datetime
    done_at: datetime.datetime | None
    hours: float | None
    state: str


class LinkOut(Schema):
    infector: str
    infectee: str
    confidence: str
    basis: str


class CaseDetailOut(CaseOut):
    person_name: str
    id_number: str
    phone: str
    window_start: datetime.datetime
    window_end: datetime.datetime
    contact_counts: dict[str, int]
    timeliness: list[StepOut]
    links: list[LinkOut]


class ContactOut(Schema):
    id: int
    visible: bool
    category: str
    status: str
    district: str
    # Empty when the contact lives outside the caller's scope.
    name: str = ""
    id_number: str = ""
    phone: str = ""
    place: str = ""
    reason: str = ""
    exposure_at: datetime.datetime | None = None
    via: int | None = None
    assist: bool = False


class GraphOut(Schema):
    nodes: list[dict]
    edges: list[dict]
    legend: list[dict]
    clusters: list[dict]
    truncated: bool
    case: int | None


class SerialPairOut(Schema):
    infector: str
    infectee: str
    infector_onset: datetime.date
    infectee_onset: datetime.date
    days: int


class SerialIntervalsOut(Schema):
    pairs: list[SerialPairOut]
    count: int
    mean: float | None
    sd: float | None
