import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fangkong.accounts.models import AccessLog
from fangkong.audit.models import AuditEntry
from fangkong.people.models import ManagementStatus, Person, PersonTag, Sex, StatusChange, Tag
from fangkong.people.selectors import duplicate_groups, person_search
from fangkong.people.services import (
    DuplicatePerson,
    household_create,
    household_update,
    person_create,
    person_merge,
    person_reveal,
    person_status_change,
    person_tag_set,
    person_update,
)
from fangkong.people.tests.conftest import make_id
from fangkong.tasks.models import Task

pytestmark = pytest.mark.django_db


def _audit(person, action):
    ct = ContentType.objects.get_for_model(Person)
    return AuditEntry.objects.filter(content_type=ct, object_id=person.pk, action=action)


def test_create_derives_keys_identity_and_unit(city, home_a, officer_a):
    person = person_create(name="陳綱", id_number=make_id(seq="121"), phone="+86 138-1234-5678", household=home_a,
                           tags=[Tag.CHRONIC], actor=officer_a)
    person.refresh_from_db()
    assert (person.name_simplified, person.name_pinyin, person.name_initials) == ("陈纲", "chengang", "cg")
    assert person.phone == "13812345678"
    assert person.phone_rev == "13812345678"[::-1]
    assert person.id_number_rev == person.id_number[::-1]
    assert person.unit == city.a.building
    assert person.sex == Sex.MALE
    assert person.birth_date == datetime.date(1990, 3, 7)
    assert person.address == home_a.address
    assert list(person.tags.values_list("tag", flat=True)) == [Tag.CHRONIC]
    assert person.status_history.get().to_status == ManagementStatus.NORMAL


def test_audit_stores_id_number_and_phone_masked(home_a, officer_a):
    number = make_id(seq="121")
    person = person_create(name="王五", id_number=number, phone="13812345678", household=home_a, actor=officer_a)
    entry = _audit(person, "create").get()
    assert entry.actor == officer_a
    assert entry.changes["id_number"] == [None, number[:3] + "*" * 11 + number[-4:]]
    assert entry.changes["phone"] == [None, "138****5678"]
    assert number not in str(entry.changes)


def test_create_with_bad_id_writes_nothing(home_a, officer_a):
    with pytest.raises(ValidationError) as exc:
        person_create(name="王五", id_number="110105194912310021", household=home_a, actor=officer_a)
    assert exc.value.message_dict["id_number"] == ["The check digit of this resident ID is wrong."]
    assert not Person.objects.exists()
    assert not StatusChange.objects.exists()


def test_create_outside_scope_is_refused(home_b, officer_a):
    with pytest.raises(PermissionDenied):
        person_create(name="王五", id_number=make_id(), household=home_b, actor=officer_a)
    assert not Person.objects.exists()


def test_create_at_building_and_door_makes_the_household(city, officer_a):
    person = person_create(name="王五", id_number=make_id(), unit=city.a.building, door="3-301", actor=officer_a)
    assert person.household.number == "3-301"
    assert person.household.unit == city.a.building


def test_household_belongs_to_a_building(city, officer_a):
    with pytest.raises(ValidationError, match="building"):
        household_create(unit=city.a.grid, number="1", actor=officer_a)


def test_moving_a_household_moves_its_members(city, home_a, chen, hq):
    other = city.a.building.__class__.objects.create(
        parent=city.a.grid, level=city.a.building.level, name="东城2号楼", code="B2",
        path=city.a.grid.path + "999/", depth=city.a.building.depth)
    household_update(household=home_a, unit=other, actor=hq)
    chen.refresh_from_db()
    assert chen.unit == other


def test_duplicate_resident_id_is_refused_naming_the_person(chen, home_a, officer_a):
    with pytest.raises(DuplicatePerson) as exc:
        person_create(name="陈刚", id_number=chen.id_number, household=home_a, actor=officer_a)
    assert exc.value.existing == chen
    assert "陈纲" in exc.value.message_dict["id_number"][0]
    assert Person.objects.count() == 1


