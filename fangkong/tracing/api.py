"""JSON API of epidemiological investigation, mounted at /api/v1/tracing (router `router`). Read-only, scoped as
the pages: a case outside the caller's scope is a 404.

GET /cases (keyset page, newest first), /cases/{id} (with contact counts and timeliness), /cases/{id}/contacts
(masked), /graph (the transmission graph, as the page draws it), /serial-intervals (linked pairs with both onsets
known: the command module's Rt reads them).
"""

from ninja import Query, Router, Schema

from fangkong.accounts.scope import require_capability_or_404
from fangkong.core.masking import mask_id_number, mask_phone
from fangkong.core.pagination import keyset_page
from fangkong.tracing import selectors
from fangkong.tracing.graph import graph_for, serial_interval_pairs
from fangkong.tracing.reports import case_timeliness, districts_of
from fangkong.tracing.schemas import CaseDetailOut, CasePage, ContactOut, GraphOut, SerialIntervalsOut
from fangkong.tracing.services import active_rules

router = Router(tags=["tracing"])


class CaseQuery(Schema):
    after: int | None = None
    size: int = 50
    state: str = ""
    q: str = ""


@router.get("/cases", response=CasePage)
def case_list(request, params: Query[CaseQuery]):
    """Cases the caller sees, newest first; `state` "open" (report not done) or "late" (a step past its
    deadline); page with `after`."""
    require_capability_or_404(request.auth, "tracing.view")
    cases = selectors.case_list(user=request.auth, query=params.q, state=params.state)
    page = keyset_page(cases, after=params.after, size=params.size)
    return {"items": page.items, "next_after": page.next_after}


@router.get("/cases/{case_id}", response=CaseDetailOut)
def case_detail(request, case_id: int):
    require_capability_or_404(request.auth, "tracing.view")
    case = selectors.case_get(user=request.auth, case_id=case_id)
    links = selectors.case_links(case=case)
    case.person_name = case.person.name
    case.id_number = mask_id_number(case.person.id_number)
    case.phone = mask_phone(case.person.phone)
    case.contact_counts = selectors.contact_counts(case=case)
    case.timeliness = case_timeliness(case, active_rules())
    case.links = [{"infector": link.infector.number, "infectee": case.number, "confidence": link.confidence,
                   "basis": link.basis} for link in links["sources"]]
    case.links += [{"infector": case.number, "infectee": link.infectee.number, "confidence": link.confidence,
                    "basis": link.basis} for link in links["infected"]]
    return case


@router.get("/cases/{case_id}/contacts", response=list[ContactOut])
def case_contacts(request, case_id: int):
    """The case's contacts, masked; one who lives outside the caller's scope only as district, category and
    status."""
    require_capability_or_404(request.auth, "tracing.view")
    case = selectors.case_get(user=request.auth, case_id=case_id)
    rows = selectors.case_contacts(user=request.auth, case=case)
    districts = districts_of({r.contact.unit.pk: r.contact.unit for r in rows if r.contact.unit_id}.values())
    out = []
    for row in rows:
        contact = row.contact
        item = {"id": contact.pk, "visible": row.visible, "category": contact.category, "status": contact.status,
                "district": districts.get(contact.unit_id, row.place)}
        if row.visible:
            person = contact.person
            assist = getattr(contact, "assist", None) if person is None else None
            source = person or assist
            item.update(name=source.name if source else "", id_number=mask_id_number(source.id_number if source
                                                                                      else ""),
                        phone=mask_phone(source.phone if source else ""), place=row.place, reason=contact.reason,
                        exposure_at=contact.exposure_at, via=contact.via_id, assist=person is None)
        out.append(item)
    return out


class GraphQuery(Schema):
    case: int | None = None
    contacts: bool | None = None


@router.get("/graph", response=GraphOut)
def graph(request, params: Query[GraphQuery]):
    """The transmission graph: every cluster in scope (contacts only with `contacts=true`), or `case`'s cluster
    with its contacts."""
    require_capability_or_404(request.auth, "tracing.report")
    case = selectors.case_get(user=request.auth, case_id=params.case) if params.case is not None else None
    include = params.contacts if params.contacts is not None else case is not None
    return graph_for(request.auth, case=case, include_contacts=include)


@router.get("/serial-intervals", response=SerialIntervalsOut)
def serial_intervals(request):
    """Serial intervals (infectee's onset minus infector's) of the linked pairs among the caller's cases."""
    require_capability_or_404(request.auth, "tracing.report")
    return serial_interval_pairs(request.auth)
