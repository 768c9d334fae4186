from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status

from fangkong.accounts.models import User
from fangkong.accounts.scope import get_visible_or_404
from fangkong.core.pagination import keyset_page
from fangkong.people.models import Household
from fangkong.territory import selectors, services
from fangkong.territory.models import Responsibility
from fangkong.territory.schemas import ChildPage, ResponsibilityIn, ResponsibilityOut, ResponsibleOut, UnitOut

router = Router(tags=["territory"])


class PageParams(Schema):
    after: int | None = None
    size: int = 100


class RoleParams(Schema):
    role: Responsibility.Role = Responsibility.Role.GRID_WORKER


@router.get("/units/{unit_id}", response=UnitOut)
def unit_detail(request, unit_id: int):
    return selectors.unit_get(user=request.auth, unit_id=unit_id)


@router.get("/units/{unit_id}/children", response=ChildPage)
def unit_children(request, unit_id: int, params: Query[PageParams]):
    unit = selectors.unit_get(user=request.auth, unit_id=unit_id)
    page = keyset_page(selectors.unit_children(user=request.auth, unit=unit), after=params.after, size=params.size,
                       descending=False)
    return {"items": page.items, "next_after": page.next_after}


@router.get("/units/{unit_id}/responsible", response=ResponsibleOut)
def unit_responsible(request, unit_id: int, params: Query[RoleParams]):
    unit = selectors.unit_get(user=request.auth, unit_id=unit_id)
    return {"unit_id": unit.pk, "role": params.role,
            "responsible": selectors.responsible_for(unit=unit, role=params.role)}


@router.post("/units/{unit_id}/responsibilities", response={201: ResponsibilityOut})
def responsibility_create(request, unit_id: int, payload: ResponsibilityIn):
    user = request.auth
    unit = selectors.unit_get(user=user, unit_id=unit_id, action="change")
    household = (get_visible_or_404(Household.objects.select_related("unit"), user=user, pk=payload.household_id)
                 if payload.household_id is not None else None)
    linked = get_object_or_404(User.objects.select_related("scope"), pk=payload.user_id, is_active=True) \
        if payload.user_id is not None else None
    responsibility = services.responsibility_assign(
        unit=unit, role=payload.role, name=payload.name, phone=payload.phone, user=linked, household=household,
        actor=user)
    return Status(201, responsibility)
