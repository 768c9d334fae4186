from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Query, Router, Schema, Status

from fangkong.core.masking import mask_address
from fangkong.core.pagination import keyset_page
from fangkong.people import selectors, services
from fangkong.people.schemas import (
    HouseholdOut,
    PersonDetailOut,
    PersonIn,
    PersonPage,
    RevealIn,
    RevealOut,
    StatusChangeOut,
    StatusIn,
)

router = Router(tags=["people"])


class PersonQuery(Schema):
    q: str = ""
    status: str = ""
    tag: str = ""
    node: int | None = None
    after: int | None = None
    size: int = 50


def _live_person(request, person_id: int, action: str = "view"):
    person = selectors.person_get(user=request.auth, person_id=person_id, action=action)
    if person.merged_into_id:
        # A merged record answers as missing; its survivor is the one to ask for.
        raise Http404
    return person


@router.get("/persons", response=PersonPage)
def person_list(request, params: Query[PersonQuery]):
    filters = selectors.PersonFilters.from_params({"status": params.status, "tag": params.tag, "node": params.node})
    qs = selectors.person_search(user=request.auth, query=params.q, filters=filters)
    page = keyset_page(qs, after=params.after, size=params.size)
    return {"items": page.items, "next_after": page.next_after}


@router.get("/persons/{person_id}", response=PersonDetailOut)
def person_detail(request, person_id: int):
    return _live_person(request, person_id)


@router.post("/persons/{person_id}/reveal", response=RevealOut)
def person_reveal(request, person_id: int, payload: RevealIn):
    from fangkong.accounts.roles import has_capability

    if not has_capability(request.auth, "people.reveal"):
        raise Http404
    person = _live_person(request, person_id)
    values = services.person_reveal(person=person, actor=request.auth, reason=payload.reason,
                                    ip=request.META.get("REMOTE_ADDR") or None)
    return {"id": person.pk, **values}


@router.post("/persons", response={201: PersonDetailOut})
def person_create(request, payload: PersonIn):
    household, building = None, None
    if payload.household_id:
        household = selectors.household_get(user=request.auth, household_id=payload.household_id, action="change")
    elif payload.building_code:
        building = selectors.building_by_code(user=request.auth, code=payload.building_code, action="change")
        if building is None:
            raise Http404
    else:
        raise ValidationError({"household_id": "Give household_id, or building_code and door."})
    person = services.person_create(
        name=payload.name, id_type=payload.id_type, id_number=payload.id_number, phone=payload.phone,
        address=payload.address, tags=payload.tags, household=household, unit=building, door=payload.door,
        actor=request.auth,
    )
    return Status(201, person)


@router.post("/persons/{person_id}/status", response={201: StatusChangeOut})
def person_status(request, person_id: int, payload: StatusIn):
    person = _live_person(request, person_id, action="change")
    change = services.person_status_change(person=person, to_status=payload.to_status, cause=payload.cause,
                                           at=payload.at, actor=request.auth)
    return Status(201, change)


@router.get("/households/{household_id}", response=HouseholdOut)
def household_detail(request, household_id: int):
    household = selectors.household_get(user=request.auth, household_id=household_id)
    return {
        "id": household.pk, "unit_id": household.unit_id, "building": household.unit.name,
        "number": household.number, "address": mask_address(household.address),
        "members": list(selectors.household_members(user=request.auth, household=household)),
    }
