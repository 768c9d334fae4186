"""The stock ledger: it never goes below zero, bad input writes nothing, transfers come in pairs, two issues of the
last units cannot both succeed, days of cover, and requests from a point of use through approval to receipt."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from conftest import make_user
from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEntry
from fangkong.supplies.models import Balance, Movement, Place, SupplyRequest, ledger_rewrite
from fangkong.supplies.stock import selectors, services

pytestmark = pytest.mark.django_db


# --- fixtures (imported by the other stock and donation tests) -------------------------------------------------


@pytest.fixture
def supplies_officer(city):
    return make_user("supplies", Role.SUPPLIES, city.city, display_name="物资组")


@pytest.fixture
def masks(db):
    return services.item_create(code="N95", name="N95口罩", category="protective", unit="each", actor=None)


@pytest.fixture
def disinfectant(db):
    return services.item_create(code="84", name="84消毒液", category="disinfection", unit="bottle", actor=None)


@pytest.fixture
def warehouse(city):
    return services.place_create(code="WH-CITY", name="市物资储备库", kind=Place.Kind.WAREHOUSE, unit=city.city,
                                 actor=None)


@pytest.fixture
def point_a(city):
    from fangkong.arrivals.models import Checkpoint

    checkpoint = Checkpoint.objects.create(name="东城高速口", unit=city.a.district)
    return services.place_create(code="CK-A1", name="东城高速口检查站", kind=Place.Kind.CHECKPOINT,
                                 unit=city.a.district, actor=None, source_code=str(checkpoint.pk))


@pytest.fixture
def point_b(city):
    return services.place_create(code="CK-B1", name="西城高速口检查站", kind=Place.Kind.CHECKPOINT,
                                 unit=city.b.district, actor=None)


def stock(place, item) -> Decimal:
    return Balance.objects.filter(place=place, item=item).values_list("quantity", flat=True).first() or Decimal(0)


def receive(place, item, quantity, actor=None):
    return services.movement_record(place=place, item=item, kind="receipt", quantity=quantity, actor=actor,
                                    source="华德冶铸")


def test_a_place_names_only_a_checkpoint_site_or_sampling_point_that_exists(city, hq, officer_a):
    with pytest.raises(ValidationError, match="No isolation site has the code GL-X"):
        services.place_create(code="ISO-1", name="东城宾馆隔离点", kind=Place.Kind.ISOLATION_SITE, unit=city.a.district,
                              actor=hq, source_code="GL-X")
    with pytest.raises(PermissionDenied):
        services.place_create(code="WH-A", name="东城区仓库", kind=Place.Kind.WAREHOUSE, unit=city.a.district,
                              actor=officer_a)
    assert not Place.objects.exists()


# --- the ledger ------------------------------------------------------------------------------------------------


def test_receipts_and_issues_keep_the_balance_and_the_ledger_in_step(warehouse, point_a, masks, supplies_officer):
    receive(warehouse, masks, "2000", supplies_officer)
    services.movement_record(place=warehouse, item=masks, kind="issue", quantity="300", counterpart=point_a,
                             actor=supplies_officer)
    assert stock(warehouse, masks) == Decimal("1700")
    ledger = list(Movement.objects.filter(place=warehouse).order_by("pk").values_list("kind", "delta",
                                                                                       "balance_after"))
    assert ledger == [("receipt", Decimal("2000"), Decimal("2000")), ("issue", Decimal("-300"), Decimal("1700"))]
    assert AuditEntry.objects.filter(action="create", content_type__model="movement").count() == 2


def test_issuing_more_than_the_place_holds_is_refused_and_writes_nothing(warehouse, masks, supplies_officer):
    receive(warehouse, masks, "10", supplies_officer)
    before = Movement.objects.count()
    for kind in ("issue", "consumption", "transfer_out"):
        with pytest.raises(ValidationError) as exc:
            services.movement_record(place=warehouse, item=masks, kind=kind, quantity="11", actor=supplies_officer,
                                     counterpart=Place.objects.create(code=f"X-{kind}", name="x", kind="other",
                                                                      unit=warehouse.unit) if kind ==
                                     "transfer_out" else None)
        assert "holds 10" in " ".join(exc.value.messages)
    assert Movement.objects.count() == before
    assert stock(warehouse, masks) == Decimal("10")


def test_a_loss_needs_a_note_and_cannot_exceed_the_stock_a_stocktake_sets_the_count(warehouse, masks,
                                                                                     supplies_officer):
    receive(warehouse, masks, "10", supplies_officer)
    with pytest.raises(ValidationError, match="Say what was lost"):
        services.movement_record(place=warehouse, item=masks, kind="loss", quantity="2", actor=supplies_officer)
    with pytest.raises(ValidationError, match="stock never goes below zero"):
        services.movement_record(place=warehouse, item=masks, kind="loss", quantity="12", note="受潮",
                                 actor=supplies_officer)
    services.movement_record(place=warehouse, item=masks, kind="loss", quantity="2", note="受潮",
                             actor=supplies_officer)
    services.movement_record(place=warehouse, item=masks, kind="adjustment", quantity="", counted="5",
                             note="月末盘点", actor=supplies_officer)
    assert stock(warehouse, masks) == Decimal("5")
    assert Movement.objects.filter(kind="adjustment").get().delta == Decimal("-3")
    with pytest.raises(ValidationError, match="more than zero|number"):
        services.movement_record(place=warehouse, item=masks, kind="adjustment", counted="-1", note="x",
                                 quantity="", actor=supplies_officer)


@pytest.mark.parametrize("quantity, message", [("-5", "more than zero"), ("0", "more than zero"),
                                                ("abc", "as a number"), ("1.234", "two decimals")])
def test_bad_quantities_are_refused_with_a_clear_message(warehouse, masks, supplies_officer, quantity, message):
    with pytest.raises(ValidationError, match=message):
        receive(warehouse, masks, quantity, supplies_officer)
    assert not Movement.objects.exists()


def test_an_unknown_item_and_a_transfer_to_the_same_place_are_refused(warehouse, masks, supplies_officer):
    with pytest.raises(ValidationError, match="Unknown item"):
        receive(warehouse, 999999, "1", supplies_officer)
    receive(warehouse, masks, "5", supplies_officer)
    with pytest.raises(ValidationError, match="another place"):
        services.movement_record(place=warehouse, item=masks, kind="transfer_out", quantity="1",
                                 counterpart=warehouse, actor=supplies_officer)
    assert Movement.objects.count() == 1


def test_a_transfer_is_one_pair_out_and_in(warehouse, point_a, masks, supplies_officer):
    receive(warehouse, masks, "100", supplies_officer)
    out, into = services.movement_record(place=warehouse, item=masks, kind="transfer_out", quantity="40",
                                         counterpart=point_a, actor=supplies_officer)
    out.refresh_from_db()
    into.refresh_from_db()
    assert (out.kind, out.delta, into.kind, into.delta) == ("transfer_out", Decimal("-40"), "transfer_in",
                                                            Decimal("40"))
    assert out.pair_id == into.pk and into.pair_id == out.pk
    assert stock(warehouse, masks) == 60 and stock(point_a, masks) == 40


def test_moving_stock_outside_ones_jurisdiction_is_refused(point_b, masks, officer_a, city):
    district_supplies = make_user("supplies_a", Role.SUPPLIES, city.a.district)
    with pytest.raises(PermissionDenied):
        receive(point_b, masks, "5", district_supplies)
    with pytest.raises(PermissionDenied):
        receive(point_b, masks, "5", officer_a)  # officers approve; they do not keep the ledger
    assert not Movement.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_issues_of_the_last_units_at_once_cannot_both_succeed(city, warehouse, masks, point_a):
    """Two transactions: the first holds the balance row until it commits; the second then finds it empty."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL's row locks")
    receive(warehouse, masks, "10")
    first_has_lock, results = threading.Event(), {}

    def first():
        try:
            with transaction.atomic():
                services.movement_record(place=warehouse, item=masks, kind="issue", quantity="10",
                                         counterpart=point_a, actor=None)
                first_has_lock.set()
                threading.Event().wait(0.5)  # the second transaction tries meanwhile
            results["first"] = "issued"
        finally:
            connection.close()

    def second():
        first_has_lock.wait(5)
        try:
            services.movement_record(place=warehouse, item=masks, kind="issue", quantity="10", counterpart=point_a,
                                     actor=None)
            results["second"] = "issued"
        except ValidationError as exc:
            results["second"] = " ".join(exc.messages)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results["first"] == "issued"
    assert "holds 0" in results["second"]
    assert stock(warehouse, masks) == 0
    assert Movement.objects.filter(kind="issue").count() == 1


