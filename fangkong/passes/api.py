"""JSON API for checkpoint scanners: mounted at /api/v1/passes (router `router`)."""

import datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Query, Router, Schema

from fangkong.accounts.scope import require_capability_or_404
from fangkong.core.pagination import keyset_page
from fangkong.passes import selectors, services

router = Router(tags=["passes"])


class ScanIn(Schema):
    code: str
    checkpoint_id: int


class ScanOut(Schema):
    scan_id: int
    disposition: str
    disposition_label: str
    reason: str
    reason_label: str
    number: str | None = None
    plate: str | None = None
    driver_test_hours: int | None = None


@router.post("/scans", response=ScanOut)
def scan_create(request, payload: ScanIn):
    """Check a scanned freight-pass code at one of the caller's checkpoints; the scan is recorded."""
    require_capability_or_404(request.auth, "passes.scan")
    checkpoint = next((cp for cp in selectors.scan_checkpoints(user=request.auth) if cp.pk == payload.checkpoint_id),
                      None)
    if checkpoint is None:
        raise Http404
    try:
        result = services.freight_pass_scan(code=payload.code, checkpoint=checkpoint, actor=request.auth)
    except PermissionDenied:
        raise Http404 from None
    scan, freight_pass = result.scan, result.freight_pass
    return {"scan_id": scan.pk, "disposition": scan.disposition,
            "disposition_label": str(scan.get_disposition_display()),
            "reason": scan.reason, "reason_label": str(scan.get_reason_display()),
            "number": freight_pass.number if freight_pass else None,
            "plate": freight_pass.plate if freight_pass else None,
            "driver_test_hours": result.test_hours if result.passed else None}


class PassOut(Schema):
    id: int
    number: str | None
    status: str
    plate: str
    origin: str
    destination: str
    cargo: str
    valid_from: datetime.datetime
    valid_to: datetime.datetime


class PassPage(Schema):
    items: list[PassOut]
    next_after: int | None


class PassQuery(Schema):
    status: str = ""
    route: str = ""
    day: datetime.date | None = None
    after: int | None = None
    size: int = 50


@router.get("/freight", response=PassPage)
def freight_list(request, params: Query[PassQuery]):
    """Freight passes of the caller's scope, newest first; page on with `after` = next_after."""
    require_capability_or_404(request.auth, "passes.view")
    filters = selectors.PassFilters(status=params.status, route=params.route, day=params.day)
    page = keyset_page(selectors.freight_pass_list(user=request.auth, filters=filters), after=params.after,
                       size=params.size)
    return {"items": page.items, "next_after": page.next_after}
