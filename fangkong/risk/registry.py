"""What other apps plug into risk, in their AppConfig.ready().

- Criteria providers (tracing, testing): fn(area, now) -> {"last_infection_at": datetime | None,
  "negative_round_completed_on": date | None}, or None when the provider knows nothing of that area.
  A key left out means "no data"; a key set to None means "none on record" (no infection, no round).
- Itinerary sources (arrivals, tracing): fn(area, since) -> iterable of person ids whose itinerary
  touched the area since `since`.
"""

_criteria_providers: list = []
_itinerary_sources: list = []


def register_criteria_provider(fn):
    if fn not in _criteria_providers:
        _criteria_providers.append(fn)
    return fn


def unregister_criteria_provider(fn) -> None:
    if fn in _criteria_providers:
        _criteria_providers.remove(fn)


def criteria_providers() -> tuple:
    return tuple(_criteria_providers)


def register_itinerary_source(fn):
    if fn not in _itinerary_sources:
        _itinerary_sources.append(fn)
    return fn


def unregister_itinerary_source(fn) -> None:
    if fn in _itinerary_sources:
        _itinerary_sources.remove(fn)


def itinerary_sources() -> tuple:
    return tuple(_itinerary_sources)
