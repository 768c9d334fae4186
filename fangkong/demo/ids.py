"""Resident ID numbers (GB 11643), mobile numbers and ages for the demo city."""

import random
from bisect import bisect
from datetime import date, timedelta
from functools import lru_cache
from itertools import accumulate

from stdnum.cn.ric import calc_check_digit

# Share of the population per five-year age band, 0-4 … 95-99 (China, 2020 census, rounded, in per mille).
AGE_PYRAMID = [54, 64, 63, 53, 53, 63, 87, 69, 66, 83, 86, 72, 52, 51, 34, 22, 15, 8, 3, 1]

MOBILE_PREFIXES = [
    ("139", 8), ("138", 8), ("137", 5), ("136", 5), ("135", 6), ("134", 3), ("150", 5), ("151", 5), ("152", 4),
    ("157", 3), ("158", 5), ("159", 5), ("182", 4), ("183", 3), ("187", 4), ("188", 3), ("130", 4), ("131", 4),
    ("132", 3), ("155", 3), ("156", 3), ("185", 3), ("186", 5), ("176", 2), ("166", 2), ("133", 3), ("153", 3),
    ("180", 3), ("181", 3), ("189", 4), ("177", 2), ("173", 2), ("199", 3), ("191", 1), ("198", 1), ("195", 1),
]


def resident_id(area_code: str, birth: date, sequence: int) -> str:
    """18 characters: area, birth date, a 3-digit sequence whose parity is the sex (odd: male), check digit."""
    body = f"{area_code}{birth:%Y%m%d}{sequence % 1000:03d}"
    return body + calc_check_digit(body + "0")  # stdnum expects the number with a (placeholder) check digit


class SequenceAllocator:
    """Hands out the 3-digit sequence codes of one police-station area (派出所) of a district.

    Real codes reserve a slice of 000-999 per station; giving each street its own slice makes every chunk of
    the demo independent of the others, so a resumed build cannot repeat a number.
    """

    def __init__(self, slot: int, slots: int):
        self.span = max(2, (1000 // max(slots, 1)) & ~1)
        self.start = (slot * self.span) % 1000
        self.counts: dict[tuple[date, bool], int] = {}

    def next(self, birth: date, male: bool) -> int:
        key = (birth, male)
        n = self.counts.get(key, 0)
        self.counts[key] = n + 1
        return self.start + (2 * n) % self.span + (1 if male else 0)


class People:
    """Ages, birth dates and phones from one random source."""

    def __init__(self, rng: random.Random, today: date):
        self.rng = rng
        self.today = today
        self._mobile, self._mobile_cum = [p for p, _w in MOBILE_PREFIXES], list(
            accumulate(w for _p, w in MOBILE_PREFIXES)
        )

    def age(self, lo: int, hi: int) -> int:
        """An age in [lo, hi], drawn from the pyramid."""
        bands, cum = _bands(lo, hi)
        rng = self.rng
        band_lo, band_hi = bands[bisect(cum, rng.random() * cum[-1])]
        return rng.randint(band_lo, band_hi)

    def birth_date(self, age: int) -> date:
        return self.today - timedelta(days=age * 365 + age // 4 + self.rng.randrange(365))

    def mobile(self) -> str:
        rng = self.rng
        prefix = self._mobile[bisect(self._mobile_cum, rng.random() * self._mobile_cum[-1])]
        return f"{prefix}{rng.randrange(100_000_000):08d}"


@lru_cache(maxsize=256)
def _bands(lo: int, hi: int):
    bands, weights = [], []
    for index, weight in enumerate(AGE_PYRAMID):
        band_lo, band_hi = max(lo, index * 5), min(hi, index * 5 + 4)
        if band_lo <= band_hi:
            bands.append((band_lo, band_hi))
            weights.append(weight * (band_hi - band_lo + 1) / 5)
    return bands, list(accumulate(weights))
