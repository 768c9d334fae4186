import datetime

from django.http import Http404
from django.utils import timezone
from ninja import Router

from fangkong.accounts.roles import has_capability
from fangkong.workforce import selectors
from fangkong.workforce.schemas import OnDutyOut, RosterOut, ShiftOut, VolunteerOut

router = Router(tags=["workforce"])


@router.get("/posts/{post_id}/on-duty", response=OnDutyOut)
def post_on_duty(request, post_id: int):
    if not has_capability(request.auth, "workforce.view"):
        raise Http404
    post = selectors.post_get(user=request.auth, post_id=post_id)
    return {"post": post, "shifts": selectors.on_duty(post=post)}


@router.get("/my-shifts", response=list[ShiftOut])
def my_shifts(request, days: int = 14):
    now = timezone.now()
    end = now + datetime.timedelta(days=max(1, min(days, 31)))
    return list(selectors.my_shifts(user=request.auth, start=now, end=end))


@router.get("/rosters/{roster_id}", response=RosterOut)
def roster_detail(request, roster_id: int):
    """A roster and, while it is a draft, its violations of the shift rules."""
    from fangkong.workforce.services import roster_check

    if not has_capability(request.auth, "workforce.view"):
        raise Http404
    roster = selectors.roster_get(user=request.auth, roster_id=roster_id)
    found = roster_check(roster=roster) if roster.status == "draft" else []
    return {"id": roster.pk, "post_id": roster.post_id, "starts_on": roster.starts_on, "ends_on": roster.ends_on,
            "status": roster.status, "violations": [{**r.as_json(), "message": r.message} for r in found]}


@router.get("/volunteers", response=list[VolunteerOut])
def volunteers(request, status: str = "", limit: int = 100):
    if not has_capability(request.auth, "workforce.view"):
        raise Http404
    return list(selectors.volunteer_list(user=request.auth, status=status)[:max(1, min(limit, 500))])
