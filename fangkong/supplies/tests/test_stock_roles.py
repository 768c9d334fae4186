"""Scope of the stock pages for every role: a district A user never reaches district B's places, balances,
movements, requests or donations, nor sees them in a list or the disclosure; a role without the capability is
refused. And the supplies office opens places under its own node (the catalogue stays the city's)."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from openpyxl import load_workbook

from conftest import make_user
from fangkong.accounts.roles import CAPABILITIES, Role
from fangkong.supplies.models import DonationAllocation, Item, Movement, Place, SupplyRequest
from fangkong.supplies.stock import donations, services
from fangkong.supplies.tests.test_stock import masks, point_a, point_b, receive  # noqa: F401

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 1, 30)
# Who sees stock: the offices, the HQ, the supplies office and every point of use (its own stock).
VIEWERS = {Role.HQ, Role.OFFICER, Role.CHECKPOINT, Role.ISOLATION, Role.SAMPLER, Role.SUPPLIES, Role.ADMIN}
# Who sees donations: those who record them (supplies.donate) or report on them (supplies.report).
DONATION_READERS = {Role.HQ, Role.OFFICER, Role.SUPPLIES, Role.ADMIN}


@pytest.fixture
def world(city, masks, point_a, point_b):  # noqa: F811
    warehouse_a = services.place_create(code="WH-A", name="东城区仓库", kind="warehouse", unit=city.a.district,
                                        actor=None)
    warehouse_b = services.place_create(code="WH-B", name="西城区仓库", kind="warehouse", unit=city.b.district,
                                        actor=None)
    for place in (warehouse_a, warehouse_b, point_a, point_b):
        receive(place, masks, "100")
    services.movement_record(place=point_b, item=masks, kind="consumption", quantity="95", actor=None)
    asked_a = services.request_submit(place=point_a, lines=[(masks, "5")], reason="东城补充", actor=None)
    asked_b = services.request_submit(place=point_b, lines=[(masks, "5")], reason="西城补充", actor=None)
    approved_b = services.request_submit(place=point_b, lines=[(masks, "6")], reason="西城补充", actor=None)
    services.request_decide(supply_request=approved_b, approved={}, actor=None)
    issued_b = services.request_submit(place=point_b, lines=[(masks, "7")], reason="西城补充", actor=None)
    services.request_decide(supply_request=issued_b, approved={}, actor=None)
    services.request_issue(supply_request=issued_b, warehouse=warehouse_b, actor=None)
    cash_a = donations.donation_record(donor_kind="company", donor_name="东城捐赠公司", kind="money", amount="1000",
                                       unit=city.a.district, received_on=DAY, actor=None)
    cash_b = donations.donation_record(donor_kind="company", donor_name="西城捐赠公司", kind="money", amount="2000",
                                       unit=city.b.district, received_on=DAY, actor=None)
    goods_b = donations.donation_record(donor_kind="company", donor_name="西城物资公司", kind="goods", item=masks,
                                        quantity="50", warehouse=warehouse_b, received_on=DAY, actor=None)
    return {"wa": warehouse_a, "wb": warehouse_b, "pa": point_a, "pb": point_b, "asked_a": asked_a,
            "asked_b": asked_b, "approved_b": approved_b, "issued_b": issued_b, "cash_a": cash_a, "cash_b": cash_b,
            "goods_b": goods_b}


def _user_a(city, role):
    return make_user(f"a_{role}", role, city.a.grid if role == Role.GRID_WORKER else city.a.district)


def _state():
    return (Movement.objects.count(), SupplyRequest.objects.count(),
            sorted(SupplyRequest.objects.values_list("pk", "status")), DonationAllocation.objects.count(),
            Place.objects.count())


def test_every_role_is_covered():
    assert set(CAPABILITIES) == set(Role)


@pytest.mark.parametrize("role", list(Role))
def test_stock_pages_keep_to_the_district_for_every_role(client, city, world, masks, role):  # noqa: F811
    w = world
    client.force_login(_user_a(city, role))
    before = _state()
    own = [reverse("supplies:stock_index"), reverse("supplies:stock_low"), reverse("supplies:stock_items"),
           reverse("supplies:stock_place", args=[w["pa"].pk]), reverse("supplies:stock_ledger", args=[w["pa"].pk]),
           reverse("supplies:request_list") + "?status=all",
           reverse("supplies:request_detail", args=[w["asked_a"].pk])]
    other = [reverse("supplies:stock_place", args=[w["pb"].pk]), reverse("supplies:stock_place", args=[w["wb"].pk]),
             reverse("supplies:stock_ledger", args=[w["pb"].pk]), reverse("supplies:stock_ledger", args=[w["wb"].pk]),
             reverse("supplies:stock_move", args=[w["wb"].pk]),
             reverse("supplies:request_detail", args=[w["asked_b"].pk]),
             reverse("supplies:request_detail", args=[w["issued_b"].pk])]
    for url in other:
        assert client.get(url).status_code == 404, (role, url)
    for url in own:
        response = client.get(url)
        if role not in VIEWERS:
            assert response.status_code == 404, (role, url)
            continue
        assert response.status_code == 200, (role, url)
        page = response.content.decode()
        for name in ("西城高速口检查站", "西城区仓库", "CK-B1", "WH-B", "西城补充"):
            assert name not in page, (role, url, name)
    if role in VIEWERS:
        index = client.get(reverse("supplies:stock_index")).content.decode()
        assert 'data-place="CK-A1"' in index
        listing = client.get(reverse("supplies:request_list") + "?status=all").content.decode()
        assert f'data-request="{w["asked_a"].pk}"' in listing
    # Writes on district B's objects look like missing pages and change nothing.
    line = lambda r: r.lines.get().pk  # noqa: E731
    posts = [
        (reverse("supplies:stock_move", args=[w["wb"].pk]), {"kind": "issue", "item": masks.pk, "quantity": "1"}),
        (reverse("supplies:stock_move", args=[w["pb"].pk]),
         {"kind": "loss", "item": masks.pk, "quantity": "1", "note": "破损"}),
        (reverse("supplies:request_decide", args=[w["asked_b"].pk]),
         {f"decide-approved_{line(w['asked_b'])}": "5"}),
        (reverse("supplies:request_issue", args=[w["approved_b"].pk]),
         {"issue-warehouse": w["wb"].pk, f"issue-issued_{line(w['approved_b'])}": "6"}),
        (reverse("supplies:request_receive", args=[w["issued_b"].pk]),
         {f"receive-received_{line(w['issued_b'])}": "7"}),
        (reverse("supplies:donation_allocate", args=[w["cash_b"].pk]),
         {"amount": "10", "purpose": "慰问", "recipient": "西街道", "allocated_on": "2026-01-31"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, (role, url)
    response = client.post(reverse("supplies:request_new"), {"place": w["pb"].pk, "reason": "x", "item_0": masks.pk,
                                                             "quantity_0": "1"})
    assert response.status_code in (404, 422), role
    assert _state() == before


@pytest.mark.parametrize("role", list(Role))
def test_donations_and_the_disclosure_keep_to_the_district_for_every_role(client, city, world, role):
    w = world
    client.force_login(_user_a(city, role))
    assert client.get(reverse("supplies:donation_detail", args=[w["cash_b"].pk])).status_code == 404
    assert client.get(reverse("supplies:donation_detail", args=[w["goods_b"].pk])).status_code == 404
    listing = client.get(reverse("supplies:donation_list"))
    detail = client.get(reverse("supplies:donation_detail", args=[w["cash_a"].pk]))
    workbook = client.get(reverse("supplies:donation_disclosure"),
                          {"start": "2026-01-01", "end": "2026-01-31", "format": "xlsx"})
    if role not in DONATION_READERS:
        for response in (listing, detail, workbook):
            assert response.status_code == 404, role
        return
    assert listing.status_code == 200 and detail.status_code == 200
    page = listing.content.decode()
    assert w["cash_a"].number in page and w["cash_b"].number not in page and w["goods_b"].number not in page
    assert workbook.status_code == 200
    book = load_workbook(io.BytesIO(workbook.content))
    cells = str([list(row) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)])
    assert "东城捐赠公司" in cells and "西城捐赠公司" not in cells and "西城物资公司" not in cells


# --- the supplies office's places and the catalogue -------------------------------------------------------------


@pytest.fixture
def manage_granted(monkeypatch):
    """supplies.manage for the supplies office, as accounts.roles is to grant it."""
    monkeypatch.setitem(CAPABILITIES, Role.SUPPLIES, CAPABILITIES[Role.SUPPLIES] | {"supplies.manage"})


def test_a_district_supplies_office_opens_places_under_its_node_only(client, city, manage_granted):
    office_a = make_user("office_a", Role.SUPPLIES, city.a.district)
    client.force_login(office_a)
    assert 'id="add-place"' in client.get(reverse("supplies:stock_index")).content.decode()
    form_page = client.get(reverse("supplies:stock_place_new"))
    assert form_page.status_code == 200
    offered = {pk for pk, _label in form_page.context["form"].fields["unit"].choices}
    assert city.a.street.pk in offered and city.b.district.pk not in offered and city.city.pk not in offered
    response = client.post(reverse("supplies:stock_place_new"), {"code": "WH-B9", "name": "西城仓库",
                                                                 "kind": "warehouse", "unit": city.b.district.pk})
    assert response.status_code == 422 and "Select a valid choice" in response.content.decode()
    with pytest.raises(PermissionDenied):
        services.place_create(code="WH-B9", name="西城仓库", kind="warehouse", unit=city.b.district, actor=office_a)
    assert not Place.objects.exists()
    response = client.post(reverse("supplies:stock_place_new"), {"code": "WH-A-E", "name": "东街道物资点",
                                                                 "kind": "warehouse", "unit": city.a.street.pk})
    assert response.status_code == 302
    assert Place.objects.get().unit == city.a.street
    # The catalogue is the city's: a district office does not add to it.
    assert 'id="item-form"' not in client.get(reverse("supplies:stock_items")).content.decode()
    assert client.post(reverse("supplies:stock_items"), {"code": "KIT", "name": "试剂", "category": "testing",
                                                         "unit": "test"}).status_code == 404
    with pytest.raises(PermissionDenied, match="city's supplies office"):
        services.item_create(code="KIT", name="试剂", category="testing", unit="test", actor=office_a)
    assert not Item.objects.exists()


def test_the_city_supplies_office_adds_items_and_places(client, city, manage_granted):
    office = make_user("office_city", Role.SUPPLIES, city.city)
    client.force_login(office)
    assert 'id="item-form"' in client.get(reverse("supplies:stock_items")).content.decode()
    response = client.post(reverse("supplies:stock_items"), {"code": "KIT", "name": "核酸检测试剂",
                                                             "category": "testing", "unit": "test"})
    assert response.status_code == 302 and Item.objects.get().code == "KIT"
    response = client.post(reverse("supplies:stock_place_new"), {"code": "WH-B1", "name": "西城区仓库",
                                                                 "kind": "warehouse", "unit": city.b.district.pk})
    assert response.status_code == 302 and Place.objects.get().unit == city.b.district


def test_roles_without_the_capability_add_neither(client, city):
    for role in (Role.OFFICER, Role.CHECKPOINT):
        client.force_login(make_user(f"n_{role}", role, city.a.district))
        assert client.get(reverse("supplies:stock_place_new")).status_code == 404
        assert client.post(reverse("supplies:stock_place_new"), {
            "code": "WH-X", "name": "x", "kind": "warehouse", "unit": city.a.district.pk}).status_code == 404
        assert client.post(reverse("supplies:stock_items"), {
            "code": "KIT", "name": "x", "category": "testing", "unit": "test"}).status_code == 404
    assert not Place.objects.exists() and not Item.objects.exists()