def test_duplicate_outside_scope_is_refused_without_naming(li_b, home_a, officer_a):
    with pytest.raises(DuplicatePerson) as exc:
        person_create(name="李四", id_number=li_b.id_number, household=home_a, actor=officer_a)
    assert exc.value.existing is None
    assert "李四" not in str(exc.value.message_dict)


def test_duplicate_allowed_for_imports_from_other_sources(chen, home_a):
    twin = person_create(name="陈纲", id_number=chen.id_number, household=home_a, actor=None, allow_duplicate=True)
    assert twin.pk != chen.pk


def test_update_recomputes_keys_and_audits_masked(chen, officer_a):
    person_update(person=chen, name="陳剛", phone="13900001111", actor=officer_a)
    chen.refresh_from_db()
    assert (chen.name_simplified, chen.name_initials, chen.phone_rev) == ("陈刚", "cg", "11110000931")
    entry = _audit(chen, "update").get()
    assert entry.changes["phone"] == ["138****5678", "139****1111"]
    assert entry.changes["name"] == ["陈纲", "陳剛"]


def test_update_outside_scope_changes_nothing(li_b, officer_a):
    with pytest.raises(PermissionDenied):
        person_update(person=li_b, name="改名", actor=officer_a)
    li_b.refresh_from_db()
    assert li_b.name == "李四"


def test_tags_are_replaced_and_audited(chen, officer_a):
    person_tag_set(person=chen, tags=[Tag.ELDERLY_ALONE, Tag.CHRONIC], actor=officer_a)
    person_tag_set(person=chen, tags=[Tag.CHRONIC], actor=officer_a)
    assert set(chen.tags.values_list("tag", flat=True)) == {Tag.CHRONIC}
    assert _audit(chen, "tags").count() == 2
    with pytest.raises(ValidationError, match="Unknown tag"):
        person_tag_set(person=chen, tags=["vip"], actor=officer_a)


def test_status_change_writes_history_and_status_together(chen, grid_worker_a):
    change = person_status_change(person=chen, to_status=ManagementStatus.HOME_ISOLATION,
                                  cause="密接", actor=grid_worker_a)
    chen.refresh_from_db()
    assert chen.status == ManagementStatus.HOME_ISOLATION
    assert chen.status_since == change.at
    history = list(chen.status_history.values_list("from_status", "to_status", "cause"))
    assert history[0] == (ManagementStatus.NORMAL, ManagementStatus.HOME_ISOLATION, "密接")
    assert len(history) == 2
    assert _audit(chen, "status").get().changes == {"status": ["normal", "home_isolation"]}


def test_status_change_refuses_no_op_and_missing_cause(chen, officer_a):
    with pytest.raises(ValidationError, match="already under"):
        person_status_change(person=chen, to_status=ManagementStatus.NORMAL, cause="x", actor=officer_a)
    with pytest.raises(ValidationError, match="why"):
        person_status_change(person=chen, to_status=ManagementStatus.HOSPITAL, cause=" ", actor=officer_a)
    assert chen.status_history.count() == 1


def test_status_change_outside_scope_changes_nothing(li_b, officer_a):
    with pytest.raises(PermissionDenied):
        person_status_change(person=li_b, to_status=ManagementStatus.HOSPITAL, cause="x", actor=officer_a)
    li_b.refresh_from_db()
    assert li_b.status == ManagementStatus.NORMAL
    assert li_b.status_history.count() == 1


def test_status_change_cannot_predate_current_status(chen, officer_a):
    with pytest.raises(ValidationError, match="predate"):
        person_status_change(person=chen, to_status=ManagementStatus.HOSPITAL, cause="x", actor=officer_a,
                             at=timezone.now() - datetime.timedelta(days=3))


def _task(person, **extra):
    return Task.objects.create(kind="visit", title=f"上门 {person.name}", unit=person.unit, person=person,
                               due_at=timezone.now() + datetime.timedelta(hours=4), **extra)


