"""Donations (捐款捐物): a donor is required (anonymous only when chosen), receipt numbers run per year, goods enter
the warehouse's ledger, money is passed on no further than it goes, and the public disclosure (PDF, Excel) masks
individuals who did not agree to be named."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from fangkong.supplies.models import Donation, Movement
from fangkong.supplies.stock import donations, services
from fangkong.supplies.tests.test_stock import (  # noqa: F401
    masks,
    point_a,
    stock,
    supplies_officer,
    warehouse,
)

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 1, 30)


def money(actor, city, **extra):
    values = {"donor_kind": "company", "donor_name": "飞翔集团", "kind": "money", "amount": "100000",
              "received_on": DAY, "unit": city.city, "actor": actor}
    values.update(extra)
    return donations.donation_record(**values)


def test_a_donation_without_a_donor_is_refused_and_anonymous_must_be_chosen(supplies_officer, city):  # noqa: F811
    with pytest.raises(ValidationError) as exc:
        money(supplies_officer, city, donor_kind="individual", donor_name="  ")
    assert "Enter the donor's name, or choose anonymous." in exc.value.messages
    with pytest.raises(ValidationError, match="Say who donated"):
        money(supplies_officer, city, donor_kind="", donor_name="")
    assert not Donation.objects.exists()
    anonymous = money(supplies_officer, city, donor_kind="anonymous", donor_name="")
    assert anonymous.donor_name == "" and not anonymous.named_publicly


def test_bad_amounts_are_refused(supplies_officer, city):  # noqa: F811
    for amount, message in [("-5", "more than zero"), ("0", "more than zero"), ("abc", "in yuan"),
                            ("1.001", "two decimals")]:
        with pytest.raises(ValidationError, match=message):
            money(supplies_officer, city, amount=amount)
    assert not Donation.objects.exists()


def test_receipt_numbers_run_per_year(supplies_officer, city):  # noqa: F811
    first = money(supplies_officer, city)
    second = money(supplies_officer, city, donor_name="恒东装饰城", amount="5000")
    next_year = money(supplies_officer, city, received_on=datetime.date(2027, 1, 2))
    assert [first.number, second.number, next_year.number] == ["捐〔2026〕0001", "捐〔2026〕0002", "捐〔2027〕0001"]


def test_donated_goods_are_a_receipt_in_the_warehouse_and_their_issues_say_where_they_went(
        client, supplies_officer, warehouse, point_a, masks):  # noqa: F811
    services.movement_record(place=warehouse, item=masks, kind="receipt", quantity="100", actor=None, source="采购")
    gift = donations.donation_record(donor_kind="company", donor_name="山西华德冶铸有限公司", kind="goods",
                                     item=masks, quantity="2000", warehouse=warehouse, received_on=DAY,
                                     actor=supplies_officer)
    assert stock(warehouse, masks) == Decimal("2100")
    assert gift.movement.kind == Movement.Kind.RECEIPT and gift.movement.source == "山西华德冶铸有限公司"
    services.movement_record(place=warehouse, item=masks, kind="issue", quantity="600", counterpart=point_a,
                             actor=supplies_officer)
    # The 100 bought earlier go first: 500 of the gift are passed on.
    assert donations.goods_passed_on([gift]) == {gift.pk: Decimal("500")}
    assert [m.counterpart for m in donations.goods_destinations(gift)] == [point_a]
    client.force_login(supplies_officer)
    page = client.get(reverse("supplies:donation_detail", args=[gift.pk])).content.decode()
    assert point_a.name in page and "500 passed on" in page
    assert gift.number in client.get(reverse("supplies:donation_list")).content.decode()


def test_money_is_passed_on_no_further_than_it_goes(supplies_officer, city):  # noqa: F811
    gift = money(supplies_officer, city, amount="51200")
    donations.allocation_record(donation=gift, amount="50000", purpose="购买防护服", recipient="市医药公司",
                                allocated_on=DAY, actor=supplies_officer)
    with pytest.raises(ValidationError, match="Only 1200.00 yuan"):
        donations.allocation_record(donation=gift, amount="1300", purpose="慰问一线", recipient="魏村镇",
                                    allocated_on=DAY, actor=supplies_officer)
    assert donations.allocated_of(gift) == Decimal("50000")


def test_the_donation_form_refuses_a_missing_donor_with_a_message(client, supplies_officer, city):  # noqa: F811
    client.force_login(supplies_officer)
    response = client.post(reverse("supplies:donation_new"), {
        "donor_kind": "individual", "donor_name": "", "kind": "money", "amount": "500", "unit": city.city.pk,
        "received_on": "2026-01-30"})
    assert response.status_code == 422
    assert "Enter the donor&#x27;s name, or choose anonymous." in response.content.decode()
    assert not Donation.objects.exists()
    response = client.post(reverse("supplies:donation_new"), {
        "donor_kind": "individual", "donor_name": "张三丰", "kind": "money", "amount": "500", "unit": city.city.pk,
        "received_on": "2026-01-30"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "捐〔2026〕0001" in page and 'id="public-name">张**<' in page


def test_an_officer_of_another_district_does_not_see_the_donations_of_district_a(client, officer_b, city,
                                                                                  supplies_officer):  # noqa: F811
    gift = money(supplies_officer, city, unit=city.a.district)
    client.force_login(officer_b)
    assert client.get(reverse("supplies:donation_detail", args=[gift.pk])).status_code == 404
    assert gift.number not in client.get(reverse("supplies:donation_list")).content.decode()


@pytest.fixture
def period(supplies_officer, city, warehouse, masks):  # noqa: F811
    money(supplies_officer, city, donor_kind="individual", donor_name="张三丰", amount="51200")
    money(supplies_officer, city, donor_kind="individual", donor_name="李四", amount="800", named_publicly=True)
    money(supplies_officer, city, donor_kind="anonymous", donor_name="", amount="300")
    gift = money(supplies_officer, city)
    donations.allocation_record(donation=gift, amount="60000", purpose="慰问一线防控人员", recipient="魏村镇",
                                allocated_on=DAY, actor=supplies_officer)
    donations.donation_record(donor_kind="company", donor_name="恒东装饰城", kind="goods", item=masks,
                              quantity="100", warehouse=warehouse, received_on=DAY, actor=supplies_officer)


def test_the_disclosure_pdf(client, hq, period):
    client.force_login(hq)
    response = client.get(reverse("supplies:donation_disclosure"),
                          {"start": "2026-01-01", "end": "2026-01-31", "format": "pdf"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_the_disclosure_workbook_masks_individuals_who_did_not_agree(client, hq, period):
    from openpyxl import load_workbook

    client.force_login(hq)
    response = client.get(reverse("supplies:donation_disclosure"),
                          {"start": "2026-01-01", "end": "2026-01-31", "format": "xlsx"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    donors = [row[2] for row in book.worksheets[0].iter_rows(min_row=4, values_only=True) if row and row[0]
              and str(row[0]).startswith("捐")]
    assert donors == ["张**", "李四", "Anonymous", "飞翔集团", "恒东装饰城"]
    assert "张三丰" not in str([list(r) for r in book.worksheets[0].iter_rows(values_only=True)])
    allocations = list(book.worksheets[1].iter_rows(min_row=2, values_only=True))
    assert allocations[0][2] == 60000 and allocations[0][3] == "慰问一线防控人员"


def test_the_disclosure_refuses_a_period_that_ends_before_it_starts(client, hq):
    client.force_login(hq)
    response = client.get(reverse("supplies:donation_disclosure"),
                          {"start": "2026-02-01", "end": "2026-01-01", "format": "pdf"})
    assert response.status_code == 422 and "ends before it starts" in response.content.decode()
