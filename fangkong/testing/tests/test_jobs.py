"""The 应检尽检 sweep: a running round's unsampled people become one task per building for their grid worker."""

import datetime

import pytest
from django.utils import timezone

from fangkong.ops.schedules import default_schedules
from fangkong.tasks.models import Task
from fangkong.testing import services
from fangkong.testing.jobs import sweep_unsampled_job
from fangkong.testing.models import Round

from .conftest import fill_tube

pytestmark = pytest.mark.django_db


def _round(city, *, hours_ago: float, code="R-A-9"):
    now = timezone.now()
    return services.round_create(code=code, name="东城区全员核酸", nodes=[city.a.district],
                                 starts_at=now - datetime.timedelta(hours=hours_ago),
                                 ends_at=now + datetime.timedelta(days=1), pool_size=10, actor=None)


def _sweep_tasks():
    return Task.objects.filter(kind="round_unsampled")


def test_a_round_running_for_five_hours_gives_its_grid_worker_one_task_per_building(city, residents_a, resident_b,
                                                                                   grid_a):
    # given a round over district A, five hours in, with nobody of 东城1号楼's twelve sampled
    round_ = _round(city, hours_ago=5)
    # when the sweep runs
    opened = sweep_unsampled_job.call()
    # then 东城1号楼 has one task, not twelve, in its grid worker's inbox; district B has none
    assert opened == 1
    task = _sweep_tasks().get()
    assert (task.unit, task.owner, task.subject_id) == (city.a.building, grid_a, round_.pk)
    assert "12" in task.title


def test_a_second_sweep_opens_nothing_new(city, residents_a, grid_a):
    _round(city, hours_ago=5)
    sweep_unsampled_job.call()
    assert sweep_unsampled_job.call() == 0
    assert _sweep_tasks().count() == 1


def test_a_building_whose_people_are_all_sampled_gets_no_task(city, residents_a, grid_a, point_a, sampler_a):
    round_ = _round(city, hours_ago=5)
    fill_tube(round_, point_a, "T3000001", residents_a[:10], actor=sampler_a)
    fill_tube(round_, point_a, "T3000002", residents_a[10:], actor=sampler_a)
    assert sweep_unsampled_job.call() == 0
    assert not _sweep_tasks().exists()


def test_a_round_that_started_an_hour_ago_is_left_alone(city, residents_a, grid_a):
    _round(city, hours_ago=1)
    assert sweep_unsampled_job.call() == 0
    assert not _sweep_tasks().exists()


def test_the_delay_is_a_setting(city, residents_a, grid_a, settings):
    settings.TESTING_SWEEP_AFTER_HOURS = 0.5
    _round(city, hours_ago=1)
    assert sweep_unsampled_job.call() == 1


def test_a_closed_round_is_not_swept(city, residents_a, grid_a):
    round_ = _round(city, hours_ago=5)
    services.round_status_set(round_=round_, status=Round.Status.CLOSED, actor=None)
    assert sweep_unsampled_job.call() == 0


def test_the_sweep_is_scheduled_every_half_hour():
    spec = next(s for s in default_schedules() if s.name == "testing-unsampled-sweep")
    assert (spec.job_path, spec.interval_seconds) == ("fangkong.testing.jobs.sweep_unsampled_job", 1800)
