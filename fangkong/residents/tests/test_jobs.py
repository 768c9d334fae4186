"""The missed check-in sweep: one task per person and day after the cut-off, none for those who checked in."""

import datetime

import pytest
from django.utils import timezone

from fangkong.residents import jobs, services
from fangkong.tasks.models import Task

pytestmark = pytest.mark.django_db


def _local(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@pytest.fixture
def today():
    return timezone.localdate()


def _backdate(family, day):
    """Everyone under control since the day before, so the day counts for all of them."""
    from fangkong.people.models import Person

    Person.objects.filter(household=family.household).update(status_since=_local(day, 0) - datetime.timedelta(days=1))


def test_after_the_cut_off_everyone_without_a_check_in_gets_one_task_once(family, grid_worker_a, today):
    # given
    _backdate(family, today)
    services.checkin_submit(reporter=family.head, person=family.head, temperature="36.5", symptoms=["none"],
                            at=_local(today, 9))
    services.checkin_submit(reporter=family.head, person=family.child, temperature="36.5", symptoms=["none"],
                            at=_local(today, 9))

    # when
    made = services.missed_checkins_open(now=_local(today, 20, 5))
    again = services.missed_checkins_open(now=_local(today, 22))

    # then
    missed = Task.objects.filter(kind="resident_checkin_missed")
    assert made == 2 and again == 0
    assert {t.person_id for t in missed} == {family.spouse.pk, family.grandmother.pk}
    assert {t.owner for t in missed} == {grid_worker_a}


def test_before_the_cut_off_the_sweep_looks_at_yesterday(family, today):
    _backdate(family, today - datetime.timedelta(days=1))

    services.missed_checkins_open(now=_local(today, 10))

    yesterday = (today - datetime.timedelta(days=1)).isoformat()
    keys = set(Task.objects.filter(kind="resident_checkin_missed").values_list("dedupe_key", flat=True))
    assert keys and all(key.endswith(yesterday) for key in keys)


def test_the_next_day_opens_a_new_task(family, today):
    _backdate(family, today - datetime.timedelta(days=1))
    services.missed_checkins_open(now=_local(today - datetime.timedelta(days=1), 21))
    services.missed_checkins_open(now=_local(today, 21))

    per_person = Task.objects.filter(kind="resident_checkin_missed", person=family.spouse).count()
    assert per_person == 2


def test_someone_put_under_control_after_the_cut_off_is_not_missed_that_day(family, today):
    from fangkong.people.models import Person

    Person.objects.filter(household=family.household).update(status_since=_local(today, 20, 30))

    assert services.missed_checkins_open(now=_local(today, 21)) == 0


def test_the_job_runs_the_sweep(family, today, settings):
    _backdate(family, today)
    settings.RESIDENT_CHECKIN_CUTOFF = "00:00"

    assert jobs.sweep_missed_checkins() == 4
    assert jobs.sweep_missed_checkins() == 0
