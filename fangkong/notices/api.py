"""JSON API of notices: mounted at /api/v1/notices (router `router`)."""

import datetime

from django.http import Http404
from ninja import Query, Router, Schema

from fangkong.accounts.scope import require_capability_or_404
from fangkong.core.pagination import keyset_page
from fangkong.notices import selectors
from fangkong.territory.models import Unit

router = Router(tags=["notices"])


class NoticeOut(Schema):
    id: int
    number: str | None
    title: str
    body: str
    status: str
    effective_at: datetime.datetime
    version: int


class NoticePage(Schema):
    items: list[NoticeOut]
    next_after: int | None


class NoticeQuery(Schema):
    status: str = ""
    after: int | None = None
    size: int = 50


class NodeQuery(Schema):
    node: int | None = None


def _node(user, node: int | None) -> Unit:
    if node is None:
        return user.scope
    unit = Unit.objects.visible_to(user).filter(pk=node).first()
    if unit is None:
        raise Http404
    return unit


@router.get("/", response=NoticePage)
def notice_list(request, params: Query[NoticeQuery]):
    """The notices the caller sees (applying to their node, or in their scope), newest first."""
    require_capability_or_404(request.auth, "notices.view")
    page = keyset_page(selectors.staff_notices(user=request.auth, status=params.status), after=params.after,
                       size=params.size)
    return {"items": page.items, "next_after": page.next_after}


@router.get("/gates.geojson")
def gates_geojson(request, params: Query[NodeQuery]):
    """The gates of compounds under `node` (default: the caller's scope node) as a GeoJSON FeatureCollection."""
    require_capability_or_404(request.auth, "notices.view")
    return selectors.gates_geojson(user=request.auth, unit=_node(request.auth, params.node))
