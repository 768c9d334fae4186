"""Vaccination over the API: a person's doses, and coverage of a node by age band from the dashboard snapshot."""

import datetime

from django.http import Http404
from ninja import Router, Schema

from fangkong.accounts.scope import require_capability_or_404
from fangkong.people.selectors import person_get
from fangkong.territory.selectors import unit_get
from fangkong.vaccination import selectors

router = Router(tags=["vaccination"])


class DoseOut(Schema):
    dose_number: int
    product: str
    product_name: str
    given_on: datetime.date
    site_name: str
    site_code: str
    batch: str


class BandOut(Schema):
    band: str
    residents: int
    dose1: int
    full: int
    booster: int


class CoverageOut(Schema):
    unit_id: int
    name: str
    taken_at: datetime.datetime | None
    bands: list[BandOut]
    children: list["CoverageOut"] = []


@router.get("/persons/{person_id}/doses", response=list[DoseOut])
def person_doses(request, person_id: int):
    require_capability_or_404(request.auth, "vaccination.view")
    person = person_get(user=request.auth, person_id=person_id)
    if person.merged_into_id:
        raise Http404
    return [DoseOut(dose_number=d.dose_number, product=d.product.code, product_name=d.product.name,
                    given_on=d.given_on, site_name=d.site_name, site_code=d.site_code, batch=d.batch)
            for d in selectors.person_doses(user=request.auth, person=person)]


def _bands(node) -> list[BandOut]:
    return [BandOut(band=code, residents=b.residents, **{m: b.counts.get(m, 0) for m in selectors.MEASURES})
            for code, b in node.bands.items()]


@router.get("/coverage/{unit_id}", response=CoverageOut)
def coverage(request, unit_id: int):
    require_capability_or_404(request.auth, "vaccination.view")
    unit = unit_get(user=request.auth, unit_id=unit_id)
    result = selectors.coverage(user=request.auth, unit=unit)
    if result.node is None:
        raise Http404
    taken_at = result.snapshot.taken_at if result.snapshot else None
    return CoverageOut(unit_id=unit.pk, name=unit.name, taken_at=taken_at, bands=_bands(result.node),
                       children=[CoverageOut(unit_id=c.unit.pk, name=c.unit.name, taken_at=taken_at,
                                             bands=_bands(c)) for c in result.children])
