"""Shift rules, rosters checked before publishing, check-in rules, party branches, the uncovered-shift job, the HQ
page and the dashboard figures."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from fangkong.command.figures import Context
from fangkong.tasks.models import Task
from fangkong.territory.models import Responsibility
from fangkong.workforce.figures import collect
from fangkong.workforce.jobs import flag_uncovered_shifts
from fangkong.workforce.models import Attendance, Roster, ShiftRules, WorkingGroup
from fangkong.workforce.services import (
    attendance_check_in,
    group_create,
    roster_create,
    roster_publish,
    shift_create,
    shift_rules_set,
)
from fangkong.workforce.tests.conftest import local

pytestmark = pytest.mark.django_db


def _six_days(post, officer, volunteer, first_day=1):
    return [shift_create(post=post, starts_at=local(first_day + d, 8), ends_at=local(first_day + d, 20),
                         leader_name="王队长", volunteers=[volunteer], actor=officer) for d in range(6)]


def test_a_roster_over_the_weekly_hours_is_flagged_and_not_published(client, post_a, officer_a, volunteer_a):
    # given: a draft 14-day roster; the volunteer works six 12-hour days (72 h > 60 h)
    today = timezone.localdate()
    roster = roster_create(post=post_a, starts_on=today, ends_on=today + datetime.timedelta(days=13), actor=officer_a)
    shifts = _six_days(post_a, officer_a, volunteer_a)
    assert all(s.roster == roster for s in shifts)
    # when
    client.force_login(officer_a)
    url = reverse("workforce:roster", kwargs={"roster_id": roster.pk})
    html = client.get(url).content.decode()
    # then: listed by person, shift and rule
    assert 'data-rule="week_hours"' in html and f'data-shift="{shifts[-1].pk}"' in html
    assert "志愿者王小明" in html
    response = client.post(url, {"override_reason": ""})
    assert "breaks the shift rules 1 times" in response.context["form"].errors["override_reason"][0]
    # an officer cannot override: only the command that sets the rules
    response = client.post(url, {"override_reason": "人手不足"})
    assert "Only the command" in response.context["form"].errors["override_reason"][0]
    roster.refresh_from_db()
    assert roster.status == Roster.Status.DRAFT


def test_the_command_publishes_despite_violations_with_a_reason(post_a, officer_a, hq, volunteer_a):
    today = timezone.localdate()
    roster = roster_create(post=post_a, starts_on=today, ends_on=today + datetime.timedelta(days=13), actor=officer_a)
    _six_days(post_a, officer_a, volunteer_a)
    roster = roster_publish(roster=roster, actor=hq, override_reason="封控区扩大，人员不足，已安排补休")
    assert roster.status == "published" and roster.violations_at_publish[0]["rule"] == "week_hours"


def test_a_roster_within_the_rules_publishes_and_then_keeps_them(post_a, officer_a, volunteer_a):
    today = timezone.localdate()
    roster = roster_create(post=post_a, starts_on=today, ends_on=today + datetime.timedelta(days=13), actor=officer_a)
    _six_days(post_a, officer_a, volunteer_a)[-1].delete()
    roster = roster_publish(roster=roster, actor=officer_a)
    assert roster.status == "published" and roster.violations_at_publish == []
    # a shift added to the published roster may not break the rules (7th day → rest is fine, 60 h + 12 h is not)
    with pytest.raises(ValidationError) as exc:
        shift_create(post=post_a, starts_at=local(6, 8), ends_at=local(6, 20), leader_name="王",
                     volunteers=[volunteer_a], actor=officer_a)
    assert "published" in exc.value.message_dict["starts_at"][0]
    assert volunteer_a.shifts.count() == 5


def test_rest_between_shifts_is_counted_across_posts(post_a, post_a2, officer_a, volunteer_a):
    today = timezone.localdate()
    roster = roster_create(post=post_a2, starts_on=today, ends_on=today + datetime.timedelta(days=6), actor=officer_a)
    shift_create(post=post_a, starts_at=local(1, 8), ends_at=local(1, 20), leader_name="王", volunteers=[volunteer_a],
                 actor=officer_a)
    late = shift_create(post=post_a2, starts_at=local(1, 22), ends_at=local(2, 6), leader_name="李",
                        volunteers=[volunteer_a], actor=officer_a)
    from fangkong.workforce.services import roster_check

    found = roster_check(roster=roster)
    assert [(r.violation.rule, r.shift.pk, r.person_name) for r in found] == [("rest", late.pk, "志愿者王小明")]


@pytest.mark.parametrize("days", [(3, 1), (0, 40)])
def test_a_roster_ending_before_it_starts_or_too_long_is_refused(post_a, officer_a, days):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        roster_create(post=post_a, starts_on=today + datetime.timedelta(days=days[0]),
                      ends_on=today + datetime.timedelta(days=days[1]), actor=officer_a)
    assert "ends_on" in exc.value.message_dict
    assert not Roster.objects.exists()


def test_officer_b_cannot_see_or_publish_a_district_a_roster(client, post_a, officer_a, officer_b):
    today = timezone.localdate()
    roster = roster_create(post=post_a, starts_on=today, ends_on=today, actor=officer_a)
    client.force_login(officer_b)
    assert client.get(reverse("workforce:roster", kwargs={"roster_id": roster.pk})).status_code == 404
    assert client.post(reverse("workforce:roster", kwargs={"roster_id": roster.pk})).status_code == 404
    assert client.get(reverse("workforce:roster_new", kwargs={"post_id": post_a.pk})).status_code == 404
    with pytest.raises(PermissionDenied):
        roster_publish(roster=roster, actor=officer_b)


def test_the_command_sets_rules_that_the_posts_below_follow(client, city, hq, officer_a, post_a, checkpoint_a):
    client.force_login(officer_a)
    assert client.get(reverse("workforce:rules")).status_code == 404
    with pytest.raises(PermissionDenied):
        shift_rules_set(unit=city.a.district, actor=officer_a, max_shift_hours=8, max_week_hours=40,
                        min_rest_hours=12)
    client.force_login(hq)
    response = client.post(reverse("workforce:rules"), {"unit": city.a.district.pk, "max_shift_hours": 8,
                                                        "max_week_hours": 40, "min_rest_hours": 12,
                                                        "equipment": "N95，防护服、手套", "test_within_hours": 48})
    assert response.status_code == 302
    assert ShiftRules.objects.get().equipment == ["N95", "防护服", "手套"]
    # shifts follow the node's maximum
    with pytest.raises(ValidationError) as exc:
        shift_create(post=post_a, starts_at=local(1, 8), ends_at=local(1, 18), leader=checkpoint_a, actor=officer_a)
    assert "8 hours" in exc.value.message_dict["ends_at"][0]
    # check-in needs the equipment and a recent negative test
    now = timezone.now()
    shift = shift_create(post=post_a, starts_at=now - datetime.timedelta(hours=1),
                         ends_at=now + datetime.timedelta(hours=6), leader=checkpoint_a, actor=officer_a)
    with pytest.raises(ValidationError) as exc:
        attendance_check_in(shift=shift, user=checkpoint_a, equipment=["N95"], tested_at=now)
    assert "防护服" in exc.value.message_dict["equipment"][0]
    with pytest.raises(ValidationError) as exc:
        attendance_check_in(shift=shift, user=checkpoint_a, equipment=["N95", "防护服", "手套"],
                            tested_at=now - datetime.timedelta(hours=50))
    assert "48 hours" in exc.value.message_dict["tested_at"][0]
    assert not Attendance.objects.exists()
    attendance_check_in(shift=shift, user=checkpoint_a, equipment=["N95", "防护服", "手套"],
                        tested_at=now - datetime.timedelta(hours=20))
    assert Attendance.objects.get().user == checkpoint_a


def test_bad_rules_are_refused_with_a_message(hq, city):
    with pytest.raises(ValidationError) as exc:
        shift_rules_set(unit=city.city, actor=hq, max_shift_hours=12, max_week_hours=10, min_rest_hours=60)
    assert set(exc.value.message_dict) == {"max_week_hours", "min_rest_hours"}
    assert not ShiftRules.objects.exists()


def test_a_staffer_checks_in_and_out_from_their_shift_list(client, post_a, officer_a, checkpoint_a, grid_worker_a):
    now = timezone.now()
    shift = shift_create(post=post_a, starts_at=now - datetime.timedelta(hours=1),
                         ends_at=now + datetime.timedelta(hours=6), leader=checkpoint_a, actor=officer_a)
    client.force_login(checkpoint_a)
    assert f'data-check-in="{shift.pk}"' in client.get(reverse("workforce:my_shifts")).content.decode()
    url = reverse("workforce:shift_attendance", kwargs={"shift_id": shift.pk})
    client.post(url, {"action": "in"})
    assert f'data-checked-in="{shift.pk}"' in client.get(reverse("workforce:my_shifts")).content.decode()
    client.post(url, {"action": "out"})
    assert Attendance.objects.get().checked_out_at is not None
    client.force_login(grid_worker_a)
    assert client.post(url, {"action": "in"}).status_code == 404


def test_a_party_branch_at_a_checkpoint_shows_on_the_post_page(client, post_a, officer_a, checkpoint_a, officer_b):
    group = group_create(post=post_a, kind=WorkingGroup.Kind.PARTY_BRANCH, name="西平站口临时党支部",
                         secretary=officer_a, members=[checkpoint_a], members_text="党员志愿者刘某", actor=officer_a)
    assert [m.display_name for m in group.members.all()] == ["officer_a", "checkpoint_a", "党员志愿者刘某"]
    client.force_login(checkpoint_a)
    html = client.get(reverse("workforce:post", kwargs={"post_id": post_a.pk})).content.decode()
    assert "西平站口临时党支部" in html and 'data-kind="party_branch"' in html and "党员志愿者刘某" in html
    with pytest.raises(PermissionDenied):
        group_create(post=post_a, kind="working_group", name="x", secretary_name="y", actor=officer_b)
    with pytest.raises(ValidationError):
        group_create(post=post_a, kind="party_branch", name="无书记", actor=officer_a)
    assert WorkingGroup.objects.count() == 1


def test_a_post_with_nobody_on_the_next_shift_gets_one_task(post_a, officer_a, city):
    area_leader = Responsibility.objects.create(unit=city.a.district, role=Responsibility.Role.AREA_LEADER,
                                                user=officer_a, name="区包片领导")
    now = timezone.now()
    shift_create(post=post_a, starts_at=now - datetime.timedelta(hours=2), ends_at=now + datetime.timedelta(hours=3),
                 leader_name="王队长", actor=officer_a)
    # when: the job runs twice
    assert flag_uncovered_shifts.call() == 1
    assert flag_uncovered_shifts.call() == 0
    # then: one task, for the district's area leader, due when the post would be left empty
    task = Task.objects.get(kind="workforce_uncovered")
    assert task.owner == area_leader.user and task.subject_id == post_a.pk
    assert abs((task.due_at - (now + datetime.timedelta(hours=3))).total_seconds()) < 2
    # a team for the next 12 hours covers the post
    shift_create(post=post_a, starts_at=now + datetime.timedelta(hours=3), ends_at=now + datetime.timedelta(hours=15),
                 leader_name="李队长", actor=officer_a)
    assert flag_uncovered_shifts.call() == 0


def test_hq_page_and_figures_show_hours_uncovered_and_over_hours(client, post_a, officer_a, officer_b, volunteer_a,
                                                                hq, city):
    # 6 past days of 12 hours: 72 hours in the last week
    for d in range(6, 0, -1):
        shift_create(post=post_a, starts_at=local(-d, 8), ends_at=local(-d, 20), leader_name="王",
                     volunteers=[volunteer_a], actor=None)
    counts = collect(Context(now=local(0, 0), today=timezone.localdate()))
    assert counts[city.a.district.pk]["workforce.over_hours"] == 1
    assert counts[city.a.district.pk]["workforce.hours_week"] == 6 * 12 * 2
    client.force_login(officer_a)
    html = client.get(reverse("workforce:hq")).content.decode()
    assert f'data-post="{post_a.pk}"' in html and "志愿者王小明" in html
    client.force_login(officer_b)
    assert f'data-post="{post_a.pk}"' not in client.get(reverse("workforce:hq")).content.decode()
    assert client.get(reverse("workforce:hq"), {"node": city.a.district.pk}).status_code == 404
