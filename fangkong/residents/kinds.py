"""Task kinds of the resident's side, registered from ResidentsConfig.ready().

A check-in with a fever or a symptom is an alert for the person's grid worker (the site doctor for a person in a
site), due within hours; a day without any check-in by the cut-off is a task to reach the person.
"""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from fangkong.tasks.kinds import Outcome, TaskKind, register_kind

ALERT = register_kind(TaskKind(
    code="resident_checkin_alert",
    label=_("Check-in alert"),
    description=_("A resident under home isolation or monitoring reported a fever or a symptom: call or visit at "
                  "once, re-measure, and arrange a single-tube test at the door or a fever clinic."),
    outcomes=(
        Outcome("tested_at_door", _("Visited, single-tube test at the door")),
        Outcome("sent_to_clinic", _("Sent to a fever clinic")),
        Outcome("normal_on_recheck", _("Re-measured, normal")),
        Outcome("unreachable", _("Could not be reached"), success=False),
    ),
    due=timedelta(hours=2),
    grace=timedelta(hours=1),
    subject="person",
))

MISSED = register_kind(TaskKind(
    code="resident_checkin_missed",
    label=_("Missed check-in"),
    description=_("A resident under home isolation or monitoring sent no check-in today: reach them, take the "
                  "temperature and symptoms, and remind them to check in twice a day."),
    outcomes=(
        Outcome("reached", _("Reached, temperature taken")),
        Outcome("unreachable", _("Could not be reached"), success=False),
    ),
    due=timedelta(hours=12),
    grace=timedelta(hours=2),
    subject="person",
))
