from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from fangkong.accounts.models import User
from fangkong.ops.progress import TqdmProgress
from fangkong.people.imports import COLUMNS, people_import_csv


class Command(BaseCommand):
    help = "Import households and residents from a CSV file, all or nothing (columns: " + ",".join(COLUMNS) + ")."

    def add_arguments(self, parser):
        parser.add_argument("path", help="CSV file (UTF-8 or GB18030)")
        parser.add_argument("--as-user", dest="username", default="",
                            help="import with this user's jurisdiction (default: the system, unrestricted)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar (for logs)")

    def handle(self, *args, path, username, no_progress=False, **options):
        actor = None
        if username:
            actor = User.objects.filter(username=username).select_related("scope").first()
            if actor is None:
                raise CommandError(f"No user {username!r}.")
        try:
            with open(path, "rb") as fh:
                source = fh.read()
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        with TqdmProgress("Import people", disable=True if no_progress else None) as progress:
            report = people_import_csv(source=source, actor=actor, progress=progress)
        if not report.ok:
            for error in report.errors:
                self.stderr.write(_("line %(line)d: %(message)s") % {"line": error.line, "message": error.message})
            raise CommandError(_("Nothing imported: %(count)d rows rejected.") % {"count": len(report.errors)})
        self.stdout.write(self.style.SUCCESS(_("%(count)d persons imported.") % {"count": report.created}))
