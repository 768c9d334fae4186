"""Co-presence by brute force, in plain Python: the definition written out, for tests and benchmarks.

Rows in, rows out (dicts with the columns of docs/copresence.md). Quadratic; meant for small inputs.
"""

import math
import re
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

_INTEGER = re.compile(r"-?[0-9]+")


def parse_seconds(value, timezone: str) -> int | None:
    """Epoch seconds of an ISO-8601 text, epoch integer or datetime; None when empty."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a time: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return math.floor(value)
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value).strip()
        if not text:
            return None
        if _INTEGER.fullmatch(text):
            return int(text)
        moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    return math.floor(moment.timestamp())


def min_seconds(min_minutes: float) -> int:
    """The smallest whole number of seconds that is at least min_minutes."""
    return math.ceil(Decimal(str(min_minutes)) * 60)


def _union(intervals):
    merged = []
    for s, e in sorted(intervals):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return merged


def copresence_reference(visits, cases, *, min_minutes=10, default_dwell_minutes=30, timezone="Asia/Shanghai"):
    by_person_place = defaultdict(list)
    for row in visits:
        s = parse_seconds(row["start"], timezone)
        e = parse_seconds(row.get("end"), timezone)
        if e is None:
            e = s + round(default_dwell_minutes * 60)
        if e < s:
            raise ValueError(f"end before start: {row}")
        if e > s:
            by_person_place[(str(row["person_id"]), str(row["place_id"]))].append((s, e))
    intervals = defaultdict(dict)  # person -> place -> merged intervals
    for (person, place), spans in by_person_place.items():
        intervals[person][place] = _union(spans)

    threshold = min_seconds(min_minutes)
    zone = ZoneInfo(timezone)
    out = []
    for case in cases:
        case_id = str(case["case_id"])
        ws = parse_seconds(case["window_start"], timezone)
        we = parse_seconds(case["window_end"], timezone)
        for contact, places in intervals.items():
            if contact == case_id:
                continue
            total, first, last, shared = 0, None, None, set()
            for place, spans in places.items():
                for cs, ce in intervals.get(case_id, {}).get(place, []):
                    cs, ce = max(cs, ws), min(ce, we)
                    for s, e in spans:
                        lo, hi = max(cs, s), min(ce, e)
                        if lo < hi:
                            total += hi - lo
                            first = lo if first is None else min(first, lo)
                            last = hi if last is None else max(last, hi)
                            shared.add(place)
            if shared and total >= threshold:
                out.append({
                    "case_id": case_id, "contact_id": contact, "copresent_minutes": total / 60,
                    "first_contact": datetime.fromtimestamp(first, UTC).astimezone(zone),
                    "last_contact": datetime.fromtimestamp(last, UTC).astimezone(zone),
                    "places": ";".join(sorted(shared)),
                })
    out.sort(key=lambda r: (r["case_id"], r["contact_id"]))
    return out
