"""Where a traveller came from, read through the risk app: the resolved region and its risk level now.

An origin the resolver cannot place is kept as typed and flagged for a human ("origin unresolved"), never dropped.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from fangkong.arrivals.engine.disposition import highest_level


@dataclass(frozen=True)
class OriginAssessment:
    text: str
    code: str
    name: str
    level: str | None
    resolved: bool


def assess_origin(text: str, *, at: datetime | None = None, cache: dict | None = None) -> OriginAssessment:
    from fangkong.risk.selectors import origin_level
    from fangkong.risk.services import resolve_origin

    text = " ".join((text or "").split())
    if cache is not None and text in cache:
        return cache[text]
    origin = resolve_origin(text) if text else None
    if origin is None or not getattr(origin, "code", ""):
        result = OriginAssessment(text=text, code="", name=text, level=None, resolved=False)
    else:
        level = origin_level(code=origin.code, name=getattr(origin, "name", "") or text, at=at)
        result = OriginAssessment(text=text, code=origin.code, name=getattr(origin, "name", "") or text,
                                  level=level, resolved=True)
    if cache is not None:
        cache[text] = result
    return result


def itinerary_level(itinerary: list[dict], *, at: datetime | None = None) -> str | None:
    from fangkong.risk.selectors import origin_level

    return highest_level(origin_level(code=str(stop.get("code") or ""), name=str(stop.get("name") or ""), at=at)
                         for stop in itinerary or () if stop.get("code") or stop.get("name"))


def fever_threshold() -> Decimal:
    """From the active protocol's rules (37.3 °C under every COVID-19 preset)."""
    from fangkong.protocols.selectors import active_rules

    return Decimal(active_rules().fever_threshold)


def first_contact_hours(category: str | None) -> int | None:
    from fangkong.protocols.selectors import active_rules

    rules = active_rules()
    plan = rules.plans.get(category or "") or rules.plans.get("arrival_low")
    return plan.first_contact_hours if plan is not None else None


def arrival_category(level: str) -> str:
    from fangkong.protocols.engine.measures import arrival_category as category_of

    return category_of(level)


def parse_day(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip().replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-")
    text = text.replace(".", "-")
    try:
        parts = [int(p) for p in text.split(" ")[0].split("-")]
        return date(*parts) if len(parts) == 3 else None
    except (TypeError, ValueError):
        return None
