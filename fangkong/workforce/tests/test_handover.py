import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from fangkong.workforce.models import Handover
from fangkong.workforce.selectors import last_handover
from fangkong.workforce.services import handover_record, shift_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def shifts(post_a, officer_a, checkpoint_a):
    now = timezone.now().replace(microsecond=0)
    current = shift_create(post=post_a, starts_at=now - datetime.timedelta(hours=2),
                           ends_at=now + datetime.timedelta(hours=1), leader=checkpoint_a, actor=officer_a)
    following = shift_create(post=post_a, starts_at=now + datetime.timedelta(hours=1),
                             ends_at=now + datetime.timedelta(hours=9), leader_name="夜班李", actor=officer_a)
    return current, following


def test_the_leader_hands_over_to_the_next_shift(shifts, checkpoint_a, post_a):
    current, following = shifts
    handover = handover_record(shift=current, note="2人待转运至集中隔离点", awaiting_transfer="陈某、张某",
                               supplies="N95口罩200只", actor=checkpoint_a)
    assert handover.shift_to == following and handover.by == checkpoint_a
    assert last_handover(post=post_a) == handover


def test_someone_not_on_the_shift_without_change_rights_cannot_hand_over(shifts, grid_worker_a, officer_b):
    current, _ = shifts
    for user in (grid_worker_a, officer_b):
        with pytest.raises(PermissionDenied):
            handover_record(shift=current, note="x", actor=user)
    assert not Handover.objects.exists()


def test_an_officer_may_record_the_handover_for_the_team(shifts, officer_a):
    handover_record(shift=shifts[0], note="交接完毕", actor=officer_a)
    assert Handover.objects.count() == 1


def test_an_empty_note_or_a_shift_not_started_is_refused(shifts, checkpoint_a, officer_a):
    current, following = shifts
    with pytest.raises(ValidationError) as exc:
        handover_record(shift=current, note="  ", actor=checkpoint_a)
    assert "note" in exc.value.message_dict
    with pytest.raises(ValidationError):
        handover_record(shift=following, note="早了", actor=officer_a)
    assert not Handover.objects.exists()


def test_handover_page_flow(client, shifts, checkpoint_a, post_a):
    current, following = shifts
    client.force_login(checkpoint_a)
    post_url = reverse("workforce:post", kwargs={"post_id": post_a.pk})
    page = client.get(post_url).content.decode()
    url = reverse("workforce:handover_new", kwargs={"shift_id": current.pk})
    assert url in page
    response = client.post(url, {"note": "卡口测温枪1台电量低", "open_issues": "", "supplies": "",
                                 "awaiting_transfer": ""})
    assert response.status_code == 302
    html = client.get(post_url).content.decode()
    assert "卡口测温枪1台电量低" in html
    assert Handover.objects.get().shift_to == following
