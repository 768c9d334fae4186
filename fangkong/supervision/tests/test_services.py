"""The closed loop in services: findings on submit, numbered assignments to the responsible person, rectification,
verification, send-back, repeats, and bad input that writes nothing."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fangkong.supervision import services
from fangkong.supervision.defaults import seed_default_checklists
from fangkong.supervision.models import Assignment, Checklist, CheckResult, Finding, Photo, Rectification
from fangkong.supervision.tests.conftest import answers_failing, png
from fangkong.tasks.models import Task
from fangkong.tasks.services import escalate_overdue, task_complete

pytestmark = pytest.mark.django_db


def test_default_checklists_are_seeded_once_in_chinese(checklists):
    assert Checklist.objects.count() == 7
    assert seed_default_checklists() == 0
    texts = list(Checklist.objects.get(site_type="isolation_site").items.values_list("text", flat=True))
    assert texts[0].startswith("三区两通道")


def test_each_failed_item_becomes_a_finding_in_one_submit(inspection_a, inspector_a):
    site = inspection_a.sites.get()
    findings = services.site_submit(site=site, answers=answers_failing(site, failed=2, photos=[png()]),
                                    notes="夜间21点到访", actor=inspector_a)
    assert len(findings) == 2 and {f.severity for f in findings} == {"serious"}
    assert CheckResult.objects.filter(site=site).count() == 8
    assert Photo.objects.filter(result__site=site).count() == 2
    inspection_a.refresh_from_db()
    assert inspection_a.status == "done"


def test_a_failed_item_needs_a_note_and_nothing_is_written(inspection_a, inspector_a):
    site = inspection_a.sites.get()
    answers = answers_failing(site)
    answers[0].note = "  "
    with pytest.raises(ValidationError) as exc:
        services.site_submit(site=site, answers=answers, actor=inspector_a)
    assert f"note_{answers[0].item_id}" in exc.value.error_dict
    assert not CheckResult.objects.exists() and not Finding.objects.exists()


def test_every_item_must_be_answered(inspection_a, inspector_a):
    site = inspection_a.sites.get()
    with pytest.raises(ValidationError):
        services.site_submit(site=site, answers=answers_failing(site)[:-1], actor=inspector_a)
    assert not CheckResult.objects.exists()


def test_a_photo_that_is_not_an_image_or_too_large_is_refused(inspection_a, inspector_a, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    site = inspection_a.sites.get()
    fake = SimpleUploadedFile("现场.jpg", b"this is not a picture", content_type="image/jpeg")
    with pytest.raises(ValidationError) as exc:
        services.site_submit(site=site, answers=answers_failing(site, photos=[fake]), actor=inspector_a)
    assert "is not an image" in " ".join(exc.value.messages)
    settings.SUPERVISION_PHOTO_MAX_BYTES = 100
    with pytest.raises(ValidationError) as exc:
        services.site_submit(site=site, answers=answers_failing(site, photos=[png(size=(400, 400))]),
                             actor=inspector_a)
    assert "larger than" in " ".join(exc.value.messages)
    assert not Finding.objects.exists() and not Photo.objects.exists()


def test_only_the_team_in_scope_fills_the_checklist(inspection_a, inspector_b, city):
    site = inspection_a.sites.get()
    with pytest.raises(PermissionDenied):
        services.site_submit(site=site, answers=answers_failing(site), actor=inspector_b)
    with pytest.raises(ValidationError):
        services.inspection_site_add(inspection=inspection_a, unit=city.b.community, site_type="market",
                                     name="西城市场", actor=inspection_a.team.get())


def test_the_assignment_is_numbered_has_a_deadline_by_severity_and_a_task_for_the_responsible_person(
        assignment_a, contact_a, city):
    year = timezone.localdate().year
    assert assignment_a.number == f"督交〔{year}〕第0001号"
    assert assignment_a.responsible_unit == city.a.community and assignment_a.owner == contact_a
    hours = (assignment_a.due_at - assignment_a.issued_at).total_seconds() / 3600
    assert hours == pytest.approx(24)  # serious
    task = assignment_a.task
    assert task.kind == "supervision_rectify" and task.owner == contact_a and task.unit == city.a.community
    assert task.subject_type == "supervision.assignment" and task.subject_id == assignment_a.pk


def test_numbers_follow_each_other_without_gaps(inspection_a, inspector_a, contact_a):
    site = inspection_a.sites.get()
    findings = services.site_submit(site=site, answers=answers_failing(site, failed=3), actor=inspector_a)
    numbers = [services.assignment_issue(finding=f, actor=inspector_a).seq for f in findings]
    assert numbers == [1, 2, 3]
    with pytest.raises(ValidationError):
        services.assignment_issue(finding=findings[0], actor=inspector_a)
    assert Assignment.objects.count() == 3


def test_the_responsible_person_falls_back_up_the_tree(finding_a, inspector_a, city, officer_a):
    from fangkong.territory.models import Responsibility

    Responsibility.objects.create(unit=city.a.street, role=Responsibility.Role.AREA_LEADER, user=officer_a,
                                  name="张书记")
    assignment = services.assignment_issue(finding=finding_a, actor=inspector_a)
    assert assignment.responsible_unit == city.a.street and assignment.owner == officer_a


def test_someone_who_may_not_rectify_is_passed_over(finding_a, inspector_a, city, officer_a):
    from conftest import make_user
    from fangkong.accounts.roles import Role
    from fangkong.territory.models import Responsibility

    guard = make_user("guard_contact", Role.CHECKPOINT, finding_a.unit)
    Responsibility.objects.create(unit=finding_a.unit, role=Responsibility.Role.UNIT_CONTACT, user=guard,
                                  name="卡口值守")
    Responsibility.objects.create(unit=city.a.street, role=Responsibility.Role.AREA_LEADER, user=officer_a,
                                  name="张书记")
    assignment = services.assignment_issue(finding=finding_a, actor=inspector_a)
    assert assignment.owner == officer_a


def test_an_assignment_cannot_be_closed_without_a_verification(assignment_a, inspector_a, contact_a):
    with pytest.raises(ValidationError):
        services.assignment_close(assignment=assignment_a, note="看过了", actor=inspector_a)
    with pytest.raises(ValidationError):  # nor closed from the task inbox without a report
        task_complete(task=assignment_a.task, outcome="reported", actor=contact_a)
    services.rectification_report(assignment=assignment_a, report="已安排三班倒值守", photos=[png()], actor=contact_a)
    with pytest.raises(ValidationError) as exc:
        services.assignment_close(assignment=assignment_a, note="  ", actor=inspector_a)
    assert "note" in exc.value.error_dict
    assignment_a.refresh_from_db()
    assert assignment_a.status == "reported" and assignment_a.closed_at is None
    services.assignment_close(assignment=assignment_a, note="复查值守到位", actor=inspector_a)
    assignment_a.refresh_from_db()
    assert assignment_a.status == "closed" and assignment_a.rectifications.get().verdict == "accepted"
    assert Task.objects.get(pk=assignment_a.task_id).status == "done"


def test_a_rectification_needs_words_and_an_officer_in_scope(assignment_a, officer_b, contact_a):
    with pytest.raises(PermissionDenied):
        services.rectification_report(assignment=assignment_a, report="已整改", actor=officer_b)
    with pytest.raises(ValidationError):
        services.rectification_report(assignment=assignment_a, report=" ", actor=contact_a)
    assert not Rectification.objects.exists()


def test_a_send_back_needs_a_reason_extends_the_deadline_and_opens_a_new_task(assignment_a, inspector_a, contact_a):
    services.rectification_report(assignment=assignment_a, report="已整改", actor=contact_a)
    with pytest.raises(ValidationError):
        services.assignment_send_back(assignment=assignment_a, reason="", actor=inspector_a)
    old_due, old_task = assignment_a.due_at, assignment_a.task_id
    services.assignment_send_back(assignment=assignment_a, reason="仍无夜班", actor=inspector_a)
    assignment_a.refresh_from_db()
    assert assignment_a.status == "open" and assignment_a.reopen_count == 1
    assert assignment_a.due_at >= old_due + datetime.timedelta(hours=24)
    assert assignment_a.task_id != old_task and assignment_a.task.status == "open"
    assert assignment_a.task.due_at == assignment_a.due_at


def test_an_overdue_assignment_escalates_through_its_task(assignment_a, city):
    later = assignment_a.due_at + datetime.timedelta(hours=3)
    assert escalate_overdue(now=later) >= 1
    task = Task.objects.get(pk=assignment_a.task_id)
    assert task.escalation_level == 1 and task.escalated_to == city.a.street


def test_the_same_item_failed_again_within_30_days_is_a_repeat(inspection_a, inspector_a, finding_a, city):
    again = services.inspection_create(unit=city.a.district, kind="planned", day=timezone.localdate(),
                                       title="复查", team=[], actor=inspector_a)
    site = services.inspection_site_add(inspection=again, unit=city.a.community, site_type="checkpoint",
                                        name="东一社区北门卡口", actor=inspector_a)
    finding = services.site_submit(site=site, answers=answers_failing(site), actor=inspector_a)[0]
    assert finding.repeat_of == finding_a
    assert finding_a.repeat_of is None


@pytest.mark.django_db(transaction=True)
def test_two_assignments_issued_at_once_get_consecutive_numbers(inspection_a, inspector_a, contact_a):
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    site = inspection_a.sites.get()
    findings = services.site_submit(site=site, answers=answers_failing(site, failed=2), actor=inspector_a)
    barrier, errors = threading.Barrier(2), []

    def issue(finding):
        try:
            barrier.wait()
            services.assignment_issue(finding=finding, actor=inspector_a)
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(f,)) for f in findings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(Assignment.objects.values_list("seq", flat=True)) == [1, 2]
