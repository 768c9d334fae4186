"""measure_start turns an event into status and tasks once; rule-set changes reach only new measures."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fangkong.people.models import ManagementStatus
from fangkong.protocols.jobs import send_protocol_reminders
from fangkong.protocols.models import Measure, Reminder, RuleSet, RuleSetVersion
from fangkong.protocols.selectors import active_rules, active_version, current_version, due_tomorrow, measures_of
from fangkong.protocols.services import measure_end, measure_start, ruleset_activate, ruleset_copy, ruleset_edit
from fangkong.tasks.models import Task
from fangkong.tasks.services import task_complete

pytestmark = pytest.mark.django_db


def active_rule_set():
    return active_version().rule_set


def _start(person, category="close_contact", day_one=None, **kwargs):
    return measure_start(person=person, category=category, day_one=day_one or timezone.localdate(), actor=None,
                         source="test", **kwargs)


def test_edition_9_is_active_on_a_fresh_database():
    assert active_rule_set().preset_key == "covid-ed9"
    assert RuleSet.objects.filter(is_preset=True).count() == 4


def test_a_close_contact_is_isolated_and_gets_the_protocols_tasks_once(chen, grid_worker_a):
    measure = _start(chen)
    again = _start(chen)

    chen.refresh_from_db()
    assert again.pk == measure.pk
    # Stays at home until the isolation site receives him (the transfer task's outcome).
    assert chen.status == ManagementStatus.HOME_ISOLATION
    tasks = Task.objects.filter(subject_type="protocols.measure", subject_id=measure.pk)
    assert sorted(tasks.values_list("kind", flat=True)) == sorted(
        ["first_contact", "transfer_to_isolation"] + ["measure_test"] * 6 + ["measure_stage_end"] * 2)
    assert set(tasks.values_list("owner", flat=True)) == {grid_worker_a.pk}
    first = tasks.get(kind="first_contact")
    assert timedelta(hours=1, minutes=59) < first.due_at - measure.started_at <= timedelta(hours=2)
    assert measure.version.rule_set.preset_key == "covid-ed9"


def test_the_transfer_outcome_puts_the_person_under_centralised_isolation(chen, grid_worker_a):
    measure = _start(chen)
    transfer = Task.objects.get(subject_id=measure.pk, kind="transfer_to_isolation")

    task_complete(task=transfer, outcome="transferred", actor=grid_worker_a)

    chen.refresh_from_db()
    assert chen.status == ManagementStatus.CENTRAL_ISOLATION


def test_releasing_each_stage_moves_the_person_on_then_out(chen, grid_worker_a):
    measure = _start(chen, day_one=timezone.localdate() - timedelta(days=1))
    ends = Task.objects.filter(subject_id=measure.pk, kind="measure_stage_end").order_by("due_at")

    task_complete(task=ends[0], outcome="released", actor=grid_worker_a)
    chen.refresh_from_db()
    assert chen.status == ManagementStatus.HOME_MONITORING

    task_complete(task=ends[1], outcome="released", actor=grid_worker_a)
    chen.refresh_from_db()
    measure.refresh_from_db()
    assert chen.status == ManagementStatus.RELEASED
    assert measure.status == Measure.Status.COMPLETED


def test_not_released_keeps_the_status_and_opens_a_follow_up(chen, grid_worker_a):
    measure = _start(chen)
    end = Task.objects.filter(subject_id=measure.pk, kind="measure_stage_end").order_by("due_at").first()

    task_complete(task=end, outcome="not_released", actor=grid_worker_a)

    chen.refresh_from_db()
    assert chen.status == ManagementStatus.HOME_ISOLATION
    assert Task.objects.filter(kind="follow_up", person=chen).exists()


def test_a_new_active_rule_set_reaches_new_measures_only(chen, hq):
    running = _start(chen)
    copy = ruleset_copy(rule_set=active_rule_set(), name="本市加严方案", actor=hq)
    rules = current_version(copy).rules
    rules["plans"]["close_contact"]["stages"][0]["days"] = 10
    ruleset_edit(rule_set=copy, rules_dict=rules, note="集中隔离延长至10天", actor=hq)
    ruleset_activate(rule_set=copy, actor=hq)

    later = _start(chen, category="arrival_high")

    running.refresh_from_db()
    assert running.version.rule_set.preset_key == "covid-ed9"
    assert running.ends_on == timezone.localdate() + timedelta(days=9)
    assert later.version.rule_set == copy and later.version.number == 2


def test_bad_edits_name_the_field_and_write_nothing(hq):
    copy = ruleset_copy(rule_set=active_rule_set(), name="试验方案", actor=hq)
    rules = current_version(copy).rules
    rules["plans"]["close_contact"]["stages"][0]["test_days"] = [1, 30]

    with pytest.raises(ValidationError) as error:
        ruleset_edit(rule_set=copy, rules_dict=rules, note="试", actor=hq)

    assert "plans.close_contact.stages[0].test_days[1]" in str(error.value)
    assert RuleSetVersion.objects.filter(rule_set=copy).count() == 1


def test_a_preset_is_never_edited_and_only_hq_changes_rules(hq, grid_worker_a):
    preset = active_rule_set()
    with pytest.raises(ValidationError):
        ruleset_edit(rule_set=preset, rules_dict=current_version(preset).rules, note="x", actor=hq)
    with pytest.raises(PermissionDenied):
        ruleset_copy(rule_set=preset, name="网格员的方案", actor=grid_worker_a)


def test_measures_are_seen_within_scope_only(chen, grid_worker_a, grid_worker_b):
    _start(chen)

    assert measures_of(user=grid_worker_a, person=chen).count() == 1
    assert measures_of(user=grid_worker_b, person=chen).count() == 0


def test_ending_a_measure_early_cancels_its_open_tasks(chen, officer_a):
    measure = _start(chen)

    measure_end(measure=measure, reason="升级为确诊", actor=officer_a)

    assert not Task.objects.still_open().filter(subject_id=measure.pk, subject_type="protocols.measure").exists()
    with pytest.raises(ValidationError):
        measure_end(measure=measure, reason="again", actor=officer_a)


def test_day_one_after_registration_is_refused(chen):
    with pytest.raises(ValidationError) as error:
        _start(chen, day_one=date.today() + timedelta(days=3))
    assert "day_one" in error.value.message_dict
    assert not Measure.objects.exists()


def test_reminders_flag_tomorrows_tests_once(chen):
    _start(chen)

    first = send_protocol_reminders()
    assert first >= 1
    assert send_protocol_reminders() == 0


def test_a_grid_worker_elsewhere_cannot_start_a_measure(chen, grid_worker_b):
    with pytest.raises(PermissionDenied):
        measure_start(person=chen, category="close_contact", day_one=timezone.localdate(), actor=grid_worker_b,
                      source="test")
    assert not Measure.objects.exists() and not Task.objects.exists()


def test_a_category_the_active_rules_do_not_cover_imposes_nothing_once(chen, hq):
    ruleset_activate(rule_set=RuleSet.objects.get(preset_key="covid-20"), actor=hq)

    measure = _start(chen, category="secondary_contact")
    again = _start(chen, category="secondary_contact")

    chen.refresh_from_db()
    assert again.pk == measure.pk and measure.status == Measure.Status.NOT_REQUIRED
    assert chen.status == ManagementStatus.NORMAL
    assert not Task.objects.exists()


def test_a_late_registration_makes_up_the_missed_tests_with_one_task(chen):
    day_one = timezone.localdate() - timedelta(days=3)
    registered_at = timezone.now()

    measure = _start(chen, day_one=day_one, registered_at=registered_at)

    tests = Task.objects.filter(subject_id=measure.pk, kind="measure_test").order_by("due_at")
    first_contact = Task.objects.get(subject_id=measure.pk, kind="first_contact")
    assert tests[0].due_at == first_contact.due_at and "Make-up test" in tests[0].title
    # Days 1-3 are over: the make-up, then days 5 and 7 and monitoring day 3.
    assert tests.count() == 4


def test_tests_only_leaves_the_status_alone_through_the_end(chen, grid_worker_a):
    measure = _start(chen, category="arrival_low")
    chen.refresh_from_db()
    assert chen.status == ManagementStatus.NORMAL

    end = Task.objects.get(subject_id=measure.pk, kind="measure_stage_end")
    task_complete(task=end, outcome="released", actor=grid_worker_a)

    chen.refresh_from_db()
    measure.refresh_from_db()
    assert chen.status == ManagementStatus.NORMAL and measure.status == Measure.Status.COMPLETED


def test_versions_are_immutable_and_one_rule_set_is_active():
    from django.db import IntegrityError, transaction

    version = active_version()
    version.note = "changed"
    with pytest.raises(ValueError):
        version.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        RuleSet.objects.filter(preset_key="covid-20").update(is_active=True)
    assert RuleSet.objects.filter(is_active=True).count() == 1
    assert active_rules().plans["close_contact"].stages[0].days == 7


def test_a_bad_edit_leaves_the_description_too(hq):
    copy = ruleset_copy(rule_set=active_rule_set(), name="试验方案", actor=hq)
    rules = current_version(copy).rules
    rules["plans"]["close_contact"]["stages"][0]["status"] = "quarantine"

    with pytest.raises(ValidationError) as error:
        ruleset_edit(rule_set=copy, rules_dict=rules, note="", actor=hq, description="新说明")

    assert "plans.close_contact.stages[0].status" in str(error.value)
    copy.refresh_from_db()
    assert copy.description == active_rule_set().description
    with pytest.raises(ValidationError, match="Nothing changed"):
        ruleset_edit(rule_set=copy, rules_dict=current_version(copy).rules, note="", actor=hq)


def test_edits_and_activation_are_audited(hq):
    from fangkong.audit.models import AuditEntry

    copy = ruleset_copy(rule_set=active_rule_set(), name="本市方案", actor=hq)
    rules = current_version(copy).rules
    rules["lookback_days"] = 5
    ruleset_edit(rule_set=copy, rules_dict=rules, note="追溯期5天", actor=hq)
    ruleset_activate(rule_set=copy, actor=hq)

    from django.contrib.contenttypes.models import ContentType

    entries = AuditEntry.objects.filter(object_id=copy.pk, content_type=ContentType.objects.get_for_model(RuleSet))
    entries = entries.order_by("pk")
    assert [e.action for e in entries] == ["copy", "edit", "activate"]
    assert entries[1].changes["lookback_days"] == [4, 5]


def test_reminders_flag_exactly_tomorrows_open_work_and_restore_a_missing_task(chen):
    measure = _start(chen, day_one=timezone.localdate())
    tomorrow = timezone.localdate() + timedelta(days=1)

    assert send_protocol_reminders() == 1  # the day-2 test; day 1's test and first contact are today
    reminder = Reminder.objects.get()
    assert reminder.work_day == tomorrow and reminder.task.kind == "measure_test"
    assert "day 2" in reminder.task.title

    key = reminder.task.dedupe_key
    Task.objects.filter(dedupe_key=key).delete()  # lost somehow: the plan still wants it
    assert send_protocol_reminders() == 1
    assert Task.objects.filter(dedupe_key=key, status="open").exists()
    assert [r.task.dedupe_key for r in due_tomorrow(user=chen_grid_worker(chen))] == [key]
    assert Measure.objects.get(pk=measure.pk).status == Measure.Status.ACTIVE


def test_reminders_skip_work_already_done_and_ended_measures(chen, grid_worker_a, officer_a):
    measure = _start(chen, day_one=timezone.localdate())
    day_two = Task.objects.get(subject_id=measure.pk, kind="measure_test", title__contains="day 2")
    task_complete(task=day_two, outcome="sampled", actor=grid_worker_a)
    assert send_protocol_reminders() == 0

    other = _start(chen, category="arrival_high", day_one=timezone.localdate() - timedelta(days=1))
    measure_end(measure=other, reason="升级为密接", actor=officer_a)
    assert send_protocol_reminders() == 0


def chen_grid_worker(person):
    from fangkong.territory.models import Responsibility

    return Responsibility.objects.get(role="grid_worker", unit=person.unit.parent).user
