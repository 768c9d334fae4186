"""Reconciliation of the stock ledger: every balance equals the sum of its place's movements of the item, and every
line's "balance after" equals the running sum of the lines before it. The services keep both true; a difference
means someone wrote to the tables around them (a hand-made SQL fix, a restore of one table but not the other).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Sum, Window

from fangkong.supplies.models import Balance, Movement


@dataclass(frozen=True)
class Discrepancy:
    place_id: int
    item_id: int
    # "balance": the balance row disagrees with the sum of the ledger; "line": a line's balance after disagrees
    # with the running sum up to it (movement_id says which).
    kind: str
    expected: Decimal
    found: Decimal
    movement_id: int | None = None

    def __str__(self):
        where = f"place {self.place_id}, item {self.item_id}"
        if self.kind == "line":
            return (f"{where}: movement {self.movement_id} says {self.found} after it, the ledger sums to "
                    f"{self.expected}")
        return f"{where}: the balance says {self.found}, the ledger sums to {self.expected}"


def ledger_discrepancies(*, places=None, limit: int = 200) -> list[Discrepancy]:
    """Every disagreement between balances and the ledger (of `places`, or of every place), at most `limit`."""
    movements, balances = Movement.objects.all(), Balance.objects.all()
    if places is not None:
        movements, balances = movements.filter(place__in=places), balances.filter(place__in=places)
    sums = {(r["place_id"], r["item_id"]): r["total"] for r in
            movements.values("place_id", "item_id").annotate(total=Sum("delta")).order_by()}
    held = {(b["place_id"], b["item_id"]): b["quantity"] for b in balances.values("place_id", "item_id", "quantity")}
    found = []
    for key in sorted(set(sums) | set(held)):
        expected, have = sums.get(key, Decimal(0)), held.get(key, Decimal(0))
        if expected != have:
            found.append(Discrepancy(place_id=key[0], item_id=key[1], kind="balance", expected=expected, found=have))
    running = (movements.annotate(running=Window(Sum("delta"), partition_by=[F("place_id"), F("item_id")],
                                                 order_by=F("pk").asc()))
               .values_list("pk", "place_id", "item_id", "running", "balance_after"))
    for pk, place_id, item_id, total, after in running.iterator(chunk_size=2000):
        if total != after:
            found.append(Discrepancy(place_id=place_id, item_id=item_id, kind="line", expected=total, found=after,
                                     movement_id=pk))
            if len(found) >= limit:
                break
    return found[:limit]
