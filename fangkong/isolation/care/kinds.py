"""Task kinds the care of a site opens; imported from IsolationConfig.ready()."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from fangkong.tasks.kinds import Outcome, TaskKind, register_kind
from fangkong.territory.models import Responsibility

HEALTH_ALERT = register_kind(TaskKind(
    code="isolation_health_alert",
    label=_("Health alert in an isolation site"),
    description=_("A person in the site has a fever or a symptom: see them within the hour and decide whether "
                  "they go to the fever clinic."),
    outcomes=(
        Outcome("seen_stays", _("Seen by the doctor, stays in the site")),
        Outcome("referred", _("Sent to the fever clinic or hospital")),
        Outcome("reading_wrong", _("A wrong reading, measured again normal")),
    ),
    # Owned by the site doctor; a site without one falls to its node's area leader.
    owner_role=Responsibility.Role.AREA_LEADER,
    due=timedelta(hours=1),
    grace=timedelta(minutes=30),
    subject="person",
    follow_up_kind=None,
))

REQUEST = register_kind(TaskKind(
    code="isolation_request",
    label=_("Request of a person in isolation"),
    description=_("A person in the site asked for something (诉求): answer them before the deadline."),
    outcomes=(Outcome("answered", _("Answered")),),
    owner_role=Responsibility.Role.AREA_LEADER,
    due=timedelta(hours=12),
    grace=timedelta(hours=2),
    subject="person",
    follow_up_kind=None,
    on_complete="fangkong.isolation.care.services.request_task_completed",
))
