"""JSON API for checkpoint devices and the HQ: mounted at /api/v1/arrivals (router `router`)."""

from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from fangkong.accounts.scope import require_capability_or_404
from fangkong.arrivals import selectors, services
from fangkong.arrivals.imports import IMPORT_INLINE_MAX_BYTES, coordination_list_import, coordination_list_start
from fangkong.arrivals.models import Passage
from fangkong.arrivals.schemas import ArrivalPage, ImportOut, PassageIn, PassageOut
from fangkong.core.imports import report_as_json
from fangkong.core.pagination import keyset_page

router = Router(tags=["arrivals"])



@router.post("/passages", response={200: PassageOut, 201: PassageOut})
def passage_create(request, payload: PassageIn):
    """Record a passage. Safe to resend: the same client_key (or Idempotency-Key) never records twice;
    a resent record answers 200 with the passage stored the first time."""
    require_capability_or_404(request.auth, "arrivals.register")
    checkpoint = selectors.checkpoint_get(user=request.auth, checkpoint_id=payload.checkpoint_id, action="register")
    seen = Passage.objects.filter(client_key=payload.client_key.strip()).exists()
    occupants = []
    for occupant in payload.occupants:
        data = occupant.dict()
        data["itinerary"] = [{**stop, "date": stop["date"].isoformat()} for stop in data["itinerary"]]
        occupants.append(data)
    passage = services.passage_record(checkpoint=checkpoint, plate=payload.plate, occupants=occupants,
                                      client_key=payload.client_key, actor=request.auth, at=payload.at,
                                      direction=payload.direction)
    return Status(200 if seen else 201, passage)


class ArrivalQuery(Schema):
    level: str = ""
    status: str = ""
    channel: str = ""
    after: int | None = None
    size: int = 50


@router.get("/arrivals", response=ArrivalPage)
def arrival_list(request, params: Query[ArrivalQuery]):
    """Arrivals at destinations in the caller's scope, newest first; page on with `after` = next_after."""
    filters = selectors.ArrivalFilters.from_params(params.dict())
    page = keyset_page(selectors.arrival_list(user=request.auth, filters=filters), after=params.after,
                       size=params.size)
    return {"items": page.items, "next_after": page.next_after}


@router.post("/coordination-lists", response={200: ImportOut, 202: ImportOut, 422: ImportOut})
def coordination_list(request, file: File[UploadedFile]):
    """Import a 外地协查 list (CSV or .xlsx). Small files answer at once (422 with every bad line when any row
    is wrong, nothing written); larger ones start a background job (202, job_id; progress at /ops/jobs/<id>/)."""
    require_capability_or_404(request.auth, "arrivals.import")
    if file.size > IMPORT_INLINE_MAX_BYTES:
        job = coordination_list_start(upload=file, actor=request.auth)
        return Status(202, {"job_id": job.pk})
    report = coordination_list_import(source=file.read(), filename=file.name, actor=request.auth)
    body = report_as_json(report)
    return Status(200 if report.ok else 422, {"created": body["created"], "updated": body["updated"],
                                             "errors": body["errors"]})
