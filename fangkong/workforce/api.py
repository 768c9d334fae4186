import datetime

from django.http import Http404
from django.utils import timezone
from ninja import Router

from fangkong.accounts.roles import has_capability
from fangkong.workforce import selectors
from fangkong.workforce.schemas import OnDutyOut, ShiftOut

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
