"""The stock pages as people use them: stock by place with days of cover, the movement form's messages, the ledger's
pages, and a request from a checkpoint through approval, issue and receipt; out of scope looks like missing."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from fangkong.supplies.models import Movement, SupplyRequest
from fangkong.supplies.tests.test_stock import (  # noqa: F401
    disinfectant,
    masks,
    point_a,
    point_b,
    receive,
    stock,
    supplies_officer,
    warehouse,
)

pytestmark = pytest.mark.django_db


def test_a_checkpoint_sees_its_own_stock_and_not_another_districts(client, checkpoint_a, point_a, point_b, masks):  # noqa: F811
    receive(point_a, masks, "40")
    receive(point_b, masks, "70")
    client.force_login(checkpoint_a)
    page = client.get(reverse("supplies:stock_index")).content.decode()
    assert 'data-place="CK-A1"' in page and 'data-place="CK-B1"' not in page
    assert client.get(reverse("supplies:stock_place", args=[point_b.pk])).status_code == 404
    assert client.get(reverse("supplies:stock_ledger", args=[point_b.pk])).status_code == 404
    # Seeing is not moving: a checkpoint asks, the supplies office keeps the ledger.
    assert client.get(reverse("supplies:stock_move", args=[point_a.pk])).status_code == 404


def test_the_movement_form_says_what_is_wrong_and_writes_nothing(client, supplies_officer, warehouse, masks):  # noqa: F811
    client.force_login(supplies_officer)
    url = reverse("supplies:stock_move", args=[warehouse.pk])
    response = client.post(url, {"kind": "receipt", "item": masks.pk, "quantity": "-5"})
    assert response.status_code == 422 and "The quantity must be more than zero." in response.content.decode()
    response = client.post(url, {"kind": "receipt", "item": 987654, "quantity": "5"})
    assert response.status_code == 422 and "Unknown item." in response.content.decode()
    response = client.post(url, {"kind": "transfer_out", "item": masks.pk, "quantity": "5",
                                 "counterpart": warehouse.pk})
    assert response.status_code == 422
    response = client.post(url, {"kind": "issue", "item": masks.pk, "quantity": "5"})
    assert response.status_code == 422 and "holds 0" in response.content.decode()
    assert not Movement.objects.exists()
    response = client.post(url, {"kind": "receipt", "item": masks.pk, "quantity": "2000", "source": "华德冶铸"})
    assert response.status_code == 302
    assert stock(warehouse, masks) == Decimal("2000")


def test_the_ledger_pages_by_keyset(client, supplies_officer, warehouse, masks):  # noqa: F811
    for _n in range(55):
        receive(warehouse, masks, "1")
    client.force_login(supplies_officer)
    first = client.get(reverse("supplies:stock_ledger", args=[warehouse.pk]))
    assert first.context["page"].has_next and len(first.context["page"].items) == 50
    after = first.context["page"].next_after
    second = client.get(reverse("supplies:stock_ledger", args=[warehouse.pk]) + f"?after={after}")
    assert len(second.context["page"].items) == 5


def test_a_request_from_the_checkpoint_to_its_receipt(client, checkpoint_a, officer_a, officer_b, supplies_officer,  # noqa: F811
                                                      point_a, warehouse, masks):  # noqa: F811
    receive(warehouse, masks, "1000")
    client.force_login(checkpoint_a)
    response = client.post(reverse("supplies:request_new"), {"place": point_a.pk, "item_0": masks.pk,
                                                             "quantity_0": "-1", "reason": "夜班"})
    assert response.status_code == 422 and "Line 1" in response.content.decode()
    response = client.post(reverse("supplies:request_new"), {"place": point_a.pk, "item_0": masks.pk,
                                                             "quantity_0": "500", "reason": "夜班人员增加"})
    assert response.status_code == 302
    asked = SupplyRequest.objects.get()
    line = asked.lines.get()

    client.force_login(officer_b)
    assert client.get(reverse("supplies:request_detail", args=[asked.pk])).status_code == 404
    assert client.post(reverse("supplies:request_decide", args=[asked.pk]),
                       {f"decide-approved_{line.pk}": "500"}).status_code == 404

    client.force_login(officer_a)
    page = client.get(reverse("supplies:request_detail", args=[asked.pk])).content.decode()
    assert 'id="decide-form"' in page
    response = client.post(reverse("supplies:request_decide", args=[asked.pk]), {f"decide-approved_{line.pk}": "300"})
    assert response.status_code == 302

    client.force_login(supplies_officer)
    page = client.get(reverse("supplies:request_detail", args=[asked.pk])).content.decode()
    assert 'id="issue-form"' in page and 'id="warehouse-stock"' in page
    response = client.post(reverse("supplies:request_issue", args=[asked.pk]), {
        "issue-warehouse": warehouse.pk, f"issue-issued_{line.pk}": "300"})
    assert response.status_code == 302
    assert stock(warehouse, masks) == 700

    client.force_login(checkpoint_a)
    assert 'id="receive-form"' in client.get(reverse("supplies:request_detail", args=[asked.pk])).content.decode()
    response = client.post(reverse("supplies:request_receive", args=[asked.pk]), {
        f"receive-received_{line.pk}": "290"})
    assert response.status_code == 422 and "say what is missing" in response.content.decode()
    response = client.post(reverse("supplies:request_receive", args=[asked.pk]), {
        f"receive-received_{line.pk}": "290", "receive-note": "破损一箱10只"})
    assert response.status_code == 302
    assert stock(point_a, masks) == 290
    asked.refresh_from_db()
    assert asked.status == "received"
    page = client.get(reverse("supplies:request_list") + "?status=all").content.decode()
    assert f'data-request="{asked.pk}" data-status="received"' in page


def test_the_low_stock_page_and_the_catalogue(client, hq, checkpoint_a, point_a, masks):  # noqa: F811
    from fangkong.supplies.stock import services

    receive(point_a, masks, "10")
    services.movement_record(place=point_a, item=masks, kind="consumption", quantity="9", actor=None)
    client.force_login(checkpoint_a)
    page = client.get(reverse("supplies:stock_low")).content.decode()
    assert 'data-item="N95"' in page and 'data-cover="0.8"' in page
    assert client.post(reverse("supplies:stock_items"), {"code": "KIT", "name": "x", "category": "testing",
                                                         "unit": "test"}).status_code == 404
    client.force_login(hq)
    response = client.post(reverse("supplies:stock_items"), {"code": "KIT", "name": "核酸检测试剂",
                                                             "category": "testing", "unit": "test"})
    assert response.status_code == 302
    response = client.post(reverse("supplies:stock_items"), {"code": "KIT", "name": "又一个", "category": "testing",
                                                             "unit": "test"})
    assert response.status_code == 422 and "already exists" in response.content.decode()


def test_every_page_opens_for_the_supplies_office_and_the_hq(client, hq, supplies_officer, warehouse, point_a,  # noqa: F811
                                                             masks, city):  # noqa: F811
    from fangkong.supplies.stock import donations, services

    receive(warehouse, masks, "50")
    asked = services.request_submit(place=point_a, lines=[(masks, "5")], reason="补充", actor=None)
    gift = donations.donation_record(donor_kind="company", donor_name="恒东装饰城", kind="goods", item=masks,
                                     quantity="10", warehouse=warehouse, received_on=datetime.date(2026, 2, 2),
                                     actor=None)
    cash = donations.donation_record(donor_kind="anonymous", donor_name="", kind="money", amount="5000",
                                     unit=city.city, received_on=datetime.date(2026, 2, 2), actor=None)
    pages = ["stock_index", "stock_low", "stock_items", "stock_place_new", "request_list", "request_new",
             "donation_list", "donation_new", "donation_disclosure"]
    for user in (hq, supplies_officer):
        client.force_login(user)
        for name in pages:
            response = client.get(reverse(f"supplies:{name}"))
            # Opening places takes supplies.manage (the HQ's; the supplies office's once accounts.roles grants it).
            assert response.status_code == (404 if name == "stock_place_new" and not services.may_add_places(user)
                                             else 200), name
        for name, args in [("stock_place", [warehouse.pk]), ("stock_ledger", [warehouse.pk]),
                           ("request_detail", [asked.pk]), ("donation_detail", [gift.pk]),
                           ("donation_detail", [cash.pk])]:
            assert client.get(reverse(f"supplies:{name}", args=args)).status_code == 200, name
    assert client.get(reverse("supplies:stock_move", args=[warehouse.pk])).status_code == 200
