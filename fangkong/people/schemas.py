import datetime

from ninja import Schema

from fangkong.core.masking import mask_address, mask_id_number, mask_phone


class PersonOut(Schema):
    """A person as lists and detail pages show them: ID number, phone and address masked."""

    id: int
    name: str
    id_type: str
    id_number: str
    phone: str
    address: str
    sex: str
    status: str
    status_since: datetime.datetime | None
    unit_id: int
    household_id: int | None

    @staticmethod
    def resolve_id_number(obj):
        return mask_id_number(obj.id_number)

    @staticmethod
    def resolve_phone(obj):
        return mask_phone(obj.phone)

    @staticmethod
    def resolve_address(obj):
        return mask_address(obj.address)


class PersonPage(Schema):
    items: list[PersonOut]
    next_after: int | None


class StatusChangeOut(Schema):
    from_status: str
    to_status: str
    at: datetime.datetime
    cause: str
    actor_id: int | None
    task_id: int | None


class PersonDetailOut(PersonOut):
    tags: list[str]
    history: list[StatusChangeOut]

    @staticmethod
    def resolve_tags(obj):
        return sorted(t.tag for t in obj.tags.all())

    @staticmethod
    def resolve_history(obj):
        return list(obj.status_history.all())


class RevealIn(Schema):
    reason: str


class RevealOut(Schema):
    id: int
    id_number: str
    phone: str
    address: str
    birth_date: datetime.date | None


class PersonIn(Schema):
    name: str
    id_type: str = "resident"
    id_number: str
    phone: str = ""
    address: str = ""
    tags: list[str] = []
    household_id: int | None = None
    building_code: str = ""
    door: str = ""


class StatusIn(Schema):
    to_status: str
    cause: str
    at: datetime.datetime | None = None


class HouseholdOut(Schema):
    """A household and the members the caller may see; the address masked."""

    id: int
    unit_id: int
    building: str
    number: str
    address: str
    members: list[PersonOut]