def test_issues_one_after_the_other_stop_at_zero(warehouse, masks, point_a):
    receive(warehouse, masks, "10")
    services.movement_record(place=warehouse, item=masks, kind="issue", quantity="10", counterpart=point_a,
                             actor=None)
    with pytest.raises(ValidationError, match="holds 0"):
        services.movement_record(place=warehouse, item=masks, kind="issue", quantity="1", counterpart=point_a,
                                 actor=None)
    assert Balance.objects.get(place=warehouse, item=masks).quantity == 0


# --- days of cover ---------------------------------------------------------------------------------------------


def _consume_daily(place, item, per_day: str, days: int):
    now = timezone.now()
    for n in range(days):
        (movement,) = services.movement_record(place=place, item=item, kind="consumption", quantity=per_day,
                                               actor=None)
        with ledger_rewrite():
            Movement.objects.filter(pk=movement.pk).update(at=now - datetime.timedelta(days=n, hours=1))


def test_days_of_cover_come_from_the_last_seven_days_of_use(point_a, masks, disinfectant, hq):
    receive(point_a, masks, "100")
    receive(point_a, disinfectant, "50")
    _consume_daily(point_a, masks, "10", 7)  # 70 used, 30 left: 3 days at 10 a day
    # Use older than 7 days does not count.
    (old,) = services.movement_record(place=point_a, item=disinfectant, kind="consumption", quantity="20",
                                      actor=None)
    with ledger_rewrite():
        Movement.objects.filter(pk=old.pk).update(at=timezone.now() - datetime.timedelta(days=9))
    rows = {r.item.code: r for r in selectors.stock_rows(user=hq, place=point_a)}
    assert rows["N95"].days_of_cover == Decimal("3.0") and not rows["N95"].is_low
    assert rows["84"].days_of_cover is None and not rows["84"].is_low
    services.movement_record(place=point_a, item=masks, kind="consumption", quantity="5", actor=None)
    low = selectors.stock_rows(user=hq, only_low=True)
    assert [(r.place.code, r.item.code) for r in low] == [("CK-A1", "N95")]
    assert low[0].days_of_cover == Decimal("2.3")  # 25 left at 75/7 a day


