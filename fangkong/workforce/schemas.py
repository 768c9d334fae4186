import datetime

from ninja import Schema

from fangkong.core.masking import mask_phone


class ShiftOut(Schema):
    """A shift as the roster shows it: the leader's phone masked."""

    id: int
    post_id: int
    post_name: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    leader_id: int | None
    leader_name: str
    leader_phone: str
    members: list[str]
    note: str

    @staticmethod
    def resolve_post_name(obj):
        return obj.post.name

    @staticmethod
    def resolve_leader_name(obj):
        return obj.leader_display

    @staticmethod
    def resolve_leader_phone(obj):
        return mask_phone(obj.leader_phone_display)

    @staticmethod
    def resolve_members(obj):
        return obj.member_names


class PostOut(Schema):
    id: int
    kind: str
    name: str
    unit_id: int
    subject_type: str
    subject_id: int | None
    active: bool


class OnDutyOut(Schema):
    post: PostOut
    shifts: list[ShiftOut]


class ViolationOut(Schema):
    person: str
    name: str
    shift: int
    rule: str
    value: float
    limit: float
    message: str


class RosterOut(Schema):
    id: int
    post_id: int
    starts_on: datetime.date
    ends_on: datetime.date
    status: str
    violations: list[ViolationOut]


class VolunteerOut(Schema):
    """A volunteer as the list shows them: ID and phone masked."""

    id: int
    name: str
    unit_id: int
    status: str
    skills: str
    phone: str
    id_number: str

    @staticmethod
    def resolve_phone(obj):
        return mask_phone(obj.phone)

    @staticmethod
    def resolve_id_number(obj):
        from fangkong.core.masking import mask_id_number

        return mask_id_number(obj.id_number)
