"""`fangkong testing recall --round CODE --out FILE` and `fangkong testing recount --round CODE`.

recall writes the people to call back in a round (every member of its positive and invalid pools, one row per
person) as CSV (UTF-8 with BOM, so that Excel opens it right) or .xlsx — the list a district prints at 2 a.m. —
and logs the export in the access log. recount counts the round's target and sampled people per cell again.
"""

import csv
import os
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from fangkong.testing.models import Round
from fangkong.testing.selectors import RECALL_COLUMNS, recall_rows_all


def _round(code: str) -> Round:
    round_ = Round.objects.filter(code=(code or "").strip()).first()
    if round_ is None:
        raise CommandError(f"No round with code {code!r}.")
    return round_


def _operator(username: str | None):
    """Who runs the export, for the access log; None is the system."""
    from fangkong.accounts.models import User

    if username:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}.")
        return user
    return None


def _shell_user() -> str:
    import getpass
    import socket

    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = str(os.getuid())
    return f"{name}@{socket.gethostname()}"


def write_csv(path: str, rows) -> int:
    count = 0
    with open(path, "w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow(RECALL_COLUMNS)
        for row in rows:
            writer.writerow([row[c] for c in RECALL_COLUMNS])
            count += 1
    return count


def write_xlsx(path: str, rows) -> int:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("recall")
    sheet.append(RECALL_COLUMNS)
    count = 0
    for row in rows:
        # Text, always: an 18-digit ID number or a phone read as a number loses its last digits.
        sheet.append([str(row[c]) for c in RECALL_COLUMNS])
        count += 1
    workbook.save(path)
    return count


class Command(BaseCommand):
    help = "Mass testing from the shell: the recall list of a round, or a recount of its target."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        recall = sub.add_parser("recall", help="Write the people to recall in a round (CSV, or .xlsx by the name).")
        recall.add_argument("--round", required=True, dest="round_code", metavar="CODE")
        recall.add_argument("--out", required=True, metavar="FILE")
        recall.add_argument("--user", default=None, metavar="USERNAME",
                            help="who exports, as recorded in the access log; default: the shell user")
        recount = sub.add_parser("recount", help="Count the round's target and sampled people per cell again.")
        recount.add_argument("--round", required=True, dest="round_code", metavar="CODE")

    def handle(self, *args, action, round_code, **options):
        round_ = _round(round_code)
        if action == "recall":
            return self.recall(round_, options["out"], options.get("user"))
        return self.recount(round_)

    def recall(self, round_: Round, out: str, username: str | None) -> None:
        from fangkong.accounts.services import access_log_record

        actor = _operator(username)
        started = time.perf_counter()
        writer = write_xlsx if out.lower().endswith(".xlsx") else write_csv
        try:
            with transaction.atomic():
                count = writer(out, recall_rows_all(round_))
                access_log_record(actor=actor, kind="export", obj=round_, fields=",".join(RECALL_COLUMNS),
                                  reason="fangkong testing recall", row_count=count,
                                  operator="" if actor else _shell_user())
        except Exception as exc:
            # No log row, no file: a half-written list must not go to the printer.
            if os.path.exists(out):
                os.remove(out)
            if isinstance(exc, OSError):
                raise CommandError(f"Cannot write {out}: {exc.strerror}") from exc
            raise
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"{count} people to recall in {round_.code} written to {out} "
                                             f"in {elapsed:.2f} s."))

    def recount(self, round_: Round) -> None:
        from fangkong.testing.services import round_targets_count

        started = time.perf_counter()
        total = round_targets_count(round_=round_)
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"{round_.code}: {total} people in the target, counted in "
                                             f"{elapsed:.2f} s."))