def test_merge_keeps_all_history_on_the_survivor(chen, home_a, officer_a):
    twin = person_create(name="陳綱", id_number=chen.id_number, unit=chen.unit, phone="", address="",
                         actor=None, allow_duplicate=True, tags=[Tag.MEDICAL])
    person_status_change(person=twin, to_status=ManagementStatus.HOME_MONITORING, cause="来自风险区", actor=None)
    task = _task(twin)
    assert len(duplicate_groups(user=officer_a)) == 1

    person_merge(survivor=chen, duplicate=twin, actor=officer_a)

    chen.refresh_from_db()
    twin.refresh_from_db()
    assert twin.merged_into == chen
    # chen's own registration, twin's registration and change, and the later status applied to chen.
    causes = list(chen.status_history.order_by("at", "id").values_list("to_status", flat=True))
    assert causes.count(ManagementStatus.NORMAL) == 2
    assert ManagementStatus.HOME_MONITORING in causes
    assert chen.status == ManagementStatus.HOME_MONITORING
    assert not twin.status_history.exists()
    assert set(chen.tags.values_list("tag", flat=True)) == {Tag.MEDICAL}
    task.refresh_from_db()
    assert task.person == chen
    assert _audit(chen, "merge").exists()
    assert _audit(twin, "merged_into").exists()
    assert duplicate_groups(user=officer_a) == []
    assert list(person_search(user=officer_a, query="陈纲")) == [chen]


def test_merge_fills_empty_fields(chen, city, officer_a):
    bare = person_create(name="陈纲", id_number=chen.id_number, unit=city.a.building, actor=None,
                         allow_duplicate=True)
    person_merge(survivor=bare, duplicate=chen, actor=officer_a)
    bare.refresh_from_db()
    assert bare.household == chen.household
    assert bare.phone == chen.phone


def test_merge_needs_the_capability_and_scope(chen, li_b, grid_worker_a, officer_a):
    twin = person_create(name="陈纲", id_number=chen.id_number, unit=chen.unit, actor=None, allow_duplicate=True)
    with pytest.raises(PermissionDenied):
        person_merge(survivor=chen, duplicate=twin, actor=grid_worker_a)
    with pytest.raises(PermissionDenied):
        person_merge(survivor=chen, duplicate=li_b, actor=officer_a)
    twin.refresh_from_db()
    li_b.refresh_from_db()
    assert twin.merged_into is None and li_b.merged_into is None


def test_reveal_returns_plain_values_and_logs(chen, hq):
    values = person_reveal(person=chen, actor=hq, reason="转运核实身份", ip="10.0.0.1")
    assert values["id_number"] == chen.id_number
    assert values["phone"] == "13812345678"
    log = AccessLog.objects.get()
    assert (log.actor, log.kind, log.object_id, log.reason, log.ip) == (hq, "reveal", chen.pk, "转运核实身份",
                                                                        "10.0.0.1")
    assert log.content_type == ContentType.objects.get_for_model(Person)
    assert "id_number" in log.fields


def test_reveal_needs_reason_capability_and_scope(chen, li_b, officer_a, lab_user):
    with pytest.raises(ValidationError, match="why"):
        person_reveal(person=chen, actor=officer_a, reason=" ", ip=None)
    with pytest.raises(PermissionDenied):
        person_reveal(person=chen, actor=lab_user, reason="想看看", ip=None)
    with pytest.raises(PermissionDenied):
        person_reveal(person=li_b, actor=officer_a, reason="想看看", ip=None)
    assert not AccessLog.objects.exists()


def test_tags_cascade_is_not_lost_on_merge_conflict(chen, officer_a):
    person_tag_set(person=chen, tags=[Tag.CHRONIC], actor=None)
    twin = person_create(name="陈纲", id_number=chen.id_number, unit=chen.unit, actor=None, allow_duplicate=True,
                         tags=[Tag.CHRONIC, Tag.DISABLED])
    person_merge(survivor=chen, duplicate=twin, actor=officer_a)
    assert set(chen.tags.values_list("tag", flat=True)) == {Tag.CHRONIC, Tag.DISABLED}
    assert PersonTag.objects.count() == 3
