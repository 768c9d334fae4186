from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from tqdm import tqdm

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.demo.city import PASSWORDS, SIZES, DemoExists, build_city, existing_build


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
        built = None if reset else existing_build()
        if built is not None and built.finished_at is not None and built.city_id and not no_serve:
            # `make demo` a second time: the city is there, so serve it rather than stop on "already built".
            different = (size, target, seed) != (built.size, built.persons_target, built.seed)
            self.stdout.write(self.style.SUCCESS(f"The demo city is already built ({built}); serving it."))
            if different:
                self.stdout.write(f"It is not the one asked for ({size}, {target:,} residents, seed {seed}): "
                                  "run with --reset to wipe it and build that one.")
            self.print_logins(built.city)
            self.serve()
            return
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
        self.write_table(rows)
        self.stdout.write("Search for 陈纲 (or 陳綱, chengang, cg) to find a known resident; grid1 has open visits.")
        scans = settings.DATA_DIR / "demo" / "market-scans.csv"
        if scans.exists():
            self.stdout.write(f"tracer has a cluster of three cases; try co-presence detection with {scans} "
                              "on the newest case's page.")

        if not no_serve:
            self.serve()

    def serve(self) -> None:
        call_command("serve", with_worker=True)

    def print_logins(self, city) -> None:
        """The fixed logins of an existing demo, read back from the database (passwords are the demo's own)."""
        users = User.objects.filter(username__in=_FIXED_LOGINS, scope__path__startswith=city.path).select_related(
            "scope").order_by("id")
        rows = [(u.role, u.username, PASSWORDS.get(u.role, "?"), f"{u.scope.name} ({u.scope.code})") for u in users]
        rows.append((Role.GRID_WORKER, "grid1 …", PASSWORDS[Role.GRID_WORKER], "their own grid"))
        self.write_table(rows)

    def write_table(self, rows) -> None:
        header = ("role", "username", "password", "scope")
        widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(4)]
        for row in [header, *rows]:
            self.stdout.write("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))


_FIXED_LOGINS = ["admin", "hq", "officer", "officer2", "street", "checkpoint", "isolation", "tracer", "lab",
                 "inspector", "supplies"]
