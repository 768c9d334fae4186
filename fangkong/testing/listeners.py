"""Who is told when a single tube is positive: tracing registers itself here (testing does not import tracing)."""

_positive_listeners: list = []


def register_positive_listener(callback) -> None:
    """callback(positive_case) runs inside the transaction that records the positive result."""
    if callback not in _positive_listeners:
        _positive_listeners.append(callback)


def positive_listeners() -> tuple:
    return tuple(_positive_listeners)
