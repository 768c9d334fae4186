"""The task kinds of a closed-loop unit, registered from UnitsConfig.ready(): the daily health check of the people
inside and each test day. Their owner is the unit contact's user, given explicitly (the responsibility map knows
the node, not the unit)."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from fangkong.tasks.kinds import Outcome, TaskKind, register_kind
from fangkong.territory.models import Responsibility

SUBJECT_TYPE = "units.organisation"

LOOP_HEALTH_CHECK = register_kind(TaskKind(
    code="units_loop_health_check",
    label=_("Closed loop: daily health check"),
    description=_("Take the temperature and ask about symptoms of everyone inside the closed loop; report anyone "
                  "with fever or symptoms at once."),
    outcomes=(Outcome("all_well", _("Checked, everyone well")),
              Outcome("symptoms_found", _("Checked, someone has fever or symptoms"), success=False)),
    owner_role=Responsibility.Role.UNIT_CONTACT,
    due=timedelta(hours=12),
    grace=timedelta(hours=2),
))

LOOP_TEST = register_kind(TaskKind(
    code="units_loop_test",
    label=_("Closed loop: test day"),
    description=_("Everyone inside the closed loop is sampled today, at the unit's sites."),
    outcomes=(Outcome("sampled", _("Everyone sampled")),
              Outcome("some_missed", _("Some were not sampled"), success=False)),
    owner_role=Responsibility.Role.UNIT_CONTACT,
    due=timedelta(hours=12),
    grace=timedelta(hours=2),
))
