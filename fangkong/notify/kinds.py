"""The task kind of a person a message could not reach, registered from NotifyConfig.ready().

Opened once per message (dedupe key notify_unreachable:<message id>), never per retry, on the person's building,
for their grid worker: what the text said still has to reach them, by phone or at the door.
"""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from fangkong.tasks.kinds import Outcome, TaskKind, register_kind
from fangkong.territory.models import Responsibility

UNREACHABLE = register_kind(TaskKind(
    code="notify_unreachable",
    label=_("Call or visit: message not delivered"),
    description=_("A message to this person could not be delivered (no phone on file, the number was refused, "
                  "or every retry failed). Call them or go to the door and tell them what it said."),
    outcomes=(
        Outcome("reached_by_phone", _("Reached by phone")),
        Outcome("visited", _("Visited and told")),
        Outcome("not_found", _("Not found"), success=False),
    ),
    owner_role=Responsibility.Role.GRID_WORKER,
    due=timedelta(hours=4),
    grace=timedelta(hours=2),
    subject="person",
))
