import datetime

from ninja import Schema

from fangkong.core.masking import mask_id_number, mask_phone


class ItineraryStop(Schema):
    code: str = ""
    name: str = ""
    date: datetime.date


class OccupantIn(Schema):
    """One traveller. Either id_number, or name and phone. destination: a node's code or id."""

    name: str = ""
    id_type: str = ""
    id_number: str = ""
    phone: str = ""
    # Strings are accepted so that the service's own message explains a bad value.
    temperature: float | str | None = None
    recheck_temperature: float | str | None = None
    health_code: str = ""
    negative_test_within_48h: bool = False
    origin_text: str = ""
    itinerary: list[ItineraryStop] = []
    left_origin_on: datetime.date | None = None
    destination: str | int | None = None
    destination_address: str = ""
    override: str = ""
    override_reason: str = ""


class PassageIn(Schema):
    checkpoint_id: int
    client_key: str
    plate: str | None = None
    at: datetime.datetime | None = None
    direction: str = "in"
    occupants: list[OccupantIn]


class OccupantOut(Schema):
    id: int
    name: str
    id_number: str
    temperature: float
    recheck_temperature: float | None
    health_code: str
    origin_text: str
    origin_code: str
    origin_resolved: bool
    origin_level: str
    destination_id: int | None
    proposed_disposition: str
    disposition: str
    override_reason: str
    person_id: int | None

    @staticmethod
    def resolve_id_number(obj):
        return mask_id_number(obj.id_number)


class PassageOut(Schema):
    id: int
    client_key: str
    checkpoint_id: int
    plate: str | None
    direction: str
    at: datetime.datetime
    occupants: list[OccupantOut]

    @staticmethod
    def resolve_occupants(obj):
        return list(obj.occupants.order_by("pk"))


class ArrivalOut(Schema):
    id: int
    name: str
    id_number: str
    phone: str
    person_id: int | None
    origin_code: str
    origin_name: str
    origin_level: str
    left_origin_on: datetime.date
    arrived_on: datetime.date
    destination_id: int
    channels: list[str]
    category: str
    measure_id: int | None
    first_contact_task_id: int | None
    status: str

    @staticmethod
    def resolve_id_number(obj):
        return mask_id_number(obj.id_number)

    @staticmethod
    def resolve_phone(obj):
        return mask_phone(obj.phone)


class ArrivalPage(Schema):
    items: list[ArrivalOut]
    next_after: int | None


class ImportOut(Schema):
    created: int = 0
    updated: int = 0
    errors: list[dict] = []
    job_id: int | None = None
