from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fangkong.ops.progress import TqdmProgress
from fangkong.territory.models import Unit
from fangkong.territory.services import tree_import_csv


class Command(BaseCommand):
    help = "Import the jurisdiction tree from a CSV file (code,parent_code,level,name[,geometry]); all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file, UTF-8 (with or without BOM) or GB18030")
        parser.add_argument("--under", metavar="CODE", help="attach rows without a parent code under this node")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar (for logs)")

    def handle(self, *args, file, under=None, no_progress=False, **options):
        root = None
        if under:
            root = Unit.objects.filter(code=under).first()
            if root is None:
                raise CommandError(f"No node with code {under}.")
        try:
            with TqdmProgress("Import tree", disable=True if no_progress else None) as progress:
                report = tree_import_csv(source=Path(file), actor=None, root=root, progress=progress)
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        if not report.ok:
            for error in report.errors:
                self.stderr.write(f"{file}:{error.line}: {error.message}")
            raise CommandError(f"{len(report.errors)} rows rejected; nothing was imported.", returncode=1)
        self.stdout.write(self.style.SUCCESS(f"{report.created} nodes created, {report.updated} updated."))
