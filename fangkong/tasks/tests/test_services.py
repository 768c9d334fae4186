from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fangkong.accounts.roles import Role
from fangkong.audit.models import AuditEntry
from fangkong.tasks import services
from fangkong.tasks.kinds import Outcome, TaskKind, get_kind, register_kind
from fangkong.tasks.models import Task
from fangkong.tasks.tests.conftest import assign, make_household, make_user
from fangkong.territory.models import Responsibility

pytestmark = pytest.mark.django_db


def audits(task, action=None):
    qs = AuditEntry.objects.filter(object_id=task.pk, content_type__model="task")
    return qs.filter(action=action) if action else qs


# --- creation and owners --------------------------------------------------------------------------


def test_owner_is_found_by_walking_up_from_the_building(responsibilities, household_a, grid_worker_a):
    task = services.task_create(kind="household_visit", title="", unit=household_a.unit, household=household_a)

    assert task.owner == grid_worker_a
    assert task.owner_role == "grid_worker"
    assert task.status == Task.Status.OPEN
    assert task.title.endswith("101")
    assert task.due_at - task.created_at == pytest.approx(timedelta(hours=24), abs=timedelta(seconds=5))
    assert audits(task, "create").count() == 1


def test_household_assignment_wins_over_the_grid(city, responsibilities, household_a):
    neighbour = make_user("grid_a2", Role.GRID_WORKER, city.a.grid)
    assign(city.a.building, Responsibility.Role.GRID_WORKER, neighbour, household=household_a)

    task = services.task_create(kind="household_visit", title="", unit=household_a.unit, household=household_a)

    assert task.owner == neighbour


def test_nobody_responsible_leaves_the_task_unowned_but_open(household_a):
    task = services.task_create(kind="household_visit", title="", unit=household_a.unit, household=household_a)
    assert task.owner is None and task.status == Task.Status.OPEN


def test_same_dedupe_key_returns_the_first_task(responsibilities, household_a):
    first = services.task_create(kind="household_visit", title="x", unit=household_a.unit, household=household_a,
                                 dedupe_key="measure:42")
    again = services.task_create(kind="household_visit", title="y", unit=household_a.unit, household=household_a,
                                 dedupe_key="measure:42")

    assert again.pk == first.pk and again.title == "x"
    assert Task.objects.count() == 1
    assert audits(first, "create").count() == 1


def test_unknown_kind_and_missing_subject_are_refused(city, household_a):
    with pytest.raises(ValidationError) as unknown:
        services.task_create(kind="teleport", title="x", unit=city.a.grid)
    with pytest.raises(ValidationError) as missing:
        services.task_create(kind="household_visit", title="x", unit=city.a.grid)

    assert "kind" in unknown.value.message_dict
    assert "household" in missing.value.message_dict
    assert not Task.objects.exists()


def test_dispatch_into_another_district_is_refused(city, officer_b, household_a):
    with pytest.raises(PermissionDenied):
        services.task_create(kind="household_visit", title="", unit=household_a.unit, household=household_a,
                             actor=officer_b)
    assert not Task.objects.exists()


def test_grid_worker_cannot_dispatch(city, grid_worker_a, household_a):
    with pytest.raises(PermissionDenied):
        services.task_create(kind="household_visit", title="", unit=household_a.unit, household=household_a,
                             actor=grid_worker_a)


def test_later_modules_register_their_own_kinds(city):
    kind = register_kind(TaskKind(code="test_sampling", label="Sampling at the door",
                                  outcomes=(Outcome("sampled", "Sampled"),), due=timedelta(hours=6)))
    task = services.task_create(kind="test_sampling", title="Sample", unit=city.a.grid)

    assert get_kind("test_sampling") is kind
    assert task.due_at - task.created_at == pytest.approx(timedelta(hours=6), abs=timedelta(seconds=5))
    with pytest.raises(ValueError):
        register_kind(TaskKind(code="test_sampling", label="Other", outcomes=(Outcome("x", "X"),)))


