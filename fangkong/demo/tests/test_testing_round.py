"""The demo's mass-testing morning: today's round over one district, sampled in part, one positive tube recalled."""

from io import StringIO

from django.core.management import call_command

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.core.paths import path_ids
from fangkong.demo.testing_round import ROUND_NAME, SAMPLER_USERNAME
from fangkong.territory.models import Level, Responsibility, Unit
from fangkong.testing.models import Coverage, LabStaff, RecallMember, Round, Sample, SamplingPoint, Tube


def _round():
    return Round.objects.get(name=ROUND_NAME)


def test_todays_round_runs_over_one_district_with_most_of_it_still_to_sample(demo, db):
    round_ = _round()
    assert round_.status == Round.Status.RUNNING and round_.pool_size == 10
    assert [n.level for n in round_.nodes.all()] == [Level.DISTRICT]
    sampled = sum(Coverage.objects.filter(round=round_).values_list("sampled", flat=True))
    assert 200 <= sampled <= 400
    assert round_.target_total > 2 * sampled


def test_two_points_with_opening_hours_staff_on_duty_and_a_queue(demo, db):
    from fangkong.workforce.models import Shift

    points = list(SamplingPoint.objects.order_by("code"))
    assert len(points) == 2
    assert all(p.opens_at != p.closes_at and p.queue_length is not None for p in points)
    assert Shift.objects.filter(post__subject_type="testing.samplingpoint").count() >= 2
    sampler = User.objects.get(username=SAMPLER_USERNAME)
    assert sampler.role == Role.SAMPLER and sampler.check_password("demo-sampler-2020")
    assert SAMPLER_USERNAME in demo.output


def test_the_demo_lab_account_works_for_the_lab_and_sees_its_tubes(demo, db):
    lab_user = User.objects.get(username="lab")
    assert LabStaff.objects.filter(user=lab_user).count() == 1
    assert Tube.objects.visible_to(lab_user).count() == Tube.objects.filter(round=_round()).count() > 0


def test_tubes_of_ten_mostly_resulted_and_one_positive(demo, db):
    tubes = Tube.objects.filter(round=_round())
    assert set(tubes.values_list("capacity", flat=True)) == {10}
    assert tubes.exclude(result="").count() >= tubes.count() * 3 // 4
    assert tubes.filter(result="").exists()
    assert tubes.filter(result="positive").count() == 1
    assert Sample.objects.filter(round=_round(), person__isnull=True).count() == 0


def test_the_positive_tubes_ten_people_are_in_their_grid_workers_inbox(demo, db):
    positive = Tube.objects.get(round=_round(), result="positive")
    members = list(RecallMember.objects.filter(recall__tube=positive).select_related("task__owner", "unit"))
    assert len(members) == 10
    for member in members:
        grid = Unit.objects.get(pk=next(i for i in reversed(path_ids(member.unit.path))
                                        if Unit.objects.get(pk=i).level == Level.GRID))
        worker = Responsibility.objects.get(unit=grid, role="grid_worker").user
        assert member.task.kind == "pool_recheck" and member.task.owner == worker
    assert {m.task.owner.username for m in members} == {"grid1"}


def test_a_rebuild_makes_the_same_morning(demo, db):
    before = sorted(Sample.objects.filter(round=_round()).values_list("tube__code", "id_number"))
    call_command("demo", "--size", "tiny", "--no-serve", "--reset", stdout=StringIO())
    assert sorted(Sample.objects.filter(round=_round()).values_list("tube__code", "id_number")) == before
