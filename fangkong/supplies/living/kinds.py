"""Task kinds of living support. Each need carries one task for the grid worker of its household: it closes when
the need is met, and an unmet need past its deadline escalates with it."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from fangkong.tasks.kinds import Outcome, TaskKind, register_kind

_OUTCOMES = (
    Outcome("delivered", _("Delivered to the door")),
    Outcome("not_needed", _("No longer needed"), success=False),
)

URGENT_NEED = register_kind(TaskKind(
    code="living_urgent_need",
    label=_("Urgent household need"),
    description=_("Medicine or special care for a household under control: see that it reaches the door within "
                  "hours, with the supplies office's delivery team or yourself."),
    outcomes=_OUTCOMES,
    due=timedelta(hours=4),
    grace=timedelta(hours=1),
    subject="household",
    follow_up_kind=None,
    on_complete="fangkong.supplies.living.services.need_task_completed",
))

NEED = register_kind(TaskKind(
    code="living_need",
    label=_("Household need"),
    description=_("Daily necessities for a household under control, bought in the next unified purchase and "
                  "delivered to the door."),
    outcomes=_OUTCOMES,
    due=timedelta(hours=48),
    grace=timedelta(hours=12),
    subject="household",
    follow_up_kind=None,
    on_complete="fangkong.supplies.living.services.need_task_completed",
))

TASK_SUBJECT = "supplies.need"
