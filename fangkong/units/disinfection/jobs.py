"""Periodic jobs of disinfection (ops/schedules by dotted path); idempotent."""


def order_for_new_cases() -> int:
    """Terminal disinfection orders for the homes and itinerary places of cases new since the last run."""
    from fangkong.units.disinfection.services import orders_for_new_cases

    return orders_for_new_cases()


def dispatch_routine_disinfection() -> int:
    """Today's routine disinfection tasks of every schedule in force."""
    from fangkong.units.disinfection.services import routine_tasks_dispatch

    return routine_tasks_dispatch()
