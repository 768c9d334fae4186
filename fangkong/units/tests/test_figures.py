import datetime

import pytest
from django.utils import timezone

from fangkong.command.figures import Context
from fangkong.units import figures, loops, resumption, selectors

pytestmark = pytest.mark.django_db


def test_figures_count_units_loops_and_applications(refinery, smelter, contact, officer_a, staff):
    today = timezone.localdate()
    loops.loop_start(organisation=refinery, starts_on=today, planned_end_on=today + datetime.timedelta(days=7),
                     sites=[("plant", "厂区")], staff_ids=[staff[0].pk], actor=contact)
    answers = [resumption.Answer(item_id=i.pk, met=True) for i in selectors.checklist_items(kind="enterprise")]
    resumption.application_submit(organisation=refinery, planned_reopen_on=today, answers=answers, actor=contact)
    approved = resumption.application_submit(organisation=smelter, planned_reopen_on=today, answers=answers,
                                             actor=officer_a)
    resumption.application_review(application=approved, decision="approve", actor=officer_a)
    # when
    counts = figures.collect(Context(now=timezone.now(), today=today))
    # then
    assert counts[refinery.unit_id]["units.in_loop"] == 1
    assert counts[refinery.unit_id]["units.applications_pending"] == 1
    assert counts[refinery.unit_id]["units.status.applying"] == 1
    assert counts[smelter.unit_id]["units.approved_week"] == 1
    assert counts[smelter.unit_id]["units.status.open"] == 1