def test_bulk_dispatch_of_a_building_is_idempotent(city, responsibilities, officer_a, grid_worker_a):
    households = [make_household(city.a.building, str(n), f"住户{n}") for n in range(301, 306)]
    due = timezone.now() + timedelta(hours=8)

    tasks, created = services.household_visits_dispatch(households=households, due_at=due, actor=officer_a)
    again, created_again = services.household_visits_dispatch(households=households, due_at=due, actor=officer_a)

    assert created == 5 and created_again == 0
    assert [t.pk for t in again] == [t.pk for t in tasks]
    assert Task.objects.filter(kind="household_visit").count() == 5
    assert {t.owner for t in tasks} == {grid_worker_a}
    assert [t.household for t in tasks] == households


def test_bulk_dispatch_outside_scope_writes_nothing(city, officer_b, household_a):
    with pytest.raises(PermissionDenied):
        services.household_visits_dispatch(households=[household_a], actor=officer_b)
    assert not Task.objects.exists()


# --- transitions ----------------------------------------------------------------------------------


def test_owner_accepts_then_completes(visit_a, grid_worker_a, household_a):
    members = list(household_a.members.order_by("pk"))

    accepted = services.task_accept(task=visit_a, actor=grid_worker_a)
    done = services.task_complete(
        task=accepted, outcome="visited_some_absent", note="李四在上班", actor=grid_worker_a,
        data={"members": [{"person_id": members[0].pk, "present": True},
                          {"person_id": members[1].pk, "present": False}]},
    )

    done.refresh_from_db()
    assert done.status == Task.Status.DONE and done.outcome == "visited_some_absent"
    assert done.outcome_note == "李四在上班"
    assert done.outcome_data["members"] == [{"person_id": members[0].pk, "present": True},
                                            {"person_id": members[1].pk, "present": False}]
    assert done.accepted_at <= done.closed_at
    assert list(audits(done).order_by("id").values_list("action", flat=True)) == ["create", "accept", "complete"]
    assert not Task.objects.filter(kind="follow_up").exists()


def test_cannot_complete_a_cancelled_task(visit_a, officer_a, grid_worker_a):
    services.task_cancel(task=visit_a, note="重复派单", actor=officer_a)
    before = audits(visit_a).count()

    with pytest.raises(ValidationError) as exc:
        services.task_complete(task=visit_a, outcome="visited_all_present", actor=grid_worker_a)

    assert "cancelled" in " ".join(exc.value.messages)
    visit_a.refresh_from_db()
    assert visit_a.status == Task.Status.CANCELLED and visit_a.outcome == ""
    assert audits(visit_a).count() == before


def test_cannot_accept_twice(visit_a, grid_worker_a):
    services.task_accept(task=visit_a, actor=grid_worker_a)
    with pytest.raises(ValidationError, match="accepted"):
        services.task_accept(task=visit_a, actor=grid_worker_a)


def test_outcome_must_be_one_of_the_kind(visit_a, grid_worker_a):
    with pytest.raises(ValidationError) as exc:
        services.task_complete(task=visit_a, outcome="sampled", actor=grid_worker_a)
    assert "outcome" in exc.value.message_dict
    visit_a.refresh_from_db()
    assert visit_a.status == Task.Status.OPEN


def test_household_visit_checks_members_against_outcome(visit_a, grid_worker_a, household_a, household_b):
    zhang, li = household_a.members.order_by("pk")
    stranger = household_b.members.get()

    with pytest.raises(ValidationError, match="李四"):
        services.task_complete(task=visit_a, outcome="visited_all_present", actor=grid_worker_a,
                               data={"members": [{"person_id": zhang.pk, "present": True},
                                                 {"person_id": li.pk, "present": False}]})
    with pytest.raises(ValidationError, match=str(stranger.pk)):
        services.task_complete(task=visit_a, outcome="nobody_home", actor=grid_worker_a,
                               data={"members": [{"person_id": stranger.pk, "present": False}]})
    with pytest.raises(ValidationError, match="李四"):
        services.task_complete(task=visit_a, outcome="visited_all_present", actor=grid_worker_a,
                               data={"members": [{"person_id": zhang.pk, "present": True}]})
    with pytest.raises(ValidationError):
        services.task_complete(task=visit_a, outcome="visited_all_present", actor=grid_worker_a,
                               data={"members": "everyone"})
    visit_a.refresh_from_db()
    assert visit_a.status == Task.Status.OPEN and visit_a.outcome_data == {}