def test_the_overview_warns_before_stock_runs_out_and_the_dashboard_counts_it(point_a, masks, hq, officer_b,
                                                                              city):
    from fangkong.command.figures import Context
    from fangkong.supplies.stock.figures import collect

    receive(point_a, masks, "20")
    _consume_daily(point_a, masks, "3", 6)  # 18 used, 2 left
    alerts = selectors.overview_alerts(user=hq, root=city.city)
    assert [a.key for a in alerts] == ["supplies.low_stock"] and alerts[0].count == 1
    assert selectors.overview_alerts(user=officer_b, root=city.b.district) == []
    now = timezone.now()
    counts = collect(Context(now=now, today=now.date()))
    assert counts[city.a.district.pk]["supplies.low_stock"] == 1


# --- requests --------------------------------------------------------------------------------------------------


@pytest.fixture
def asked(point_a, masks, disinfectant, checkpoint_a):
    return services.request_submit(place=point_a, lines=[(masks, "500"), (disinfectant.pk, "20")],
                                   reason="夜班人员增加", actor=checkpoint_a)


def test_a_request_is_approved_in_part_issued_and_received(asked, warehouse, point_a, masks, disinfectant,
                                                            officer_a, supplies_officer, checkpoint_a):
    receive(warehouse, masks, "1000")
    receive(warehouse, disinfectant, "5")
    lines = {line.item.code: line for line in asked.lines.all()}
    services.request_decide(supply_request=asked, approved={lines["N95"].pk: "300", lines["84"].pk: "20"},
                            actor=officer_a)
    with pytest.raises(ValidationError, match="holds 5"):
        services.request_issue(supply_request=asked, warehouse=warehouse, actor=supplies_officer)
    assert not Movement.objects.filter(kind="issue").exists()
    services.request_issue(supply_request=asked, warehouse=warehouse, actor=supplies_officer,
                           issued={lines["N95"].pk: "300", lines["84"].pk: "5"})
    assert stock(warehouse, masks) == 700 and stock(warehouse, disinfectant) == 0
    assert stock(point_a, masks) == 0  # on the way until the point confirms
    services.request_receive(supply_request=asked, actor=checkpoint_a)
    asked.refresh_from_db()
    assert asked.status == SupplyRequest.Status.RECEIVED
    assert stock(point_a, masks) == 300 and stock(point_a, disinfectant) == 5
    assert set(AuditEntry.objects.filter(object_id=asked.pk, content_type__model="supplyrequest")
               .values_list("action", flat=True)) == {"create", "approve", "issue", "receive"}


def test_an_officer_of_another_district_cannot_approve(asked, officer_b):
    with pytest.raises(PermissionDenied):
        services.request_decide(supply_request=asked, approved={}, actor=officer_b)
    asked.refresh_from_db()
    assert asked.status == SupplyRequest.Status.SUBMITTED


def test_bad_request_input_writes_nothing(point_a, masks, checkpoint_a, officer_a, asked):
    with pytest.raises(ValidationError) as exc:
        services.request_submit(place=point_a, lines=[(masks, "-3"), (424242, "1")], reason="x", actor=checkpoint_a)
    assert set(exc.value.error_dict) == {"quantity_0", "item_1"}
    with pytest.raises(ValidationError, match="what the items are for"):
        services.request_submit(place=point_a, lines=[(masks, "3")], reason=" ", actor=checkpoint_a)
    assert SupplyRequest.objects.count() == 1
    line = asked.lines.get(item=masks)
    with pytest.raises(ValidationError, match="no more than the 500"):
        services.request_decide(supply_request=asked, approved={line.pk: "600"}, actor=officer_a)
    with pytest.raises(ValidationError, match="why the request is rejected"):
        services.request_decide(supply_request=asked, approved={lv.pk: "0" for lv in asked.lines.all()},
                                actor=officer_a)
    asked.refresh_from_db()
    assert asked.status == SupplyRequest.Status.SUBMITTED


def test_a_point_of_use_sees_its_own_stock_and_requests_only(point_a, point_b, masks, checkpoint_a, asked):
    receive(point_a, masks, "5")
    receive(point_b, masks, "7")
    assert [p.code for p in selectors.places_for(user=checkpoint_a)] == ["CK-A1"]
    assert {r.place.code for r in selectors.stock_rows(user=checkpoint_a)} == {"CK-A1"}
    assert list(selectors.requests_for(user=checkpoint_a, status="all")) == [asked]
