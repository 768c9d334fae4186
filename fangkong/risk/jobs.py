"""Periodic jobs of the risk app (named by dotted path in ops.schedules)."""

from fangkong.risk.services import propose_downgrades


def propose_downgrades_job() -> int:
    """Idempotent: an area with a pending proposal gets no second one."""
    return propose_downgrades()
