"""The task kind of an uncovered shift, registered from WorkforceConfig.ready()."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from fangkong.tasks.kinds import Outcome, TaskKind, register_kind
from fangkong.territory.models import Responsibility

UNCOVERED = register_kind(TaskKind(
    code="workforce_uncovered",
    label=_("Nobody on the next shift"),
    description=_("A duty post has nobody on its next shift: put a team on the roster before the post is left "
                  "unattended, or close the post."),
    outcomes=(
        Outcome("covered", _("A team is on the roster")),
        Outcome("post_closed", _("The post is closed")),
    ),
    owner_role=Responsibility.Role.AREA_LEADER,
    due=timedelta(hours=2),
    grace=timedelta(hours=1),
    follow_up_kind=None,
))
