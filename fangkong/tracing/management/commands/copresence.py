"""`fangkong copresence --visits V --cases C --out O`: co-presence (时空伴随) from files, without the database."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from fangkong.tracing.engine.copresence import CopresenceInputError, find_copresence


class Command(BaseCommand):
    help = ("Find everyone who shared a place with a case long enough within the case's window (时空伴随). "
            "Visits: person_id,place_id,start,end; cases: case_id,window_start,window_end (CSV or Parquet; "
            "visits may be a directory of partitioned Parquet). Writes CSV or Parquet by the extension of --out.")
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("--visits", required=True)
        parser.add_argument("--cases", required=True)
        parser.add_argument("--out", required=True)
        parser.add_argument("--min-minutes", type=float, default=10)
        parser.add_argument("--default-dwell-minutes", type=float, default=30)
        parser.add_argument("--timezone", default="Asia/Shanghai")
        parser.add_argument("--bin-minutes", type=int, default=None, help="Width of the join's time bins.")
        parser.add_argument("--memory-limit", default=None, help="DuckDB's memory limit, e.g. 4GB.")
        parser.add_argument("--threads", type=int, default=None)
        parser.add_argument("--temp-directory", default=None, help="Where DuckDB spills (default: beside --out).")
        parser.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb")

    def handle(self, *args, visits, cases, out, min_minutes, default_dwell_minutes, timezone, bin_minutes,
               memory_limit, threads, temp_directory, engine, **options):
        # A bar over the engine's steps on a terminal; one line per step in a log (no terminal).
        self._bar = tqdm(total=None, unit="step", dynamic_ncols=True, disable=None)
        common = dict(min_minutes=min_minutes, default_dwell_minutes=default_dwell_minutes, timezone=timezone,
                      threads=threads, progress=self._progress)
        if bin_minutes:
            common["bin_minutes"] = bin_minutes
        try:
            if engine == "spark":
                from fangkong.tracing.engine.copresence_spark import find_copresence_spark

                summary = find_copresence_spark(visits, cases, out, **common)
            else:
                summary = find_copresence(visits, cases, out, memory_limit=memory_limit,
                                          temp_directory=temp_directory, **common)
        except CopresenceInputError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:  # e.g. the output's directory is not writable
            raise CommandError(f"{exc.filename or out}: {exc.strerror or exc}") from exc
        finally:
            self._bar.close()
        self.stdout.write(self.style.SUCCESS(
            f"{summary.pairs} pairs written to {out} ({summary.cases} cases, {summary.visits_read} visits read, "
            f"{summary.seconds:.1f} s)"))

    def _progress(self, step: str, done: int, total: int) -> None:
        if self._bar.disable:
            if step != "done":
                self.stdout.write(f"[{done + 1}/{total}] {step}")
            return
        self._bar.total = total
        self._bar.set_description(step, refresh=False)
        self._bar.update(done - self._bar.n)
