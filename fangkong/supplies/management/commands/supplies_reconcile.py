"""`fangkong supplies_reconcile`: check that every stock balance equals its ledger (stock.reconcile). Prints each
disagreement and exits non-zero when there is one, so a nightly job or a monitor can alert on it."""

from django.core.management.base import BaseCommand, CommandError

from fangkong.supplies.models import Item, Place
from fangkong.supplies.stock.reconcile import ledger_discrepancies


class Command(BaseCommand):
    help = "Check every stock balance against the sum of its movements; exit 1 if any disagrees."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=200, help="report at most this many (default 200)")

    def handle(self, *args, **options):
        found = ledger_discrepancies(limit=max(1, options["limit"]))
        if not found:
            self.stdout.write("supplies ledger: every balance equals its movements")
            return
        places = Place.objects.in_bulk({d.place_id for d in found})
        items = Item.objects.in_bulk({d.item_id for d in found})
        for d in found:
            place, item = places.get(d.place_id), items.get(d.item_id)
            self.stdout.write(f"{place.code if place else d.place_id} / {item.code if item else d.item_id}: {d}")
        raise CommandError(f"supplies ledger: {len(found)} disagreement(s) between balances and movements")
