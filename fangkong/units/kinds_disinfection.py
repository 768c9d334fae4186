"""Task kinds of fever clinics and disinfection, registered from UnitsConfig.ready().

fever_test_due: the clinic's single-tube test of a fever patient, due within the protocol's fever-clinic
turnaround; owned by the reporting clinic user (given explicitly: clinics are not on the responsibility map).
fever_sent_home_followup: the patient's grid worker visits the home and monitors health until the result.
disinfection_terminal / disinfection_routine: a place's terminal or routine disinfection; closing one records the
product and quantity used (and issues it from the stock ledger) through DisinfectionDoneForm."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from fangkong.tasks.kinds import Outcome, TaskKind, register_kind
from fangkong.territory.models import Responsibility

FEVER_SUBJECT = "units.feverreport"
ORDER_SUBJECT = "units.disinfectionorder"
SCHEDULE_SUBJECT = "units.disinfectionschedule"

FEVER_TEST_DUE = register_kind(TaskKind(
    code="fever_test_due",
    label=_("Fever patient: single-tube test"),
    description=_("Sample the fever patient in a single tube and have the result within the fever-clinic "
                  "turnaround."),
    outcomes=(Outcome("sampled", _("Sampled, result awaited")),
              Outcome("result_negative", _("Result negative")),
              Outcome("result_positive", _("Result positive, reported")),
              Outcome("not_sampled", _("Could not be sampled"), success=False)),
    owner_role=Responsibility.Role.UNIT_CONTACT,
    due=timedelta(hours=6),
    grace=timedelta(hours=1),
    subject="person",
))

FEVER_SENT_HOME_FOLLOWUP = register_kind(TaskKind(
    code="fever_sent_home_followup",
    label=_("Fever patient sent home: home visit"),
    description=_("Visit the fever patient sent home from the clinic, check temperature and symptoms and keep "
                  "monitoring their health until the test result is known."),
    outcomes=(Outcome("visited_well", _("Visited, monitoring until the result")),
              Outcome("visited_worse", _("Visited, symptoms worse: sent back to the clinic")),
              Outcome("not_home", _("Not at home"), success=False)),
    owner_role=Responsibility.Role.GRID_WORKER,
    due=timedelta(hours=12),
    grace=timedelta(hours=2),
    subject="person",
))

_DONE_OUTCOMES = (Outcome("disinfected", _("Disinfected")),
                  Outcome("not_accessible", _("Could not get in"), success=False))

DISINFECTION_TERMINAL = register_kind(TaskKind(
    code="disinfection_terminal",
    label=_("Terminal disinfection"),
    description=_("Disinfect the place after the case or the positive environment sample (终末消毒) by the "
                  "deadline; record the product and quantity used."),
    outcomes=_DONE_OUTCOMES,
    owner_role=Responsibility.Role.LIAISON_CADRE,
    due=timedelta(hours=24),
    grace=timedelta(hours=2),
    form_class="fangkong.units.disinfection.forms.DisinfectionDoneForm",
    # Could not get in: the order's next task is opened by on_complete, not a generic follow-up.
    follow_up_kind=None,
    data_validator="fangkong.units.disinfection.services.clean_done_data",
    on_complete="fangkong.units.disinfection.services.disinfection_task_completed",
))

DISINFECTION_ROUTINE = register_kind(TaskKind(
    code="disinfection_routine",
    label=_("Routine disinfection"),
    description=_("Disinfect the public place as its schedule says (预防性消毒); record the product and quantity "
                  "used."),
    outcomes=_DONE_OUTCOMES,
    owner_role=Responsibility.Role.UNIT_CONTACT,
    due=timedelta(hours=8),
    grace=timedelta(hours=2),
    form_class="fangkong.units.disinfection.forms.DisinfectionDoneForm",
    # Could not get in: the order's next task is opened by on_complete, not a generic follow-up.
    follow_up_kind=None,
    data_validator="fangkong.units.disinfection.services.clean_done_data",
    on_complete="fangkong.units.disinfection.services.disinfection_task_completed",
))
