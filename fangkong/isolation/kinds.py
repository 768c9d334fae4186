"""Task kinds of centralised isolation, registered from IsolationConfig.ready()."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from fangkong.tasks.kinds import Outcome, TaskKind, register_kind

NOT_FOUND = register_kind(TaskKind(
    code="isolation_not_found",
    label=_("Not found for the isolation transfer"),
    description=_("The transfer vehicle did not find this person at home. Find them, keep them where they are, and "
                  "say where they are: they are back in the placement queue."),
    outcomes=(
        Outcome("found", _("Found; waiting at home for the next vehicle")),
        Outcome("elsewhere", _("Elsewhere; location passed on"), success=False),
    ),
    due=timedelta(hours=1),
    grace=timedelta(hours=1),
    subject="person",
))
