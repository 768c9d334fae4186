"""Task kinds of epidemiological investigation, registered from TracingConfig.ready()."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from fangkong.tasks.kinds import Outcome, TaskKind, register_kind

# Owned by the case's tracer (the area leader until one is assigned); closed by the case page's steps.
TRACE_CORE = register_kind(TaskKind(
    code="trace_core",
    label=_("Core tracing information"),
    description=_("Reach the case, record the itinerary of the look-back window and classify the close contacts; "
                  "the task closes when the case page records the core information as complete."),
    outcomes=(Outcome("done", _("Core information complete")),),
    owner_role="area_leader",
    due=timedelta(hours=4),
    grace=timedelta(hours=1),
    follow_up_kind=None,
))

TRACE_REPORT = register_kind(TaskKind(
    code="trace_report",
    label=_("Full tracing report"),
    description=_("Complete the case's tracing report (流调报告): timeline, exposures, every contact classified."),
    outcomes=(Outcome("done", _("Report complete")),),
    owner_role="area_leader",
    due=timedelta(hours=24),
    grace=timedelta(hours=2),
    follow_up_kind=None,
))

CASE_TRANSFER = register_kind(TaskKind(
    code="case_transfer",
    label=_("Transfer a case to hospital"),
    description=_("A new case: keep them where they are, arrange the closed-loop transfer to the designated "
                  "hospital or shelter hospital, and record it."),
    outcomes=(
        Outcome("transferred", _("Taken to the designated hospital")),
        Outcome("not_found", _("Could not be found"), success=False),
    ),
    due=timedelta(hours=2),
    grace=timedelta(hours=1),
    subject="person",
    on_complete="fangkong.tracing.services.case_transfer_completed",
))
