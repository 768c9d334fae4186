"""In/Out schemas of the testing API (fangkong/testing/api.py). Personal data leaves masked."""

import datetime

from ninja import Schema

from fangkong.core.masking import mask_id_number


class TubeOpenIn(Schema):
    """A sampler scans a new tube at a point: the round's code, the point's id, the tube's barcode."""

    round: str
    point_id: int
    code: str
    # Strings are accepted so that the service's own message explains a bad value.
    capacity: int | str | None = None


class SampleIn(Schema):
    id_number: str
    id_type: str = "resident"
    name: str = ""
    phone: str = ""


class QueueIn(Schema):
    queue_length: int | str


class ResultIn(Schema):
    result: str
    ct_orf1ab: float | str | None = None
    ct_n: float | str | None = None
    tested_at: datetime.datetime | None = None


class TubeOut(Schema):
    code: str
    round: str | None
    point_id: int | None
    capacity: int
    size: int
    status: str
    is_full: bool
    opened_at: datetime.datetime
    closed_at: datetime.datetime | None

    @staticmethod
    def resolve_round(obj):
        return obj.round.code if obj.round_id else None


class SampleOut(Schema):
    id: int
    id_number: str
    name: str
    in_target: bool
    sampled_at: datetime.datetime

    @staticmethod
    def resolve_id_number(obj):
        return mask_id_number(obj.id_number)

    @staticmethod
    def resolve_in_target(obj):
        return obj.cell_id is not None


class SampleAddedOut(Schema):
    """The answer to one scan: the sample, and the tube as it is now (closed when that scan filled it)."""

    sample: SampleOut
    tube: TubeOut


class PointOut(Schema):
    id: int
    code: str
    name: str
    unit_id: int
    opens_at: datetime.time
    closes_at: datetime.time
    queue_length: int | None
    queue_reported_at: datetime.datetime | None


class ResultOut(Schema):
    code: str
    status: str
    result: str
    ct_orf1ab: float | None
    ct_n: float | None
    tested_at: datetime.datetime | None
    changed: bool
    recalled: bool


class RoundOut(Schema):
    id: int
    code: str
    name: str
    unit_id: int
    status: str
    pool_size: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    target_total: int


class RoundPage(Schema):
    items: list[RoundOut]
    next_after: int | None


class CoverageRowOut(Schema):
    unit_id: int
    code: str
    name: str
    level: int
    target: int
    sampled: int
    missing: int
    percent: float | None


class CoverageOut(Schema):
    round: str
    node: CoverageRowOut
    rows: list[CoverageRowOut]
    is_cells: bool


class RecallOut(Schema):
    id: int
    tube_code: str
    round: str | None
    reason: str
    unit_id: int
    members: int
    pending: int
    created_at: datetime.datetime
    closed_at: datetime.datetime | None

    @staticmethod
    def resolve_tube_code(obj):
        return obj.tube.code

    @staticmethod
    def resolve_members(obj):
        return obj.members_count

    @staticmethod
    def resolve_pending(obj):
        return obj.pending_count

    @staticmethod
    def resolve_round(obj):
        return obj.round.code if obj.round_id else None


class RecallPage(Schema):
    items: list[RecallOut]
    next_after: int | None
