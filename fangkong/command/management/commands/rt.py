"""`fangkong rt`: Rt by sliding window from a daily incidence CSV (Cori et al. 2013, as EpiEstim).

Input columns: `date` (YYYY-MM-DD), `cases` (local cases) and optionally `imported`. Dates must be ascending and
unique; days missing from the file count as days without cases. The whole file is checked before anything is
written, so a bad file leaves no output behind.
"""

import csv
from datetime import date, timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fangkong.command.engine.epi import estimate_rt

OUTPUT_COLUMNS = ["t_start", "t_end", "mean", "sd", "q025", "q50", "q975", "status"]


def read_incidence(path: Path) -> tuple[list[date], list[int], list[int]]:
    """Daily series with missing days filled with 0; CommandError naming the line and column of the first fault."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise CommandError(f"{path}: cannot read: {exc.strerror}") from exc
    with handle:
        reader = csv.DictReader(handle)
        columns = [name.strip() for name in reader.fieldnames or []]
        for required in ("date", "cases"):
            if required not in columns:
                raise CommandError(f"{path}, line 1: missing column '{required}'")
        reader.fieldnames = columns
        has_imported = "imported" in columns
        by_day: dict[date, tuple[int, int]] = {}
        previous = None
        for row in reader:
            line = reader.line_num
            raw_date = (row["date"] or "").strip()
            try:
                day = date.fromisoformat(raw_date)
            except ValueError:
                fault = f"not a date (YYYY-MM-DD): {raw_date!r}"
                raise CommandError(f"{path}, line {line}, column 'date': {fault}") from None
            if previous is not None and day <= previous:
                fault = "duplicate date" if day == previous else f"date before the previous line's {previous}"
                raise CommandError(f"{path}, line {line}, column 'date': {fault}: {raw_date}")
            previous = day
            counts = [_count(path, line, "cases", row["cases"])]
            counts.append(_count(path, line, "imported", row["imported"]) if has_imported else 0)
            by_day[day] = (counts[0], counts[1])
    if not by_day:
        raise CommandError(f"{path}: no data lines")
    first, last = min(by_day), max(by_day)
    dates = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    local = [by_day.get(day, (0, 0))[0] for day in dates]
    imported = [by_day.get(day, (0, 0))[1] for day in dates]
    return dates, local, imported


def _count(path: Path, line: int, column: str, raw: str | None) -> int:
    text = (raw or "").strip()
    try:
        value = int(text)
    except ValueError:
        raise CommandError(f"{path}, line {line}, column '{column}': not a whole number: {text!r}") from None
    if value < 0:
        raise CommandError(f"{path}, line {line}, column '{column}': negative count: {value}")
    return value


def _cell(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


class Command(BaseCommand):
    help = "Estimate Rt on sliding windows from a daily incidence CSV (date,cases[,imported]) and write a CSV."

    def add_arguments(self, parser):
        parser.add_argument("--incidence", required=True, type=Path, help="CSV with columns date,cases[,imported]")
        parser.add_argument("--si-mean", required=True, type=float, help="serial interval mean, days (> 1)")
        parser.add_argument("--si-sd", required=True, type=float, help="serial interval standard deviation, days")
        parser.add_argument("--window", type=int, default=7, help="sliding window length, days (default 7)")
        parser.add_argument("--out", required=True, type=Path, help="CSV to write")

    def handle(self, *args, **options):
        if options["si_mean"] <= 1:
            raise CommandError("--si-mean must be greater than 1 day")
        if options["si_sd"] <= 0:
            raise CommandError("--si-sd must be positive")
        window = options["window"]
        if window < 1:
            raise CommandError("--window must be at least 1 day")
        dates, local, imported = read_incidence(options["incidence"])
        if len(dates) < window + 1:
            raise CommandError(f"need at least {window + 1} days of incidence for a {window}-day window")
        rows = estimate_rt(dates, local, imported, si_mean=options["si_mean"], si_sd=options["si_sd"], window=window)
        with options["out"].open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(OUTPUT_COLUMNS)
            for row in rows:
                writer.writerow(
                    [
                        row.t_start.isoformat(),
                        row.t_end.isoformat(),
                        *(_cell(v) for v in (row.mean, row.sd, row.q025, row.q50, row.q975)),
                        row.status,
                    ]
                )
        ok = sum(row.status == "ok" for row in rows)
        self.stdout.write(f"wrote {len(rows)} windows ({ok} with an estimate) to {options['out']}")
