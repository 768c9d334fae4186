"""GET /risk/areas (filters, keyset pages) and GET /risk/level?code=&address= (the level of an origin)."""

from datetime import datetime

from django.core.exceptions import ValidationError
from ninja import Query, Router, Schema

from fangkong.accounts.scope import require_capability_or_404
from fangkong.core.pagination import keyset_page
from fangkong.risk import selectors
from fangkong.risk.regions import normalize_code, resolve_origin

router = Router(tags=["risk"])


class AreaOut(Schema):
    id: int
    name: str
    code: str
    level: str
    zone: str
    status: str
    unit_id: int | None
    declared_at: datetime
    level_since: datetime
    lifted_at: datetime | None

    @staticmethod
    def resolve_zone(obj):
        return str(obj.zone_name)


class AreaPage(Schema):
    items: list[AreaOut]
    next_after: int | None


class AreaQuery(Schema):
    level: str = ""
    status: str = ""
    q: str = ""
    after: int | None = None
    size: int = 50


class OriginOut(Schema):
    code: str
    province: str
    city: str
    county: str
    rest: str


class LevelOut(Schema):
    level: str | None
    code: str
    origin: OriginOut | None = None


@router.get("/areas", response=AreaPage)
def area_list(request, params: Query[AreaQuery]):
    require_capability_or_404(request.auth, "risk.view")
    filters = selectors.AreaFilters.from_params({"level": params.level, "status": params.status, "q": params.q})
    page = keyset_page(selectors.area_list(user=request.auth, filters=filters), after=params.after, size=params.size)
    return {"items": page.items, "next_after": page.next_after}


@router.get("/level", response=LevelOut)
def level(request, code: str = "", address: str = "", at: datetime | None = None):
    """The highest active level covering a region code, or an address resolved with cpca (422 if it cannot be)."""
    require_capability_or_404(request.auth, "risk.view")
    origin = None
    if code:
        if not normalize_code(code):
            raise ValidationError({"code": "Not a GB/T 2260 region code."})
    elif address:
        origin = resolve_origin(address)
        if origin is None:
            raise ValidationError({"address": "The address could not be resolved to a county; give the code."})
        code = origin.code
    else:
        raise ValidationError({"code": "Give code or address."})
    name = origin.rest if origin else address
    return {"level": selectors.origin_level(code=code, name=name, at=at), "code": code, "origin": origin}
