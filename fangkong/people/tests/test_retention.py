"""PIPL retention: a dry run first, then people long released lose their personal data; statistics stay."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from fangkong.accounts.models import AccessLog
from fangkong.audit.models import AuditEntry
from fangkong.people import retention
from fangkong.people.models import ManagementStatus, Person, StatusChange
from fangkong.people.selectors import person_search
from fangkong.people.services import person_reveal, person_status_change, person_tag_set

pytestmark = pytest.mark.django_db


def _released(person, days_ago: int, actor):
    when = timezone.now() - timedelta(days=days_ago)
    # On file long before the outbreak.
    Person.objects.filter(pk=person.pk).update(status_since=when - timedelta(days=365))
    person_status_change(person=person, to_status=ManagementStatus.HOME_ISOLATION, cause="close contact",
                         actor=actor, at=when - timedelta(days=10))
    person_status_change(person=person, to_status=ManagementStatus.RELEASED, cause="released", actor=actor, at=when)


def test_dry_run_counts_only_people_long_released_and_changes_nothing(chen, zhang, li_b, hq):
    _released(chen, days_ago=200, actor=hq)
    _released(zhang, days_ago=30, actor=hq)  # released too recently
    # li_b was never under a measure: a resident on the census, not a retention case.

    report = retention.dry_run(days=180)

    assert report.total == 1
    assert report.by_district == [("东城区", 1)]
    assert report.sample[0][0] == chen.pk and chen.id_number not in report.sample[0][1]
    chen.refresh_from_db()
    assert chen.name == "陈纲" and chen.anonymised_at is None


def test_anonymise_removes_personal_data_and_keeps_the_history(chen, zhang, hq, grid_worker_a):
    person_tag_set(person=chen, tags={"chronic"}, actor=hq)
    _released(chen, days_ago=200, actor=hq)
    _released(zhang, days_ago=30, actor=hq)
    person_reveal(person=chen, actor=grid_worker_a, reason="上门核实")
    old_id = chen.id_number

    assert retention.anonymise(days=180) == 1

    chen.refresh_from_db()
    assert (chen.name, chen.phone, chen.address) == (retention.ANONYMOUS_NAME, "", "")
    assert chen.id_number != old_id and chen.birth_date.month == chen.birth_date.day == 1
    assert not chen.tags.exists()
    assert StatusChange.objects.filter(person=chen).count() >= 3
    assert not Person.objects.filter(id_number=old_id).exists()
    assert list(person_search(user=hq, query="陈纲")) == []
    assert all(e.object_repr == "" and e.changes == {} for e in AuditEntry.objects.filter(
        content_type__model="person", object_id=chen.pk))
    assert AccessLog.objects.get(object_id=chen.pk).object_repr == ""
    zhang.refresh_from_db()
    assert zhang.name == "张三"
    # Run again: nothing left to do.
    assert retention.anonymise(days=180) == 0


def test_the_command_is_a_dry_run_unless_told_to_apply(chen, hq, capsys):
    _released(chen, days_ago=400, actor=hq)

    call_command("retention", "--days", "365")
    assert "1 people" in capsys.readouterr().out
    assert Person.objects.get(pk=chen.pk).anonymised_at is None

    call_command("retention", "--days", "365", "--apply")
    assert "anonymised 1 people" in capsys.readouterr().out
    assert Person.objects.get(pk=chen.pk).anonymised_at is not None
