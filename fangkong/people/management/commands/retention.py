"""`fangkong retention`: what the retention rule would anonymise (dry run); `--apply` does it."""

from django.core.management.base import BaseCommand, CommandError

from fangkong.ops.progress import TqdmProgress
from fangkong.people import retention


class Command(BaseCommand):
    help = ("Personal data retention (PIPL): list how many people released from all measures longer than the "
            "retention period would be anonymised; with --apply, anonymise them.")

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None,
                            help="Retention period in days (default: FANGKONG_RETENTION_DAYS, 180).")
        parser.add_argument("--apply", action="store_true", help="Anonymise now. Without it nothing changes.")

    def handle(self, *args, days, apply, **options):
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1.")
        report = retention.dry_run(days=days)
        self.stdout.write(f"Released from all measures before {report.cutoff:%Y-%m-%d %H:%M} "
                          f"({report.days} days): {report.total} people")
        for district, count in report.by_district:
            self.stdout.write(f"  {district}: {count}")
        for pk, masked in report.sample:
            self.stdout.write(f"  e.g. person {pk} ({masked})")
        if report.rows:
            self.stdout.write("Rows that would change:")
            for label, count in report.rows:
                self.stdout.write(f"  {label}: {count}")
        if not apply:
            self.stdout.write("Dry run: nothing changed. Run again with --apply to anonymise.")
            return
        with TqdmProgress("Anonymising") as progress:
            done = retention.anonymise(days=report.days, progress=progress)
        self.stdout.write(self.style.SUCCESS(f"anonymised {done} people"))
