"""`fangkong import tree FILE` and `fangkong import people FILE`: all-or-nothing imports from the shell."""

from django.core.management.base import BaseCommand, CommandError

from fangkong.core.imports import ImportReport


def _importer(kind: str):
    if kind == "tree":
        from fangkong.territory.services import tree_import_csv

        return tree_import_csv
    from fangkong.people.imports import people_import_csv

    return people_import_csv


class Command(BaseCommand):
    help = "Import a CSV file: the jurisdiction tree or people and households. Nothing is written if any row is bad."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["tree", "people"])
        parser.add_argument("file")

    def handle(self, *args, kind, file, **options):
        try:
            with open(file, "rb") as source:
                report: ImportReport = _importer(kind)(source=source.read(), actor=None)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        if not report.ok:
            for error in report.errors:
                self.stderr.write(f"line {error.line}: {error.message}")
            raise CommandError(f"{len(report.errors)} rows rejected; nothing was imported.")
        self.stdout.write(self.style.SUCCESS(f"created {report.created}, updated {report.updated}"))
