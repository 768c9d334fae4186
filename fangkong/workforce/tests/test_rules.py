"""The roster's rules: no overlapping duty for one person, no shift past the maximum, none ending before it starts."""

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from fangkong.audit.models import AuditEntry
from fangkong.workforce.models import Shift
from fangkong.workforce.services import shift_create, shift_update
from fangkong.workforce.tests.conftest import local

pytestmark = pytest.mark.django_db


def test_a_shift_is_created_with_leader_members_and_volunteers_and_audited(post_a, officer_a, checkpoint_a):
    # when
    shift = shift_create(post=post_a, starts_at=local(1, 8), ends_at=local(1, 20), leader=checkpoint_a,
                         members=[officer_a], members_text="志愿者张三\n志愿者李四", actor=officer_a)
    # then
    assert shift.member_names == ["officer_a", "志愿者张三", "志愿者李四"]
    assert AuditEntry.objects.filter(object_id=shift.pk, action="create").exists()


def test_the_same_person_on_two_overlapping_shifts_is_refused_naming_the_other_post(
        post_a, post_a2, officer_a, checkpoint_a):
    # given: checkpoint_a leads the day shift at the highway exit
    shift_create(post=post_a, starts_at=local(1, 8), ends_at=local(1, 20), leader=checkpoint_a, actor=officer_a)
    # when: an officer puts them on the sampling point's team at 18:00
    with pytest.raises(ValidationError) as exc:
        shift_create(post=post_a2, starts_at=local(1, 18), ends_at=local(1, 23), leader_name="王队长",
                     members=[checkpoint_a], actor=officer_a)
    # then
    message = exc.value.message_dict["members"][0]
    assert "checkpoint_a" in message and "京港澳高速西平站口" in message
    assert local(1, 8).strftime("%Y-%m-%d 08:00") in message and "20:00" in message
    assert Shift.objects.filter(post=post_a2).count() == 0


def test_back_to_back_shifts_do_not_overlap(post_a, officer_a, checkpoint_a):
    shift_create(post=post_a, starts_at=local(1, 8), ends_at=local(1, 20), leader=checkpoint_a, actor=officer_a)
    shift_create(post=post_a, starts_at=local(1, 20), ends_at=local(2, 8), leader=checkpoint_a, actor=officer_a)
    assert Shift.objects.count() == 2


def test_moving_a_shift_onto_another_of_the_same_leader_is_refused(post_a, officer_a, checkpoint_a):
    shift_create(post=post_a, starts_at=local(1, 8), ends_at=local(1, 20), leader=checkpoint_a, actor=officer_a)
    night = shift_create(post=post_a, starts_at=local(1, 20), ends_at=local(2, 8), leader=checkpoint_a,
                         actor=officer_a)
    with pytest.raises(ValidationError) as exc:
        shift_update(shift=night, starts_at=local(1, 19), ends_at=local(2, 7), leader=checkpoint_a, actor=officer_a)
    assert "leader" in exc.value.message_dict
    night.refresh_from_db()
    assert night.starts_at == local(1, 20)


def test_a_shift_longer_than_twelve_hours_is_refused(post_a, officer_a):
    with pytest.raises(ValidationError) as exc:
        shift_create(post=post_a, starts_at=local(1, 8), ends_at=local(1, 21), leader_name="王队长", actor=officer_a)
    message = exc.value.message_dict["ends_at"][0]
    assert "12 hours" in message and "13.0 hours" in message
    assert not Shift.objects.exists()


@override_settings(WORKFORCE_MAX_SHIFT_HOURS=8)
def test_the_maximum_shift_length_is_a_setting(post_a, officer_a):
    with pytest.raises(ValidationError) as exc:
        shift_create(post=post_a, starts_at=local(1, 8), ends_at=local(1, 17), leader_name="王队长", actor=officer_a)
    assert "8 hours" in exc.value.message_dict["ends_at"][0]
    shift_create(post=post_a, starts_at=local(1, 8), ends_at=local(1, 16), leader_name="王队长", actor=officer_a)


@pytest.mark.parametrize("end", [(1, 8), (1, 7)])
def test_a_shift_ending_before_or_when_it_starts_is_refused(post_a, officer_a, end):
    with pytest.raises(ValidationError) as exc:
        shift_create(post=post_a, starts_at=local(1, 8), ends_at=local(*end), leader_name="王队长", actor=officer_a)
    assert "end after it starts" in exc.value.message_dict["ends_at"][0]
    assert not Shift.objects.exists()
    assert not AuditEntry.objects.filter(action="create", content_type__model="shift").exists()


def test_a_shift_needs_a_leader(post_a, officer_a):
    with pytest.raises(ValidationError) as exc:
        shift_create(post=post_a, starts_at=local(1, 8), ends_at=local(1, 20), members_text="志愿者", actor=officer_a)
    assert "leader" in exc.value.message_dict