def test_nobody_home_closes_the_visit_and_opens_a_follow_up(visit_a, grid_worker_a):
    services.task_complete(task=visit_a, outcome="nobody_home", note="敲门无人应答", actor=grid_worker_a)

    visit_a.refresh_from_db()
    follow_up = Task.objects.get(kind="follow_up")
    assert visit_a.status == Task.Status.DONE and visit_a.outcome == "nobody_home"
    assert follow_up.owner == grid_worker_a and follow_up.household == visit_a.household
    assert follow_up.status == Task.Status.OPEN and "敲门无人应答" in follow_up.detail


def test_only_owner_escalated_owner_or_dispatcher_may_act(city, visit_a, officer_a):
    neighbour = make_user("grid_a2", Role.GRID_WORKER, city.a.grid)

    with pytest.raises(PermissionDenied):
        services.task_accept(task=visit_a, actor=neighbour)
    services.task_accept(task=visit_a, actor=officer_a)

    visit_a.refresh_from_db()
    assert visit_a.status == Task.Status.ACCEPTED


def test_owner_cannot_cancel_but_dispatcher_can(visit_a, grid_worker_a, officer_a):
    with pytest.raises(PermissionDenied):
        services.task_cancel(task=visit_a, note="不想去", actor=grid_worker_a)
    with pytest.raises(ValidationError) as no_reason:
        services.task_cancel(task=visit_a, note="  ", actor=officer_a)
    assert "note" in no_reason.value.message_dict

    services.task_cancel(task=visit_a, note="派错了", actor=officer_a)
    visit_a.refresh_from_db()
    assert visit_a.status == Task.Status.CANCELLED and visit_a.outcome_note == "派错了"


def test_fail_needs_a_reason(visit_a, grid_worker_a):
    with pytest.raises(ValidationError):
        services.task_fail(task=visit_a, note="", actor=grid_worker_a)
    services.task_fail(task=visit_a, note="查无此户", actor=grid_worker_a)
    visit_a.refresh_from_db()
    assert visit_a.status == Task.Status.FAILED and visit_a.closed_at is not None


def test_reassign_hands_over_and_needs_acceptance_again(city, visit_a, grid_worker_a, grid_worker_b, officer_a):
    neighbour = make_user("grid_a2", Role.GRID_WORKER, city.a.grid)
    services.task_accept(task=visit_a, actor=grid_worker_a)

    with pytest.raises(ValidationError) as outsider:
        services.task_reassign(task=visit_a, owner=grid_worker_b, actor=officer_a)
    task = services.task_reassign(task=visit_a, owner=neighbour, note="请假", actor=officer_a)

    assert "owner" in outsider.value.message_dict
    assert task.owner == neighbour and task.status == Task.Status.OPEN and task.accepted_at is None
    assert audits(task, "reassign").count() == 1


def test_outsider_officer_changes_nothing(visit_a, officer_b):
    for call in (
        lambda: services.task_accept(task=visit_a, actor=officer_b),
        lambda: services.task_complete(task=visit_a, outcome="nobody_home", actor=officer_b),
        lambda: services.task_cancel(task=visit_a, note="x", actor=officer_b),
    ):
        with pytest.raises(PermissionDenied):
            call()
    visit_a.refresh_from_db()
    assert visit_a.status == Task.Status.OPEN
    assert audits(visit_a).count() == 1
