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
        parser.add_argument("--background", action="store_true",
                            help="Queue the import for `fangkong worker` (people only) and print the job number.")

    def handle(self, *args, kind, file, background, **options):
        if background:
            return self._queue(kind, file)
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

    def _queue(self, kind: str, file: str) -> None:
        import os

        from fangkong.ops.services import start_job

        if kind != "people":
            raise CommandError("Only the people import runs in the background.")
        path = os.path.abspath(file)
        if not os.path.isfile(path):
            raise CommandError(f"Cannot read {file}: no such file")
        job = start_job(kind="people_import", label=f"Import {os.path.basename(path)}", actor=None,
                        func_path="fangkong.people.imports.people_import_job", kwargs={"path": path})
        self.stdout.write(f"queued job {job.pk}")
