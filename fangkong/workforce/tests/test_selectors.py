import datetime

import pytest
from django.utils import timezone

from fangkong.workforce.selectors import last_handover, my_shifts, on_duty, post_for, roster, shifts_between
from fangkong.workforce.services import post_ensure, shift_create
from fangkong.workforce.tests.conftest import local

pytestmark = pytest.mark.django_db


def test_post_ensure_is_idempotent_and_follows_a_rename(post_a, city):
    again = post_ensure(kind="checkpoint", name="京港澳高速西平站口（南）", unit=city.a.district,
                        subject_type="arrivals.checkpoint", subject_id=1, actor=None)
    assert again.pk == post_a.pk and again.name == "京港澳高速西平站口（南）"
    assert post_for(subject_type="arrivals.checkpoint", subject_id=1).name == "京港澳高速西平站口（南）"
    assert post_for(subject_type="arrivals.checkpoint", subject_id=99) is None


def test_on_duty_includes_the_start_and_excludes_the_end(post_a, officer_a, checkpoint_a):
    day = shift_create(post=post_a, starts_at=local(1, 8), ends_at=local(1, 20), leader=checkpoint_a,
                       members=[officer_a], actor=officer_a)
    night = shift_create(post=post_a, starts_at=local(1, 20), ends_at=local(2, 8), leader_name="夜班王",
                         leader_phone="13900001234", actor=officer_a)
    second = datetime.timedelta(seconds=1)
    assert on_duty(post=post_a, at=local(1, 8) - second) == []
    assert on_duty(post=post_a, at=local(1, 8)) == [day]
    assert on_duty(post=post_a, at=local(1, 20) - second) == [day]
    assert on_duty(post=post_a, at=local(1, 20)) == [night]
    assert on_duty(post=post_a, at=local(2, 8)) == []


def test_on_duty_preloads_leader_and_members(post_a, officer_a, checkpoint_a, django_assert_num_queries):
    shift_create(post=post_a, starts_at=local(1, 8), ends_at=local(1, 20), leader=checkpoint_a,
                 members=[officer_a], members_text="志愿者甲", actor=officer_a)
    with django_assert_num_queries(3):
        (shift,) = on_duty(post=post_a, at=local(1, 9))
        assert (shift.leader_display, shift.member_names) == ("checkpoint_a", ["officer_a", "志愿者甲"])


def test_roster_groups_by_local_day_and_shows_nothing_outside_scope(post_a, officer_a, officer_b):
    shift_create(post=post_a, starts_at=local(1, 20), ends_at=local(2, 8), leader_name="夜班", actor=officer_a)
    shift_create(post=post_a, starts_at=local(2, 8), ends_at=local(2, 20), leader_name="白班", actor=officer_a)
    days = roster(user=officer_a, post=post_a)
    assert [d.day for d in days] == [timezone.localdate() + datetime.timedelta(days=n) for n in range(7)]
    assert [[s.leader_name for s in d.shifts] for d in days[:3]] == [[], ["夜班"], ["白班"]]
    assert all(not d.shifts for d in roster(user=officer_b, post=post_a))
    assert shifts_between(post=post_a, start=local(2, 7), end=local(2, 9)).count() == 2


def test_my_shifts_lists_shifts_as_leader_or_member(post_a, post_a2, officer_a, checkpoint_a):
    shift_create(post=post_a, starts_at=local(1, 8), ends_at=local(1, 20), leader=checkpoint_a, actor=officer_a)
    shift_create(post=post_a2, starts_at=local(2, 8), ends_at=local(2, 20), leader_name="王", members=[checkpoint_a],
                 actor=officer_a)
    shift_create(post=post_a2, starts_at=local(3, 8), ends_at=local(3, 20), leader_name="王", actor=officer_a)
    mine = my_shifts(user=checkpoint_a, start=local(0, 0), end=local(5, 0))
    assert [s.post.name for s in mine] == ["京港澳高速西平站口", "东一社区采样点"]
    assert last_handover(post=post_a) is None
