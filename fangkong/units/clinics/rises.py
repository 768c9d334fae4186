"""Unexplained rises in a clinic's daily fever-patient count (no Django: runs from a job or a notebook unchanged).

A day is flagged when its count exceeds the mean of the clinic's previous `window` days plus `k` standard
deviations (population sd, days without a report counting as 0), and is at least `floor` patients, so that a first
patient after a quiet week is not an alarm. Integer arithmetic only: with S and Q the sum and sum of squares of the
window of n days, count > mean + k·sd ⇔ n·count − S > 0 and (n·count − S)² > k²·(n·Q − S²).
"""

import math
from collections.abc import Sequence


def is_rise(count: int, previous: Sequence[int], *, k: int = 3, floor: int = 3) -> bool:
    """`previous`: the counts of the days before, oldest first (the whole window)."""
    n = len(previous)
    if n == 0 or count < floor:
        return False
    s = sum(previous)
    q = sum(x * x for x in previous)
    excess = n * count - s
    return excess > 0 and excess * excess > k * k * (n * q - s * s)


def flag_rises(counts: Sequence[int], *, window: int = 7, k: int = 3, floor: int = 3) -> list[bool]:
    """For a series of daily counts (oldest first), whether each day is a rise. The first `window` days have no
    full history and are never flagged; pass the window's days before the shown range to judge them."""
    return [i >= window and is_rise(counts[i], counts[i - window:i], k=k, floor=floor) for i in range(len(counts))]


def threshold(previous: Sequence[int], *, k: int = 3) -> float:
    """mean + k·sd of the window, for display: a day's count must exceed it (and the floor) to be flagged."""
    n = len(previous)
    if not n:
        return 0.0
    mean = sum(previous) / n
    return mean + k * math.sqrt(sum((x - mean) ** 2 for x in previous) / n)
