"""The ledger is append-only in the code, not only in a docstring, and a reconciliation finds a balance or a line that
was changed behind the services' back."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction

from fangkong.supplies.models import Balance, LedgerAppendOnly, Movement, ledger_rewrite
from fangkong.supplies.stock import services
from fangkong.supplies.stock.reconcile import ledger_discrepancies
from fangkong.supplies.tests.test_stock import masks, point_a, supplies_officer, warehouse  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(warehouse, point_a, masks, supplies_officer):  # noqa: F811
    services.movement_record(place=warehouse, item=masks, kind="receipt", quantity="100", source="华德",
                             actor=supplies_officer)
    services.movement_record(place=warehouse, item=masks, kind="transfer_out", quantity="30", counterpart=point_a,
                             actor=supplies_officer)
    services.movement_record(place=point_a, item=masks, kind="consumption", quantity="5", actor=supplies_officer)
    return list(Movement.objects.order_by("pk"))


def _snapshot():
    return list(Movement.objects.order_by("pk").values_list("pk", "kind", "delta", "balance_after", "note"))


def test_the_services_still_append_and_pair_transfers(ledger, warehouse, point_a, masks):  # noqa: F811
    receipt, out, into, used = ledger
    assert [m.kind for m in ledger] == ["receipt", "transfer_out", "transfer_in", "consumption"]
    assert out.pair_id == into.pk and into.pair_id == out.pk
    assert Balance.objects.get(place=warehouse, item=masks).quantity == Decimal("70")
    assert Balance.objects.get(place=point_a, item=masks).quantity == Decimal("25")
    assert ledger_discrepancies() == []


def test_a_movement_cannot_be_changed_by_save_or_update(ledger):
    before = _snapshot()
    line = ledger[0]
    line.delta = Decimal("1000")
    with pytest.raises(LedgerAppendOnly):
        line.save()
    with pytest.raises(LedgerAppendOnly):
        Movement.objects.filter(pk=line.pk).update(delta=Decimal("1000"))
    with pytest.raises(LedgerAppendOnly):
        Movement.objects.bulk_update([line], ["delta"])
    # A new line given an existing pk does not overwrite it either.
    forged = Movement(pk=ledger[3].pk, place=ledger[3].place, item=ledger[3].item, kind="receipt",
                      delta=Decimal("9"), balance_after=Decimal("34"))
    with pytest.raises(IntegrityError), transaction.atomic():
        forged.save()
    assert _snapshot() == before


def test_a_movement_cannot_be_deleted(ledger):
    before = _snapshot()
    with pytest.raises(LedgerAppendOnly):
        ledger[3].delete()
    with pytest.raises(LedgerAppendOnly):
        Movement.objects.filter(pk=ledger[3].pk).delete()
    with pytest.raises(LedgerAppendOnly):
        Movement.objects.all().delete()
    assert _snapshot() == before


def test_a_transfer_pair_is_linked_once(ledger):
    _receipt, out, into, used = ledger
    with pytest.raises(LedgerAppendOnly):
        Movement.objects.link_transfer(out, used)
    assert Movement.objects.get(pk=used.pk).pair_id is None


def test_only_the_demo_rewrite_may_remove_lines(ledger):
    with ledger_rewrite():
        Movement.objects.update(pair=None)
        Movement.objects.all().delete()
    assert not Movement.objects.exists()
    with pytest.raises(LedgerAppendOnly):
        Movement.objects.all().delete()


def test_a_balance_changed_behind_the_ledger_is_found(ledger, warehouse, masks, capsys):  # noqa: F811
    call_command("supplies_reconcile")
    assert "every balance equals its movements" in capsys.readouterr().out
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Balance._meta.db_table} SET quantity = 500 WHERE place_id = %s AND item_id = %s",
                       [warehouse.pk, masks.pk])
    found = ledger_discrepancies()
    assert [(d.kind, d.place_id, d.expected, d.found) for d in found] == [
        ("balance", warehouse.pk, Decimal("70"), Decimal("500"))]
    with pytest.raises(CommandError, match="1 disagreement"):
        call_command("supplies_reconcile")
    assert "WH-CITY / N95" in capsys.readouterr().out


def test_a_line_changed_in_the_database_is_found(ledger, warehouse, point_a):  # noqa: F811
    receipt = ledger[0]
    with connection.cursor() as cursor:
        # Both the line and the balance, to hide it: the lines after it no longer add up.
        cursor.execute(f"UPDATE {Movement._meta.db_table} SET delta = 130, balance_after = 130 WHERE id = %s",
                       [receipt.pk])
        cursor.execute(f"UPDATE {Balance._meta.db_table} SET quantity = 100 WHERE place_id = %s", [warehouse.pk])
    found = ledger_discrepancies()
    assert ("line", ledger[1].pk) in [(d.kind, d.movement_id) for d in found]
    assert all(d.place_id == warehouse.pk for d in found)
    assert ledger_discrepancies(places=[point_a]) == []


def test_a_line_removed_in_the_database_is_found(ledger, point_a):  # noqa: F811
    used = ledger[3]
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Movement._meta.db_table} WHERE id = %s", [used.pk])
    found = ledger_discrepancies()
    assert [(d.kind, d.place_id, d.expected, d.found) for d in found] == [
        ("balance", point_a.pk, Decimal("30"), Decimal("25"))]
