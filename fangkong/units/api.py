"""GET /units/ (filters, keyset pages), GET /units/{id} (staff figures, applications) and POST
/units/{id}/applications: the same selectors and services as the pages."""

from django.http import Http404
from ninja import Query, Router, Status

from fangkong.accounts.scope import require_capability_or_404
from fangkong.core.pagination import keyset_page
from fangkong.territory.models import Unit
from fangkong.units import resumption, selectors
from fangkong.units.schemas import ApplicationIn, ApplicationOut, UnitDetailOut, UnitPage, UnitQuery

router = Router(tags=["units"])


@router.get("/", response=UnitPage)
def unit_list(request, params: Query[UnitQuery]):
    require_capability_or_404(request.auth, "units.view")
    node = None
    if params.node:
        node = Unit.objects.visible_to(request.auth).filter(code=params.node).first()
        if node is None:
            raise Http404
    filters = selectors.UnitFilters.from_params(params.dict())
    page = keyset_page(selectors.organisation_list(user=request.auth, node=node, filters=filters),
                       after=params.after, size=params.size)
    return {"items": page.items, "next_after": page.next_after}


@router.get("/{organisation_id}", response=UnitDetailOut)
def unit_detail(request, organisation_id: int):
    require_capability_or_404(request.auth, "units.view")
    org = selectors.organisation_get(user=request.auth, organisation_id=organisation_id)
    org.staff_figures = selectors.staff_figures(organisation=org)
    org.recent_applications = selectors.organisation_applications(organisation=org)
    return org


@router.post("/{organisation_id}/applications", response={201: ApplicationOut})
def application_create(request, organisation_id: int, payload: ApplicationIn):
    require_capability_or_404(request.auth, "units.view")
    org = selectors.organisation_get(user=request.auth, organisation_id=organisation_id)
    answers = [resumption.Answer(item_id=a.item_id, met=a.met, note=a.note) for a in payload.answers]
    application = resumption.application_submit(organisation=org, planned_reopen_on=payload.planned_reopen_on,
                                                answers=answers, note=payload.note, actor=request.auth)
    return Status(201, application)
