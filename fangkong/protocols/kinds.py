"""Task kinds the protocol opens, registered from ProtocolsConfig.ready()."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from fangkong.tasks.kinds import Outcome, TaskKind, register_kind

MEASURE_TEST = register_kind(TaskKind(
    code="measure_test",
    label=_("Sampling on a test day"),
    description=_("Take the person's sample on the day the protocol says (single tube), and record it."),
    outcomes=(
        Outcome("sampled", _("Sampled")),
        Outcome("refused", _("Refused sampling"), success=False),
        Outcome("not_found", _("Could not be found"), success=False),
    ),
    due=timedelta(hours=24),
    grace=timedelta(hours=2),
    subject="person",
    # The single tube goes through mass testing's labs; its result comes back to the person there.
    form_class="fangkong.testing.forms_field.SingleTubeTaskForm",
    data_validator="fangkong.testing.services.measure_task_data",
    on_complete="fangkong.testing.services.measure_task_completed",
))

MEASURE_STAGE_END = register_kind(TaskKind(
    code="measure_stage_end",
    label=_("End of an isolation stage"),
    description=_("Check the stage's tests and release the person to the next stage, or extend it."),
    outcomes=(
        Outcome("released", _("Released to the next stage")),
        Outcome("extended", _("Extended"), success=False),
        Outcome("not_released", _("Not released"), success=False),
    ),
    due=timedelta(hours=24),
    grace=timedelta(hours=2),
    subject="person",
    on_complete="fangkong.protocols.services.stage_end_completed",
))

TRANSFER_TO_ISOLATION = register_kind(TaskKind(
    code="transfer_to_isolation",
    label=_("Transfer to centralised isolation"),
    description=_("Move the person to a centralised isolation site, point to point."),
    outcomes=(
        Outcome("transferred", _("Transferred")),
        Outcome("refused", _("Refused transfer"), success=False),
        Outcome("not_found", _("Could not be found"), success=False),
    ),
    due=timedelta(hours=12),
    grace=timedelta(hours=1),
    subject="person",
    on_complete="fangkong.protocols.services.transfer_completed",
))
