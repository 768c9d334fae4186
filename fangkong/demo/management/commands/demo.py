from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from tqdm import tqdm

from fangkong.demo.city import SIZES, DemoExists, build_city


class Command(BaseCommand):
    help = "Build the demo city (汾川市): territory, responsibilities, users, households and residents; then serve it."

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=list(SIZES), default="medium",
                            help="tiny ≈ 2,000, small ≈ 20,000, medium ≈ 300,000, large = 10,000,000 residents")
        parser.add_argument("--persons", type=int, default=None, help="override the number of residents of --size")
        parser.add_argument("--seed", type=int, default=2020)
        parser.add_argument("--reset", action="store_true", help="wipe the demo city first")
        parser.add_argument("--no-serve", action="store_true", help="build only, do not start the server")

    def handle(self, *args, size, persons, seed, reset, no_serve, **options):
        if persons is not None and persons < 100:
            raise CommandError("--persons must be at least 100.")
        target = persons or SIZES[size]
        if target >= 2_000_000 and connection.vendor == "sqlite":
            self.stderr.write(self.style.WARNING(
                f"{target:,} residents on SQLite will take long; PostgreSQL (DATABASE_URL) is recommended."))
        self.stdout.write(f"Building the demo city: {size}, {target:,} residents, seed {seed}, "
                          f"on {connection.vendor} ({connection.settings_dict['NAME']})")

        def progress(streets):
            return tqdm(streets, desc="streets", unit="street", disable=None, file=self.stderr)

        try:
            report = build_city(size=size, seed=seed, persons=persons, reset=reset, progress=progress,
                                log=lambda line: self.stdout.write(f"  {line}"))
        except DemoExists as exc:
            raise CommandError(str(exc)) from exc

        total = sum(seconds for _name, seconds in report.phases)
        self.stdout.write(self.style.SUCCESS(
            f"Demo city {'resumed and ' if report.resumed else ''}built in {total:.1f} s."))
        for name, count in report.counts.items():
            self.stdout.write(f"  {name:>20}: {count:,}")
        self.stdout.write("")
        rows = [(u.role, u.username, u.password, f"{u.scope.name} ({u.scope.code})") for u in report.users]
        rows.append(("grid_worker", f"grid1 … grid{report.grid_worker_count}", "demo-grid-2020",
                     "their own grid"))
        widths = [max(len(str(row[i])) for row in [("role", "username", "password", "scope"), *rows])
                  for i in range(4)]
        for row in [("role", "username", "password", "scope"), *rows]:
            self.stdout.write("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))
        self.stdout.write("Search for 陈纲 (or 陳綱, chengang, cg) to find a known resident; grid1 has open visits.")
        scans = settings.DATA_DIR / "demo" / "market-scans.csv"
        if scans.exists():
            self.stdout.write(f"tracer has a cluster of three cases; try co-presence detection with {scans} "
                              "on the newest case's page.")

        if not no_serve:
            try:
                call_command("serve", with_worker=True)
            except CommandError as exc:
                if "Unknown command" not in str(exc):
                    raise
                self.stdout.write("No `serve` command here yet: run `fangkong runserver` to look around.")
