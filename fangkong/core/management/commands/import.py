"""`fangkong import tree FILE` and `fangkong import people FILE`: all-or-nothing imports from the shell.

`fangkong import samples FILE --round ROUND` and `fangkong import lab-results FILE` (mass testing): the good rows
land and each rejected row is printed with its line; the exit code is non-zero only when the file as a whole
could not be used (unreadable, columns missing, no rows, unknown or stopped round).
"""

from django.core.management.base import BaseCommand, CommandError

from fangkong.core.imports import ImportReport

TESTING_KINDS = ("samples", "lab-results")
ERRORS_SHOWN = 50


def _importer(kind: str):
    if kind == "tree":
        from fangkong.territory.services import tree_import_csv

        return tree_import_csv
    from fangkong.people.imports import people_import_csv

    return people_import_csv


class Command(BaseCommand):
    help = ("Import a file: the jurisdiction tree or people and households (CSV; nothing is written if any row is "
            "bad), or mass testing's sampling records or lab results (CSV, XLSX or Parquet; good rows land, bad "
            "rows are listed).")

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["tree", "people", *TESTING_KINDS])
        parser.add_argument("file")
        parser.add_argument("--background", action="store_true",
                            help="Queue the import for `fangkong worker` (people only) and print the job number.")
        parser.add_argument("--round", dest="round_code", default="",
                            help="samples: the code of the testing round the records belong to.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (for logs).")

    def handle(self, *args, kind, file, background, round_code="", no_progress=False, **options):
        if kind in TESTING_KINDS:
            return self._testing(kind, file, round_code, no_progress)
        if background:
            return self._queue(kind, file)
        from fangkong.ops.progress import TqdmProgress

        try:
            with open(file, "rb") as source:
                data = source.read()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        with TqdmProgress(f"Import {kind}", disable=True if no_progress else None) as progress:
            report: ImportReport = _importer(kind)(source=data, actor=None, progress=progress)
        if not report.ok:
            for error in report.errors:
                self.stderr.write(f"line {error.line}: {error.message}")
            raise CommandError(f"{len(report.errors)} rows rejected; nothing was imported.")
        self.stdout.write(self.style.SUCCESS(f"created {report.created}, updated {report.updated}"))

    def _testing(self, kind: str, file: str, round_code: str, no_progress: bool) -> None:
        from fangkong.ops.progress import TqdmProgress
        from fangkong.testing.imports import lab_results_import, samples_import
        from fangkong.testing.models import Round

        round_ = None
        if kind == "samples":
            if not round_code:
                raise CommandError("Give the round: --round ROUND_CODE.")
            round_ = Round.objects.filter(code=round_code).first()
            if round_ is None:
                raise CommandError(f"No testing round has the code {round_code}.")
        try:
            with open(file, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        with TqdmProgress(f"Import {kind}", disable=True if no_progress else None) as progress:
            if round_ is not None:
                report = samples_import(source=data, round_=round_, actor=None, filename=file, progress=progress)
            else:
                report = lab_results_import(source=data, actor=None, filename=file, progress=progress)
        for error in report.errors[:ERRORS_SHOWN]:
            self.stderr.write(f"line {error.line}: {error.message}")
        if len(report.errors) > ERRORS_SHOWN:
            self.stderr.write(f"... and {len(report.errors) - ERRORS_SHOWN} more")
        if report.unreadable:
            raise CommandError(f"{file}: nothing was imported.")
        summary = f"created {report.created}, unchanged {report.unchanged}, rejected {len(report.errors)}"
        if getattr(report, "recalls", None):
            summary += f"; recalls raised for {len(report.recalls)} tubes: {', '.join(report.recalls[:20])}"
        self.stdout.write(self.style.SUCCESS(summary) if report.ok else summary)

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
        self.stdout.write(f"follow it with `fangkong jobs watch {job.pk}`, "
                          f"stop it with `fangkong jobs cancel {job.pk}`")
