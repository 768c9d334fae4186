"""Reopening: the unit applies against its checklist; the street reviews; approval cannot skip the checklist."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fangkong.people.services import person_status_change
from fangkong.units import resumption, selectors
from fangkong.units.models import Application, ApplicationEvent, Organisation

pytestmark = pytest.mark.django_db


def answers_for(org, *, met=True, skip=0):
    items = selectors.checklist_items(kind=org.kind)
    return [resumption.Answer(item_id=i.pk, met=met) for i in items[skip:]]


def submit(org, actor, **kwargs):
    return resumption.application_submit(organisation=org, planned_reopen_on=timezone.localdate(),
                                         answers=kwargs.pop("answers", None) or answers_for(org), actor=actor,
                                         **kwargs)


def test_the_unit_applies_and_the_street_approves(refinery, contact, officer_a, staff):
    # given: one worker is under home isolation
    person_status_change(person=staff[0].person, to_status="home_isolation", actor=None, cause="test")
    # when
    application = submit(refinery, contact)
    # then
    refinery.refresh_from_db()
    assert refinery.status == Organisation.Status.APPLYING
    assert application.staff_at_submit["total"] == 3 and application.staff_at_submit["under_measures"] == 1
    assert application.answers.count() == len(selectors.checklist_items(kind="enterprise"))
    # when
    resumption.application_review(application=application, decision="approve", actor=officer_a)
    # then
    application.refresh_from_db()
    refinery.refresh_from_db()
    assert application.status == Application.Status.APPROVED and application.reviewed_by == officer_a
    assert refinery.status == Organisation.Status.OPEN
    assert list(ApplicationEvent.objects.filter(application=application).values_list("to_status", flat=True)) == [
        "submitted", "approved"]


def test_approval_cannot_skip_the_checklist(refinery, contact, officer_a):
    items = selectors.checklist_items(kind="enterprise")
    required = next(i for i in items if i.required)
    answers = [resumption.Answer(item_id=i.pk, met=(i.pk != required.pk)) for i in items[:-1]]
    application = submit(refinery, contact, answers=answers)
    # when / then
    with pytest.raises(ValidationError) as exc:
        resumption.application_review(application=application, decision="approve", actor=officer_a)
    message = " ".join(exc.value.messages)
    assert required.text in message and items[-1].text in message
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    # the reviewer returns it instead, with a reason
    resumption.application_review(application=application, decision="return", reason="测温点未设置", actor=officer_a)
    application.refresh_from_db()
    assert application.status == Application.Status.RETURNED


def test_return_and_reject_need_a_reason(refinery, contact, officer_a):
    application = submit(refinery, contact)
    for decision in ("return", "reject"):
        with pytest.raises(ValidationError):
            resumption.application_review(application=application, decision=decision, reason=" ", actor=officer_a)
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert application.events.count() == 1


def test_an_officer_of_another_district_cannot_review(refinery, contact, officer_b, client):
    application = submit(refinery, contact)
    with pytest.raises(PermissionDenied):
        resumption.application_review(application=application, decision="approve", actor=officer_b)
    client.force_login(officer_b)
    assert client.get(f"/units/applications/{application.pk}/").status_code == 404
    assert client.post(f"/units/applications/{application.pk}/review/", {"decision": "approve"}).status_code == 404
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED


def test_a_unit_contact_cannot_review_their_own_application(refinery, contact):
    application = submit(refinery, contact)
    with pytest.raises(PermissionDenied):
        resumption.application_review(application=application, decision="approve", actor=contact)


def test_one_pending_application_at_a_time_and_no_past_date(refinery, contact):
    submit(refinery, contact)
    with pytest.raises(ValidationError):
        submit(refinery, contact)
    assert Application.objects.count() == 1
    Application.objects.update(status="returned")
    with pytest.raises(ValidationError) as exc:
        resumption.application_submit(organisation=refinery, actor=contact, answers=answers_for(refinery),
                                      planned_reopen_on=timezone.localdate() - datetime.timedelta(days=1))
    assert "planned_reopen_on" in exc.value.message_dict
    assert Application.objects.count() == 1


def test_an_officer_may_apply_on_the_units_behalf(refinery, officer_a):
    application = submit(refinery, officer_a)
    assert application.submitted_by == officer_a
