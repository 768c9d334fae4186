"""The task kinds of a written assignment, registered from SupervisionConfig.ready().

The unit's task is done when it reports its rectification (through the assignment page, never through the inbox
alone: the validator refuses that); it is the task that escalates when the deadline passes unreported. A send-back
opens a new task with the extended deadline. A reported rectification opens the inspectors' verification task,
done when they close the assignment or send it back (again only on the assignment's page).
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.tasks.kinds import Outcome, TaskKind, register_kind
from fangkong.territory.models import Responsibility

SUBJECT_TYPE = "supervision.assignment"


def check_rectification_reported(task, outcome, data):
    from fangkong.supervision.models import Assignment, Rectification

    reported = Rectification.objects.filter(assignment__task=task, verdict=Rectification.Verdict.PENDING)
    if not Assignment.objects.filter(task=task).exists() or not reported.exists():
        raise ValidationError({"outcome": _("Report the rectification on the written assignment's page.")})
    return data


RECTIFICATION = register_kind(TaskKind(
    code="supervision_rectify",
    label=gettext_lazy("Rectify a supervision finding"),
    description=gettext_lazy("A written assignment (交办单): rectify the problem the inspectors found and report "
                             "what was done, with photos, before the deadline."),
    outcomes=(Outcome("reported", gettext_lazy("Rectification reported")),),
    owner_role=Responsibility.Role.UNIT_CONTACT,
    due=timedelta(hours=72),
    grace=timedelta(hours=2),
    follow_up_kind=None,
    data_validator=check_rectification_reported,
))


def check_verified(task, outcome, data):
    from fangkong.supervision.models import Assignment

    if Assignment.objects.filter(verify_task=task, status=Assignment.Status.REPORTED).exists() or \
            not Assignment.objects.filter(verify_task=task).exists():
        raise ValidationError({"outcome": _("Record the verdict on the written assignment's page.")})
    return data


# The inspectors' side of the loop: a reported rectification waits for their verdict no longer than this task's
# deadline (services.verify_within); past it, the task escalates like any other.
VERIFICATION = register_kind(TaskKind(
    code="supervision_verify",
    label=gettext_lazy("Verify a reported rectification"),
    description=gettext_lazy("The unit has reported its rectification of a written assignment (交办单): check it "
                             "on site or from the photos, then close the assignment or send it back."),
    outcomes=(Outcome("closed", gettext_lazy("Verified and closed")), Outcome("sent_back", gettext_lazy("Sent back"))),
    owner_role=Responsibility.Role.AREA_LEADER,
    due=timedelta(hours=24),
    grace=timedelta(hours=2),
    follow_up_kind=None,
    data_validator=check_verified,
))
