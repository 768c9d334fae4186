"""Disinfection: orders from new cases (once per case and place), manual orders, routine tasks, what a done task
used (issued from the stock ledger), scope, and the map's GeoJSON."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from fangkong.people.services import person_create
from fangkong.supplies.models import Balance, Movement
from fangkong.supplies.stock import services as stock
from fangkong.tasks.models import Task
from fangkong.tasks.services import task_complete
from fangkong.units.disinfection import jobs, selectors, services
from fangkong.units.models import DisinfectionOrder, DisinfectionRecord, DisinfectionSchedule
from fangkong.units.tests.conftest import make_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def case_a(city):
    from fangkong.tracing.services import case_open

    person = person_create(name="病例甲", id_number=make_id(801), unit=city.a.building, door="301",
                           address="东城区东街1号301", actor=None)
    return case_open(person=person, first_positive_at=timezone.now() - timedelta(hours=3), source="testing_round",
                     actor=None)


def _visit(case, name, **extra):
    from fangkong.tracing.services import visit_add

    return visit_add(case=case, actor=None, name=name, start=timezone.now() - timedelta(days=1), **extra)


@pytest.fixture
def stock_a(city):
    item = stock.item_create(code="DIS-84", name="84消毒液", category="disinfection", unit="bottle", actor=None)
    place = stock.place_create(code="XS-A", name="东城消杀队库房", kind="other", unit=city.a.street, actor=None)
    stock.movement_record(place=place, item=item, kind="receipt", quantity="10", source="采购", actor=None)
    return place, item


def test_a_new_case_gets_one_order_per_place_across_two_runs(city, case_a):
    # given a case with a home, a market visited twice and a shop
    _visit(case_a, "东城农贸市场", address="东城区市场路8号")
    _visit(case_a, "东城农贸市场", address="东城区市场路8号")
    _visit(case_a, "家", kind="home")
    # when the job runs twice, and once more after a new place
    assert jobs.order_for_new_cases() == 2
    assert jobs.order_for_new_cases() == 0
    _visit(case_a, "便民超市", place_code="SC-01")
    assert jobs.order_for_new_cases() == 1
    # then one order per place: the home at the building, the market and the shop at the case's node
    orders = list(DisinfectionOrder.objects.order_by("pk"))
    assert [o.source for o in orders] == ["case_home", "case_place", "case_place"]
    assert orders[0].unit == city.a.building and orders[0].address == "东城区东街1号301"
    assert {o.place_name for o in orders[1:]} == {"东城农贸市场", "便民超市"}
    # each with its terminal disinfection task due at the deadline
    for order in orders:
        assert order.task.kind == "disinfection_terminal" and order.task.due_at == order.deadline
    assert orders[0].deadline - orders[0].created_at <= timedelta(hours=24, minutes=1)


def test_a_reset_cursor_still_makes_no_second_order(case_a):
    from fangkong.units.models import DisinfectionCursor

    jobs.order_for_new_cases()
    DisinfectionCursor.objects.all().delete()
    assert jobs.order_for_new_cases() == 0
    assert DisinfectionOrder.objects.count() == 1


def test_manual_order_for_an_environment_sample(city, officer_a):
    order = services.order_create(unit=city.a.community, place_name="冷库3号", reason="环境样本阳性 11-30",
                                  actor=officer_a)
    assert order.source == "environment" and order.task.unit == city.a.community
    assert order.deadline > timezone.now() + timedelta(hours=23)


@pytest.mark.parametrize(("field", "over"), [
    ("place_name", {"place_name": " "}),
    ("reason", {"reason": ""}),
    ("source", {"source": "case_home"}),
    ("deadline", {"deadline": timezone.now() - timedelta(hours=1)}),
])
def test_bad_manual_order_writes_nothing(city, officer_a, field, over):
    data = {"unit": city.a.community, "place_name": "冷库", "reason": "环境样本阳性", **over}
    with pytest.raises(ValidationError) as exc:
        services.order_create(actor=officer_a, **data)
    assert field in exc.value.message_dict
    assert not DisinfectionOrder.objects.exists() and not Task.objects.exists()


def test_officer_b_cannot_order_or_see_district_a(city, officer_a, officer_b, client):
    with pytest.raises(PermissionDenied):
        services.order_create(unit=city.a.community, place_name="冷库", reason="阳性", actor=officer_b)
    order = services.order_create(unit=city.a.community, place_name="冷库", reason="阳性", actor=officer_a)
    assert not selectors.order_list(user=officer_b).exists()
    client.force_login(officer_b)
    assert client.get(reverse("units:disinfection_order",
                              kwargs={"disinfection_order_id": order.pk})).status_code == 404
    assert "冷库" not in client.get(reverse("units:disinfection_index")).content.decode()
    assert client.get(reverse("units:disinfection_map")).json()["features"] == []


def test_grid_worker_has_no_disinfection_pages(client, grid_worker_a):
    client.force_login(grid_worker_a)
    assert client.get(reverse("units:disinfection_index")).status_code == 404


def test_a_done_task_records_who_what_and_the_supply_issue(city, officer_a, stock_a):
    place, item = stock_a
    order = services.order_create(unit=city.a.community, place_name="冷库3号", reason="环境样本阳性",
                                  actor=officer_a)
    task_complete(task=order.task, outcome="disinfected", actor=officer_a,
                  data={"item_id": item.pk, "quantity": "2.5", "place_id": place.pk})
    record = DisinfectionRecord.objects.get()
    assert record.done_by == officer_a and record.item == item and record.quantity == Decimal("2.5")
    assert record.product == "84消毒液" and record.movement.kind == Movement.Kind.CONSUMPTION
    assert Balance.objects.get(place=place, item=item).quantity == Decimal("7.5")
    order.refresh_from_db()
    assert order.status == "done" and order.done_at is not None


def test_a_shortfall_refuses_the_whole_completion(city, officer_a, stock_a):
    place, item = stock_a
    order = services.order_create(unit=city.a.community, place_name="冷库3号", reason="阳性", actor=officer_a)
    with pytest.raises(ValidationError):
        task_complete(task=order.task, outcome="disinfected", actor=officer_a,
                      data={"item_id": item.pk, "quantity": "50", "place_id": place.pk})
    order.refresh_from_db()
    order.task.refresh_from_db()
    assert order.status == "open" and order.task.status == "open" and not DisinfectionRecord.objects.exists()
    assert Balance.objects.get(place=place, item=item).quantity == Decimal("10")


def test_disinfected_needs_a_product(city, officer_a):
    order = services.order_create(unit=city.a.community, place_name="冷库", reason="阳性", actor=officer_a)
    with pytest.raises(ValidationError) as exc:
        task_complete(task=order.task, outcome="disinfected", actor=officer_a, data={})
    assert "product" in exc.value.message_dict
    task_complete(task=order.task, outcome="disinfected", actor=officer_a,
                  data={"product": "过氧乙酸", "quantity": "1"})
    assert DisinfectionRecord.objects.get().product == "过氧乙酸"


def test_could_not_get_in_keeps_the_order_open_with_a_new_task(city, officer_a):
    order = services.order_create(unit=city.a.community, place_name="冷库", reason="阳性", actor=officer_a)
    first = order.task
    task_complete(task=first, outcome="not_accessible", note="锁门", actor=officer_a, data={})
    order.refresh_from_db()
    assert order.status == "open" and order.task != first and order.task.is_open


def test_the_task_page_form_records_the_issue(client, city, officer_a, stock_a):
    place, item = stock_a
    order = services.order_create(unit=city.a.community, place_name="冷库3号", reason="阳性", actor=officer_a)
    client.force_login(officer_a)
    done_url = reverse("units:disinfection_task_done", kwargs={"task_id": order.task.pk})
    assert done_url in client.get(reverse("units:disinfection_order",
                                          kwargs={"disinfection_order_id": order.pk})).content.decode()
    page = client.get(done_url).content.decode()
    assert "东城消杀队库房" in page and "84消毒液" in page
    bad = client.post(done_url, {"complete-outcome": "disinfected", "complete-item_id": item.pk,
                                 "complete-quantity": "99", "complete-place_id": place.pk})
    assert bad.status_code == 422 and "东城消杀队库房" in bad.content.decode()
    assert Balance.objects.get(place=place, item=item).quantity == Decimal("10")
    response = client.post(done_url, {
        "complete-outcome": "disinfected", "complete-item_id": item.pk, "complete-quantity": "3",
        "complete-place_id": place.pk})
    assert response.status_code == 302
    assert Balance.objects.get(place=place, item=item).quantity == Decimal("7")
    # the generic task page's form carries the same fields (its template shows only outcome and note)
    order2 = services.order_create(unit=city.a.community, place_name="冷库4号", reason="阳性", actor=officer_a)
    response = client.post(reverse("tasks:complete", kwargs={"task_id": order2.task.pk}), {
        "complete-outcome": "disinfected", "complete-item_id": item.pk, "complete-quantity": "1",
        "complete-place_id": place.pk})
    assert response.status_code == 302
    assert Balance.objects.get(place=place, item=item).quantity == Decimal("6")


def test_routine_schedule_opens_its_daily_tasks_once(city, officer_a):
    schedule = services.schedule_create(unit=city.a.community, place_name="东城农贸市场", times_per_day=3,
                                        starts_on=timezone.localdate(), actor=officer_a)
    assert jobs.dispatch_routine_disinfection() == 3
    assert jobs.dispatch_routine_disinfection() == 0
    tasks = list(Task.objects.filter(kind="disinfection_routine").order_by("due_at"))
    assert len(tasks) == 3 and {t.subject_id for t in tasks} == {schedule.pk}
    assert timezone.localtime(tasks[-1].due_at).hour == 20
    services.schedule_stop(schedule=schedule, actor=officer_a)
    assert services.routine_tasks_dispatch(day=timezone.localdate() + timedelta(days=1)) == 0


def test_bad_schedule_writes_nothing(city, officer_a, officer_b):
    with pytest.raises(ValidationError):
        services.schedule_create(unit=city.a.community, place_name="市场", times_per_day=0,
                                 starts_on=timezone.localdate(), actor=officer_a)
    with pytest.raises(PermissionDenied):
        services.schedule_create(unit=city.a.community, place_name="市场", times_per_day=2,
                                 starts_on=timezone.localdate(), actor=officer_b)
    assert not DisinfectionSchedule.objects.exists()


def test_schedule_page_adds_one(client, city, officer_a):
    client.force_login(officer_a)
    response = client.post(reverse("units:disinfection_schedule_add"), {
        "schedule-unit": city.a.community.pk, "schedule-place_name": "东城客运站", "schedule-times_per_day": "2",
        "schedule-starts_on": timezone.localdate().isoformat()})
    assert response.status_code == 302
    assert DisinfectionSchedule.objects.get().place_name == "东城客运站"


def test_map_geojson_places_open_orders_at_the_nodes_centre(client, city, officer_a):
    city.a.community.geometry = {"type": "Polygon", "coordinates": [[[100, 30], [102, 30], [102, 32], [100, 32],
                                                                     [100, 30]]]}
    city.a.community.save(update_fields=["geometry"])
    order = services.order_create(unit=city.a.building, place_name="1号楼", reason="阳性", actor=officer_a)
    client.force_login(officer_a)
    payload = client.get(reverse("units:disinfection_map")).json()
    assert payload["type"] == "FeatureCollection"
    feature = payload["features"][0]
    assert feature["properties"]["id"] == order.pk and feature["geometry"]["type"] == "Point"
    assert feature["geometry"]["coordinates"] == [pytest.approx(100.8), pytest.approx(30.8)]
