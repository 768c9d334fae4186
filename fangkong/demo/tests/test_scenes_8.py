"""The demo's supervision and supplies scenes, on the tiny city: the loops a user opens first are there."""

from types import SimpleNamespace

import pytest
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.core.paths import subtree_q
from fangkong.demo.supervision_scene import seed_supervision, wipe_supervision
from fangkong.demo.supplies_scene import seed_supplies, wipe_supplies
from fangkong.supervision.models import Assignment, Finding, Inspection, Rectification
from fangkong.supplies.models import Balance, Donation, Movement, Need, Place, SupplyRequest
from fangkong.supplies.stock.selectors import stock_rows
from fangkong.tasks.models import Task
from fangkong.territory.models import Unit


@pytest.fixture
def scenes(demo, db):
    district = Unit.objects.filter(parent=demo.city).order_by("pk").first()
    # The build seeded both scenes already; wipe and seed them again to hold on to what the seeds return.
    units = Unit.objects.filter(subtree_q("path", demo.city.path)).values("id")
    wipe_supervision(units=units)
    wipe_supplies(units=units)
    supervision = seed_supervision(city=demo.city, district=district, seed=2020)
    supplies = seed_supplies(city=demo.city, district=district, seed=2020)
    return SimpleNamespace(city=demo.city, district=district, supervision=supervision, supplies=supplies)


def _counts():
    return {model.__name__: model.objects.count() for model in (
        Inspection, Finding, Assignment, Rectification, Task, Place, Movement, Balance, SupplyRequest, Donation,
        Need)}


def test_open_overdue_and_closed_assignments(scenes):
    assert scenes.supervision["created"]
    now = timezone.now()
    open_one = Assignment.objects.get(number=scenes.supervision["open"])
    assert open_one.status == Assignment.Status.OPEN and open_one.due_at > now
    assert timezone.localdate(open_one.due_at) == timezone.localdate() + timezone.timedelta(days=1)
    overdue = Assignment.objects.get(number=scenes.supervision["overdue"])
    assert overdue.status == Assignment.Status.OPEN and overdue.due_at < now
    assert Task.objects.overdue(now).filter(pk=overdue.task_id).exists()
    closed = Assignment.objects.get(number=scenes.supervision["closed"])
    assert closed.status == Assignment.Status.CLOSED and closed.verification_note
    assert closed.rectifications.get().verdict == Rectification.Verdict.ACCEPTED
    assert Inspection.objects.filter(kind=Inspection.Kind.UNANNOUNCED,
                                     day=timezone.localdate() - timezone.timedelta(days=1)).exists()
    # Handed over to the person the responsibility map names for each site.
    assert all(a.responsible_name for a in (open_one, closed, overdue))


def test_the_checkpoint_runs_low_and_has_asked_for_more(scenes):
    hq = User.objects.get(username="hq")
    low = stock_rows(user=hq, only_low=True)
    assert [(r.place.kind, r.item.name) for r in low] == [("checkpoint", "N95口罩")]
    assert low[0].days_of_cover < 3
    covered = [r for r in stock_rows(user=hq) if r.days_of_cover is not None]
    assert len(covered) > 10
    request = SupplyRequest.objects.get(pk=scenes.supplies["request"])
    assert request.status == SupplyRequest.Status.SUBMITTED and request.place.kind == "checkpoint"
    assert set(Donation.objects.values_list("kind", flat=True)) == {"goods", "money"}
    assert Donation.objects.get(kind="money").allocations.exists()


def test_the_urgent_need_has_a_task_and_the_round_is_partly_confirmed(scenes):
    urgent = Need.objects.get(pk=scenes.supplies["urgent_need"])
    assert urgent.urgent and urgent.kind == "medicine" and urgent.control == "home_isolation"
    assert urgent.task is not None and urgent.task.is_open and urgent.task.owner is not None
    daily = Need.objects.filter(urgent=False)
    assert daily.count() == 2
    assert sorted(daily.values_list("status", flat=True)) == [Need.Status.MET, Need.Status.OUT]


def test_seeding_twice_adds_nothing(scenes):
    before = _counts()
    assert not seed_supervision(city=scenes.city, district=scenes.district, seed=2020)["created"]
    assert not seed_supplies(city=scenes.city, district=scenes.district, seed=2020)["created"]
    assert _counts() == before


def test_the_other_district_sees_none_of_it(scenes):
    officer2 = User.objects.get(username="officer2")
    assert not Assignment.objects.visible_to(officer2, "view").exists()
    assert not Place.objects.visible_to(officer2, "view").exists()
    assert not Need.objects.visible_to(officer2, "view").exists()
    assert stock_rows(user=officer2) == []


def test_the_wipes_leave_nothing_under_the_city(scenes):
    units = Unit.objects.filter(subtree_q("path", scenes.city.path)).values("id")
    wipe_supervision(units=units)
    wipe_supplies(units=units)
    assert not Inspection.objects.filter(unit_id__in=units).exists()
    assert not Finding.objects.exists() and not Assignment.objects.exists()
    assert not Place.objects.exists() and not Movement.objects.exists() and not Balance.objects.exists()
    assert not Donation.objects.exists() and not Need.objects.exists()
