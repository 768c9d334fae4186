"""Living support: needs of controlled households, unified purchase, door-to-door delivery, the household's link."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from conftest import make_user
from fangkong.accounts.roles import Role
from fangkong.people.models import Household, ManagementStatus, Person
from fangkong.people.search import name_keys, reversed_key
from fangkong.risk.models import RiskArea, RiskLevel
from fangkong.supplies.living import figures, review, selectors, services
from fangkong.supplies.models.living import DeliveryRound, DeliveryStop, HouseholdLink, Need, PurchaseBatch
from fangkong.tasks.models import Task
from fangkong.tasks.services import escalate_overdue
from fangkong.territory.models import Responsibility

pytestmark = pytest.mark.django_db


def make_household(building, number: str, name: str, status=ManagementStatus.HOME_ISOLATION, phone="13800138000"):
    household = Household.objects.create(unit=building, number=number, address=f"{building.name}{number}室")
    keys = name_keys(name)
    id_number = f"630801198001{int(number):04d}11"
    Person.objects.create(name=name, name_simplified=keys.simplified, name_pinyin=keys.pinyin,
                          name_initials=keys.initials, id_number=id_number, id_number_rev=reversed_key(id_number),
                          household=household, unit=building, status=status, phone=phone)
    return household


@pytest.fixture
def home_a(city, grid_worker_a):
    Responsibility.objects.create(unit=city.a.grid, role=Responsibility.Role.GRID_WORKER, user=grid_worker_a,
                                  name="grid_a")
    return make_household(city.a.building, "101", "张三丰")


@pytest.fixture
def home_a2(city):
    return make_household(city.a.building, "102", "李四")


@pytest.fixture
def home_b(city):
    return make_household(city.b.building, "101", "王五")


@pytest.fixture
def free_a(city):
    return make_household(city.a.building, "201", "赵六", status=ManagementStatus.NORMAL)


@pytest.fixture
def supplies_a(city):
    return make_user("supplies_a", Role.SUPPLIES, city.a.district)


@pytest.fixture
def supplies_b(city):
    return make_user("supplies_b", Role.SUPPLIES, city.b.district)


def rice(qty="10"):
    return [("大米", qty, "斤")]


def record(household, actor, kind="daily", items=None, **extra):
    return services.need_record(household=household, kind=kind, items=rice() if items is None else items,
                                actor=actor, **extra)


def need_post(**extra):
    data = {"kind": "daily", "care": "", "prescription_note": "", "note": "", "contact_name": "", "contact_phone": ""}
    data.update(extra)
    return data


# --- recording needs ---------------------------------------------------------------------------------------------


def test_grid_worker_records_an_urgent_medicine_need_with_a_short_task(client, home_a, grid_worker_a):
    client.force_login(grid_worker_a)
    response = client.post(reverse("supplies:living_need_new", args=[home_a.pk]), need_post(
        kind="medicine", item_name_0="二甲双胍", item_qty_0="2", item_measure_0="盒",
        prescription_note="每日两次，社区医院处方"))
    need = Need.objects.get()
    assert response.status_code == 302 and response.url == reverse("supplies:living_need", args=[need.pk])
    assert need.urgent and need.control == services.HOME_ISOLATION and need.contact_name == "张三丰"
    task = need.task
    assert task.kind == "living_urgent_need" and task.owner == grid_worker_a and task.household == home_a
    assert task.priority == Task.Priority.URGENT
    assert datetime.timedelta(hours=3, minutes=50) < task.due_at - need.created_at <= datetime.timedelta(hours=4)
    assert [(i.name, i.quantity) for i in need.items.all()] == [("二甲双胍", Decimal("2.00"))]


def test_special_care_is_urgent_and_daily_necessities_wait_for_the_purchase(home_a, grid_worker_a):
    care = record(home_a, grid_worker_a, kind="special_care", items=[], care="dialysis", note="周三透析，需接送")
    daily = record(home_a, grid_worker_a)
    assert care.urgent and care.task.kind == "living_urgent_need"
    assert not daily.urgent and daily.task.kind == "living_need"
    assert daily.due_at - daily.created_at == datetime.timedelta(hours=48)


def test_a_household_in_a_sealed_area_may_ask(city, grid_worker_a):
    household = make_household(city.a.building, "301", "钱七", status=ManagementStatus.NORMAL)
    now = timezone.now()
    RiskArea.objects.create(unit=city.a.community, name="东一社区", match_code="630801001001", level=RiskLevel.HIGH,
                            declared_at=now, level_since=now)
    need = record(household, grid_worker_a)
    assert need.control == services.SEALED_AREA
    assert household in selectors.controlled_households(user=grid_worker_a)


def test_grid_worker_of_another_grid_gets_404(client, home_b, grid_worker_a):
    client.force_login(grid_worker_a)
    url = reverse("supplies:living_need_new", args=[home_b.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, need_post(item_name_0="大米", item_qty_0="5")).status_code == 404
    assert client.get(reverse("supplies:living_household", args=[home_b.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        record(home_b, grid_worker_a)
    assert not Need.objects.exists()


def test_a_household_not_under_control_is_refused_with_a_message(client, free_a, grid_worker_a):
    client.force_login(grid_worker_a)
    response = client.post(reverse("supplies:living_need_new", args=[free_a.pk]),
                           need_post(item_name_0="大米", item_qty_0="5"))
    assert response.status_code == 422
    assert "not under home isolation or in a sealed area" in response.content.decode()
    assert not Need.objects.exists() and not Task.objects.exists()


@pytest.mark.parametrize("post, message", [
    ({}, "List at least one item with its quantity."),
    ({"item_name_0": "大米", "item_qty_0": "0"}, "The quantity of 大米 must be more than zero."),
    ({"item_name_0": "大米", "item_qty_0": "-3"}, "The quantity of 大米 must be more than zero."),
    ({"item_name_0": "", "item_qty_0": "3"}, "Name every item you give a quantity for."),
    ({"item_name_0": "大米"}, "Give a quantity for 大米."),
    ({"kind": "special_care", "care": ""}, "Choose the kind of care."),
])
def test_bad_needs_are_refused_and_nothing_is_saved(client, home_a, grid_worker_a, post, message):
    client.force_login(grid_worker_a)
    response = client.post(reverse("supplies:living_need_new", args=[home_a.pk]), need_post(**post))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Need.objects.exists() and not Task.objects.exists()


def test_grid_worker_lists_only_their_own_households_needs(home_a, home_b, grid_worker_a, grid_worker_b, city):
    mine = record(home_a, grid_worker_a)
    record(home_b, grid_worker_b)
    assert list(selectors.needs_for(user=grid_worker_a)) == [mine]
    officer = make_user("officer_a2", Role.OFFICER, city.a.district)
    assert list(selectors.needs_for(user=officer)) == [mine]


def test_names_and_phones_are_masked_for_anyone_but_the_grid_worker(client, home_a, grid_worker_a, officer_a):
    record(home_a, grid_worker_a)
    client.force_login(officer_a)
    page = client.get(reverse("supplies:living_needs")).content.decode()
    assert "张**" in page and "张三丰" not in page and "13800138000" not in page
    client.force_login(grid_worker_a)
    page = client.get(reverse("supplies:living_needs")).content.decode()
    assert "张三丰" in page and "13800138000" in page


# --- unified purchase and delivery ----------------------------------------------------------------------------------


def test_a_batch_takes_open_non_urgent_needs_under_the_node_and_sums_the_items(
        home_a, home_a2, home_b, grid_worker_a, grid_worker_b, supplies_a, city):
    record(home_a, grid_worker_a, items=[("大米", "10", "斤"), ("食用油", "1", "桶")])
    record(home_a2, grid_worker_a, items=[("大米 ", "5", "斤"), ("鸡蛋", "30", "个")])
    urgent = record(home_a2, grid_worker_a, kind="medicine", items=[("布洛芬", "1", "盒")])
    other_district = record(home_b, grid_worker_b)
    cut_off = timezone.now()
    later = record(home_a, grid_worker_a, items=[("面条", "2", "斤")])
    Need.objects.filter(pk=later.pk).update(created_at=cut_off + datetime.timedelta(minutes=5))

    batch = services.batch_create(unit=city.a.community, cut_off=cut_off, actor=supplies_a)
    lines = {(line.name, line.measure): (line.quantity, line.households)
             for line in selectors.purchase_list(batch=batch)}
    assert lines == {("大米", "斤"): (Decimal("15"), 2), ("食用油", "桶"): (Decimal("1"), 1),
                     ("鸡蛋", "个"): (Decimal("30"), 1)}
    for need in (urgent, other_district, later):
        need.refresh_from_db()
        assert need.batch_id is None and need.status == Need.Status.OPEN
    with pytest.raises(ValidationError, match="No open needs"):
        services.batch_create(unit=city.a.community, cut_off=cut_off, actor=supplies_a)


def test_a_batch_outside_the_supplies_officers_district_is_refused(home_b, grid_worker_b, supplies_a, city):
    record(home_b, grid_worker_b)
    with pytest.raises(PermissionDenied):
        services.batch_create(unit=city.b.community, cut_off=timezone.now(), actor=supplies_a)


def test_delivery_is_confirmed_per_household_by_the_delivery_team_only(
        client, home_a, home_a2, grid_worker_a, supplies_a, supplies_b, city):
    first = record(home_a, grid_worker_a)
    second = record(home_a2, grid_worker_a)
    batch = services.batch_create(unit=city.a.district, cut_off=timezone.now(), actor=supplies_a)
    delivery = services.round_create_for_batch(batch=batch, actor=supplies_a)
    stops = list(delivery.stops.all())
    assert [s.household for s in stops] == [home_a, home_a2]

    url = reverse("supplies:living_stop_confirm", args=[delivery.pk, stops[0].pk])
    client.force_login(supplies_b)
    assert client.post(url, {"handover": "door"}).status_code == 404
    client.force_login(grid_worker_a)
    assert client.post(url, {"handover": "door"}).status_code == 404
    stops[0].refresh_from_db()
    assert stops[0].status == DeliveryStop.Status.PENDING

    client.force_login(supplies_a)
    page = client.get(reverse("supplies:living_round", args=[delivery.pk])).content.decode()
    assert "张三丰" in page  # the team sees who to call
    assert client.post(url, {"handover": "door", "note": "已放门口"}).status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Need.Status.MET and first.task.status == Task.Status.DONE
    assert first.task.outcome == "delivered"
    assert second.status == Need.Status.OUT
    delivery.refresh_from_db()
    assert delivery.status == DeliveryRound.Status.OUT

    with pytest.raises(ValidationError):
        services.stop_confirm(stop=stops[0], actor=supplies_a)
    services.stop_confirm(stop=stops[1], actor=supplies_a)
    delivery.refresh_from_db()
    batch.refresh_from_db()
    assert delivery.status == DeliveryRound.Status.DONE and batch.status == PurchaseBatch.Status.DONE


def test_a_round_naming_a_team_is_confirmed_by_that_team(home_a, grid_worker_a, supplies_a, city):
    other = make_user("supplies_a2", Role.SUPPLIES, city.a.district)
    need = record(home_a, grid_worker_a, kind="medicine", items=[("胰岛素", "1", "支")])
    delivery = services.round_create_for_need(need=need, members=[other], actor=supplies_a)
    stop = delivery.stops.get()
    with pytest.raises(PermissionDenied):
        services.stop_confirm(stop=stop, actor=supplies_a)
    services.stop_confirm(stop=stop, actor=other)
    need.refresh_from_db()
    assert need.status == Need.Status.MET


def test_closing_the_task_from_the_inbox_meets_the_need(home_a, grid_worker_a):
    from fangkong.tasks.services import task_complete

    need = record(home_a, grid_worker_a, kind="medicine", items=[("布洛芬", "1", "盒")])
    task_complete(task=need.task, outcome="delivered", actor=grid_worker_a)
    need.refresh_from_db()
    assert need.status == Need.Status.MET


# --- escalation, review, figures --------------------------------------------------------------------------------------


def test_an_unmet_urgent_need_escalates_and_shows_in_the_review(home_a, grid_worker_a, city):
    need = record(home_a, grid_worker_a, kind="medicine", items=[("布洛芬", "1", "盒")])
    later = timezone.now() + datetime.timedelta(hours=6)
    assert escalate_overdue(now=later) >= 1
    need.task.refresh_from_db()
    assert need.task.escalation_level == 1 and need.task.escalated_to == city.a.building.parent

    problems = review.unmet_needs(node=city.a.district, day=later.date(), now=later)
    assert [p.source_key for p in problems] == [f"living_need:{need.pk}"]
    assert problems[0].owner_id == grid_worker_a.pk and problems[0].unit_id == home_a.unit_id
    assert review.unmet_needs(node=city.b.district, day=later.date(), now=later) == []
    assert review.unmet_needs(node=city.a.district, day=later.date(), now=timezone.now()) == []


def test_figures_count_open_overdue_and_delivered_today(home_a, home_a2, grid_worker_a, supplies_a):
    from fangkong.command.figures import Context

    record(home_a, grid_worker_a)
    urgent = record(home_a2, grid_worker_a, kind="medicine", items=[("布洛芬", "1", "盒")])
    delivery = services.round_create_for_need(need=urgent, actor=supplies_a)
    services.stop_confirm(stop=delivery.stops.get(), actor=supplies_a)
    now = timezone.now() + datetime.timedelta(hours=50)
    counts = figures.collect(Context(now=now, today=timezone.localdate()))
    assert counts[home_a.unit_id]["living.needs_open"] == 1
    assert counts[home_a.unit_id]["living.needs_overdue"] == 1
    assert counts[home_a.unit_id]["living.delivered_today"] == 1


# --- the household's own link -----------------------------------------------------------------------------------------


def test_wrong_token_is_404(client, home_a, grid_worker_a):
    services.household_link_get_or_create(household=home_a, actor=grid_worker_a)
    assert client.get(reverse("supplies:living_public", args=["not-a-token"])).status_code == 404


def test_the_household_states_a_need_on_its_link_without_logging_in(client, home_a, grid_worker_a):
    client.force_login(grid_worker_a)
    client.post(reverse("supplies:living_household_link", args=[home_a.pk]))
    link = HouseholdLink.objects.get(household=home_a)
    page = client.get(reverse("supplies:living_household", args=[home_a.pk])).content.decode()
    assert f"/supplies/h/{link.token}/" in page
    client.logout()
    url = reverse("supplies:living_public", args=[link.token])
    response = client.post(url, need_post(kind="medicine", item_name_0="降压药", item_qty_0="1", item_measure_0="盒"))
    assert response.status_code == 200 and 'id="need-done"' in response.content.decode()
    need = Need.objects.get()
    assert need.channel == Need.Channel.HOUSEHOLD and need.recorded_by is None and need.urgent
    assert need.task.owner == grid_worker_a


def test_a_household_no_longer_under_control_gets_a_message(client, home_a, grid_worker_a):
    link = services.household_link_get_or_create(household=home_a, actor=grid_worker_a)
    home_a.members.update(status=ManagementStatus.RELEASED)
    url = reverse("supplies:living_public", args=[link.token])
    assert 'id="not-controlled"' in client.get(url).content.decode()
    response = client.post(url, need_post(item_name_0="大米", item_qty_0="5"))
    assert 'id="not-controlled"' in response.content.decode()
    assert not Need.objects.exists()


@override_settings(SUPPLIES_NEEDS_PER_IP_HOUR=2)
def test_the_public_link_is_rate_limited(client, home_a, grid_worker_a):
    link = services.household_link_get_or_create(household=home_a, actor=grid_worker_a)
    url = reverse("supplies:living_public", args=[link.token])
    for _i in range(2):
        assert client.post(url, need_post(item_name_0="大米", item_qty_0="5")).status_code == 200
    response = client.post(url, need_post(item_name_0="大米", item_qty_0="5"))
    assert response.status_code == 429 and 'id="need-limited"' in response.content.decode()
    assert Need.objects.count() == 2


def test_the_household_confirms_receipt_on_its_link(client, home_a, grid_worker_a, supplies_a, home_b):
    link = services.household_link_get_or_create(household=home_a, actor=grid_worker_a)
    need = record(home_a, grid_worker_a, kind="medicine", items=[("布洛芬", "1", "盒")])
    stop = services.round_create_for_need(need=need, actor=supplies_a).stops.get()
    other_link = services.household_link_get_or_create(household=home_b, actor=None)
    assert client.post(reverse("supplies:living_public_confirm", args=[other_link.token, stop.pk])).status_code == 404
    response = client.post(reverse("supplies:living_public_confirm", args=[link.token, stop.pk]))
    assert response.status_code == 302
    need.refresh_from_db()
    stop.refresh_from_db()
    assert need.status == Need.Status.MET and stop.received_at is not None
    assert stop.status == DeliveryStop.Status.DELIVERED


def test_a_delivery_photo_that_is_not_an_image_is_refused(client, home_a, grid_worker_a, supplies_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    need = record(home_a, grid_worker_a, kind="medicine", items=[("布洛芬", "1", "盒")])
    delivery = services.round_create_for_need(need=need, actor=supplies_a)
    stop = delivery.stops.get()
    client.force_login(supplies_a)
    url = reverse("supplies:living_stop_confirm", args=[delivery.pk, stop.pk])
    response = client.post(url, {"handover": "door", "photo": SimpleUploadedFile("x.jpg", b"not an image")},
                           follow=True)
    assert "x.jpg is not an image" in response.content.decode()
    stop.refresh_from_db()
    need.refresh_from_db()
    assert stop.status == DeliveryStop.Status.PENDING and need.status == Need.Status.OUT
