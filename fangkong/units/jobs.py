"""Periodic jobs of units (ops/schedules by dotted path)."""


def dispatch_loop_tasks() -> int:
    """Every running closed loop's health check and test day for today; idempotent."""
    from fangkong.units.loops import loop_tasks_dispatch_all

    return loop_tasks_dispatch_all()
