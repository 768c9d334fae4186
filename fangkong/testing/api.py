"""JSON API of mass testing, mounted at /api/v1/testing (router `router`).

The sampler's device opens a tube, scans people into it and closes it; the point's staff report the queue; a lab
records a tube's result. Reads: rounds, a round's coverage (from the counters), recalls of positive pools.
A service's ValidationError is a 422 naming the field; anything outside the caller's scope is a 404.
"""

from ninja import Query, Router, Schema, Status

from fangkong.accounts.scope import require_capability_or_404
from fangkong.core.pagination import keyset_page
from fangkong.territory.selectors import unit_get
from fangkong.testing import selectors, services
from fangkong.testing.models import Result, Tube
from fangkong.testing.schemas import (
    CoverageOut,
    PointOut,
    QueueIn,
    RecallPage,
    ResultIn,
    ResultOut,
    RoundPage,
    SampleAddedOut,
    SampleIn,
    TubeOpenIn,
    TubeOut,
)

router = Router(tags=["testing"])


def _number(value):
    """"10" → 10, so that a device sending strings is understood; anything else goes on to the service's check."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return value


# --- the sampler's device ----------------------------------------------------------------------------------


@router.post("/tubes", response={200: TubeOut, 201: TubeOut})
def tube_open(request, payload: TubeOpenIn):
    """Open a tube at a point for a round (201). Scanning a tube that is open at this point continues it (200)."""
    require_capability_or_404(request.auth, "testing.sample")
    round_ = selectors.round_by_code(user=request.auth, code=payload.round.strip())
    point = selectors.point_get(user=request.auth, point_id=payload.point_id, action="sample")
    seen = selectors.tube_is_open_at(code=payload.code, round_=round_, point=point)
    tube = services.tube_open(round_=round_, point=point, code=payload.code, actor=request.auth,
                              capacity=_number(payload.capacity))
    return Status(200 if seen else 201, tube)


@router.post("/tubes/{code}/samples", response={201: SampleAddedOut})
def sample_add(request, code: str, payload: SampleIn):
    """Scan one person into an open tube; the answer says the tube's size and whether this scan closed it."""
    require_capability_or_404(request.auth, "testing.sample")
    tube = selectors.tube_get(user=request.auth, code=code, action="sample")
    sample = services.sample_add(tube=tube, id_number=payload.id_number, id_type=payload.id_type or "resident",
                                 name=payload.name, phone=payload.phone, actor=request.auth)
    return Status(201, {"sample": sample, "tube": sample.tube})


@router.post("/tubes/{code}/close", response=TubeOut)
def tube_close(request, code: str):
    """Close a tube by hand before it is full."""
    require_capability_or_404(request.auth, "testing.sample")
    tube = selectors.tube_get(user=request.auth, code=code, action="sample")
    return services.tube_close(tube=tube, actor=request.auth)


@router.post("/points/{point_id}/queue", response=PointOut)
def point_queue(request, point_id: int, payload: QueueIn):
    """The point's staff say how many people are queueing (the public page shows it)."""
    require_capability_or_404(request.auth, "testing.sample")
    point = selectors.point_get(user=request.auth, point_id=point_id, action="sample")
    return services.point_queue_report(point=point, length=_number(payload.queue_length), actor=request.auth)


# --- the lab -----------------------------------------------------------------------------------------------


@router.post("/tubes/{code}/result", response=ResultOut)
def tube_result(request, code: str, payload: ResultIn):
    """A lab's result for a tube sent to it. The same result again changes nothing (changed: false); a positive
    or invalid pool raises its recall at once (recalled: true)."""
    require_capability_or_404(request.auth, "testing.result")
    tube = selectors.tube_get(user=request.auth, code=code, action="result")
    tube, changed = services.tube_result_record(tube=tube, result=payload.result, actor=request.auth,
                                                ct_orf1ab=payload.ct_orf1ab, ct_n=payload.ct_n,
                                                tested_at=payload.tested_at)
    return {"code": tube.code, "status": tube.status, "result": tube.result, "ct_orf1ab": tube.ct_orf1ab,
            "ct_n": tube.ct_n, "tested_at": tube.tested_at, "changed": changed,
            "recalled": tube.purpose == Tube.Purpose.ROUND and tube.result != Result.NEGATIVE}


# --- reads -------------------------------------------------------------------------------------------------


class PageQuery(Schema):
    after: int | None = None
    size: int = 50


@router.get("/rounds", response=RoundPage)
def round_list(request, params: Query[PageQuery]):
    """Rounds the caller sees (a street officer sees the city's round too), newest first; page with `after`."""
    page = keyset_page(selectors.round_list(user=request.auth), after=params.after, size=params.size)
    return {"items": page.items, "next_after": page.next_after}


class CoverageQuery(Schema):
    node: int | None = None


def _coverage_row(row) -> dict:
    return {"unit_id": row.unit.pk, "code": row.unit.code, "name": row.unit.name, "level": row.unit.level,
            "target": row.target, "sampled": row.sampled, "missing": row.missing, "percent": row.percent}


@router.get("/rounds/{round_id}/coverage", response=CoverageOut)
def round_coverage(request, round_id: int, params: Query[CoverageQuery]):
    """应检尽检: sampled / target for `node` (default: where the caller's view of the round starts) and each of
    its children, read from the per-cell counters."""
    round_ = selectors.round_get(user=request.auth, round_id=round_id)
    if params.node is None:
        node = selectors.coverage_root(user=request.auth, round_=round_)
    else:
        node = unit_get(user=request.auth, unit_id=params.node)
    view = selectors.coverage(user=request.auth, round_=round_, node=node)
    return {"round": round_.code, "node": _coverage_row(view.total), "rows": [_coverage_row(r) for r in view.rows],
            "is_cells": view.is_cells}


class RecallQuery(PageQuery):
    open: bool = False
    round: str = ""


@router.get("/recalls", response=RecallPage)
def recall_list(request, params: Query[RecallQuery]):
    """Recalls of positive or invalid pools in the caller's scope, newest first; `open=true` for those with a
    member still awaiting a re-check result."""
    round_ = selectors.round_by_code(user=request.auth, code=params.round) if params.round else None
    recalls = selectors.recall_list_counted(user=request.auth, round_=round_, open_only=params.open)
    page = keyset_page(recalls, after=params.after, size=params.size)
    return {"items": page.items, "next_after": page.next_after}
