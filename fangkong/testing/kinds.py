"""Task kinds mass testing opens, registered from TestingConfig.ready()."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from fangkong.tasks.kinds import Outcome, TaskKind, register_kind

POOL_RECHECK = register_kind(TaskKind(
    code="pool_recheck",
    label=_("Single-tube re-check at the door"),
    description=_("A pool this person was in tested positive or invalid: tell them to stay where they are and take "
                  "a single-tube sample at the door; record the tube's code."),
    outcomes=(
        Outcome("sampled", _("Sampled in a single tube")),
        Outcome("refused", _("Refused sampling"), success=False),
        Outcome("not_found", _("Could not be found"), success=False),
    ),
    due=timedelta(hours=2),
    grace=timedelta(hours=1),
    subject="person",
    data_validator="fangkong.testing.services.recheck_task_data",
    on_complete="fangkong.testing.services.recheck_task_completed",
))

ROUND_UNSAMPLED = register_kind(TaskKind(
    code="round_unsampled",
    label=_("Residents not yet sampled in a round"),
    description=_("应检尽检: the people of this building the round has not sampled yet; reach each of them, or say "
                  "why they cannot be sampled."),
    outcomes=(
        Outcome("all_sampled", _("Everyone sampled or accounted for")),
        Outcome("some_remaining", _("Some still not sampled"), success=False),
    ),
    due=timedelta(hours=6),
    grace=timedelta(hours=2),
))

LOST_TUBE = register_kind(TaskKind(
    code="testing_lost_tube",
    label=_("Tube missing at the lab"),
    description=_("A tube in a handover never reached the lab: find it, or re-sample its people."),
    outcomes=(
        Outcome("found", _("Found and delivered")),
        Outcome("resampled", _("People re-sampled")),
    ),
    owner_role="area_leader",
    due=timedelta(hours=2),
    grace=timedelta(hours=1),
    follow_up_kind=None,
))
