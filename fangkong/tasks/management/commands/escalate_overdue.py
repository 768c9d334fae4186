import signal
import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from fangkong.tasks.services import escalate_next_overdue, escalate_overdue


class Command(BaseCommand):
    help = "Escalate tasks overdue past their kind's grace one level up the tree (once, or every N seconds)."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=int, default=0, metavar="SECONDS",
                            help="Keep running, checking every SECONDS; stops cleanly on SIGTERM.")

    def handle(self, *args, every: int = 0, **options):
        if not every:
            count = escalate_overdue(now=timezone.now())
            self.stdout.write(f"Escalated {count} task(s).")
            return
        self.stopping = False
        signal.signal(signal.SIGTERM, self._stop)
        self.stdout.write(f"Escalating overdue tasks every {every} s; SIGTERM stops.")
        while not self.stopping:
            # One task per step, so a SIGTERM never waits for a long batch.
            while not self.stopping and escalate_next_overdue(now=timezone.now()):
                pass
            for _ in range(every):
                if self.stopping:
                    break
                time.sleep(1)

    def _stop(self, signum, frame):
        self.stopping = True
