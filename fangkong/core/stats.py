"""Small statistics the figures pages share."""

import math


def nearest_rank(values: list[float], fraction: float) -> float | None:
    """The nearest-rank percentile: the smallest value with at least `fraction` of the values at or below it.
    (tasks.selectors.percentile interpolates instead; the tracing and isolation pages report observed values.)"""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]
