"""The residents API for staff: a person's recent check-ins (residents.view, scoped through the person)."""

from django.http import Http404
from ninja import Router

from fangkong.accounts.roles import has_capability
from fangkong.people.selectors import person_get
from fangkong.residents import selectors
from fangkong.residents.schemas import CheckInOut

router = Router(tags=["residents"])


@router.get("/persons/{person_id}/checkins", response=list[CheckInOut])
def person_checkins(request, person_id: int):
    if not has_capability(request.auth, "residents.view"):
        raise Http404
    person = person_get(user=request.auth, person_id=person_id)
    return [{"id": c.pk, "person_id": c.person_id, "day": c.day, "slot": c.slot, "temperature": c.temperature,
             "symptoms": c.symptoms, "note": c.note, "reported_by_id": c.reported_by_id, "proxy": c.is_proxy,
             "submitted_at": c.submitted_at, "alert_task_id": c.alert_task_id}
            for c in selectors.person_checkins(user=request.auth, person=person)]
