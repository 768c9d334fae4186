"""Flow 2 of DOMAIN.md: a round's tube of ten comes back positive → ten people confined and re-checked singly at the
door → one re-check positive is a case, the others are released. And the lab's side: handovers and their count."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fangkong.people.models import ManagementStatus
from fangkong.tasks.models import Task
from fangkong.tasks.services import task_complete
from fangkong.testing import selectors, services
from fangkong.testing.models import Handover, PositiveCase, Recall, RecallMember, Tube

from .conftest import fill_tube, send_and_result

pytestmark = pytest.mark.django_db


def test_a_positive_pool_confines_every_member_and_gives_their_grid_worker_a_recheck_task(
        round_a, point_a, lab, residents_a, grid_a):
    # given a full 10-in-1 tube
    tube = fill_tube(round_a, point_a, "T1000001", residents_a[:10])
    # when the lab reports it positive
    send_and_result(tube, lab, "positive", ct_orf1ab="28.5", ct_n="30.1")
    # then every member is at home under isolation, with an urgent single-tube re-check task for the grid worker
    recall = Recall.objects.get(tube=tube)
    assert recall.members.count() == 10
    for person in residents_a[:10]:
        person.refresh_from_db()
        assert person.status == ManagementStatus.HOME_ISOLATION
    tasks = Task.objects.filter(kind="pool_recheck")
    assert tasks.count() == 10
    assert {t.owner for t in tasks} == {grid_a}
    assert all(t.priority == Task.Priority.URGENT for t in tasks)
    # within the protocol's deadline (edition 9 preset: the default 2 hours)
    assert all((t.due_at - recall.created_at).total_seconds() == 2 * 3600 for t in tasks)
    # and the people outside the pool are untouched
    residents_a[10].refresh_from_db()
    assert residents_a[10].status == ManagementStatus.NORMAL


def test_recording_the_same_result_twice_changes_nothing_and_a_different_one_is_refused(
        round_a, point_a, lab, residents_a):
    tube = send_and_result(fill_tube(round_a, point_a, "T1000002", residents_a[:10]), lab, "positive")
    _tube, changed = services.tube_result_record(tube=tube, result="阳性", actor=None, lab=lab)
    assert changed is False
    assert Recall.objects.count() == 1 and RecallMember.objects.count() == 10
    with pytest.raises(ValidationError) as exc:
        services.tube_result_record(tube=tube, result="negative", actor=None, lab=lab)
    assert "already has the result" in str(exc.value)


def test_a_negative_pool_raises_nothing(round_a, point_a, lab, residents_a):
    send_and_result(fill_tube(round_a, point_a, "T1000003", residents_a[:10]), lab, "negative")
    assert not Recall.objects.exists() and not Task.objects.filter(kind="pool_recheck").exists()


def test_recheck_negative_releases_and_recheck_positive_opens_a_case(round_a, point_a, lab, residents_a, grid_a):
    # given a positive pool and its ten re-check tasks
    send_and_result(fill_tube(round_a, point_a, "T1000004", residents_a[:10]), lab, "positive")
    members = list(RecallMember.objects.select_related("task", "person").order_by("pk"))
    # when the grid worker closes two re-check tasks with the single tubes' codes
    for n, member in enumerate(members[:2]):
        task_complete(task=member.task, outcome="sampled", actor=grid_a, data={"tube_code": f"S20000{n}"})
    singles = {t.code: t for t in Tube.objects.filter(purpose=Tube.Purpose.RECHECK)}
    assert set(singles) == {"S200000", "S200001"}
    # and the lab reports one negative and one positive (Ct 31.2 / 33.0)
    send_and_result(singles["S200000"], lab, "negative")
    send_and_result(singles["S200001"], lab, "positive", ct_orf1ab="31.2", ct_n="33.0")
    # then the first is released to normal, the second stays at home and is a case with its sampling time and Ct
    first, second = members[0].person, members[1].person
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == ManagementStatus.NORMAL
    assert second.status == ManagementStatus.HOME_ISOLATION
    case = PositiveCase.objects.get()
    assert case.person == second and str(case.ct_orf1ab) == "31.2" and str(case.ct_n) == "33.0"
    assert case.sampled_at == singles["S200001"].samples.get().sampled_at
    assert RecallMember.objects.get(pk=members[0].pk).outcome == RecallMember.Outcome.NEGATIVE
    # the recall stays open while eight members are still to re-check
    assert Recall.objects.get().closed_at is None


def test_a_recheck_tube_code_already_used_is_refused(round_a, point_a, lab, residents_a, grid_a):
    send_and_result(fill_tube(round_a, point_a, "T1000005", residents_a[:10]), lab, "positive")
    member = RecallMember.objects.select_related("task").first()
    with pytest.raises(ValidationError) as exc:
        task_complete(task=member.task, outcome="sampled", actor=grid_a, data={"tube_code": "T1000005"})
    assert "already used" in str(exc.value)
    assert not Tube.objects.filter(purpose=Tube.Purpose.RECHECK).exists()


def test_an_invalid_pool_is_recalled_without_confinement(round_a, point_a, lab, residents_a):
    send_and_result(fill_tube(round_a, point_a, "T1000006", residents_a[:10]), lab, "invalid")
    assert Task.objects.filter(kind="pool_recheck").count() == 10
    residents_a[0].refresh_from_db()
    assert residents_a[0].status == ManagementStatus.NORMAL


def test_a_positive_single_tube_is_a_case_at_once(round_a, point_a, lab, residents_a):
    tube = services.tube_open(round_=round_a, point=point_a, code="T1000007", capacity=1, actor=None)
    services.sample_add(tube=tube, id_number=residents_a[11].id_number, actor=None)
    tube.refresh_from_db()
    send_and_result(tube, lab, "positive", ct_orf1ab="22.0")
    case = PositiveCase.objects.get()
    assert case.person == residents_a[11]
    assert not Task.objects.filter(kind="pool_recheck").exists()
    residents_a[11].refresh_from_db()
    assert residents_a[11].status == ManagementStatus.HOME_ISOLATION


def test_a_positive_pool_member_not_on_file_is_put_on_file_for_the_grid(round_a, point_a, lab, residents_a):
    from .conftest import resident_id

    tube = fill_tube(round_a, point_a, "T1000008", residents_a[:9])
    services.sample_add(tube=tube, id_number=resident_id(777), name="外来人员", phone="13700007777", actor=None)
    send_and_result(tube, lab, "positive")
    member = RecallMember.objects.get(sample__id_number=resident_id(777))
    assert member.person is not None and member.person.unit == point_a.unit
    assert member.task is not None and member.task.person == member.person


def test_a_person_in_hospital_keeps_that_status(round_a, point_a, lab, residents_a):
    from fangkong.people.services import person_status_change

    person_status_change(person=residents_a[0], to_status="hospital", cause="发热门诊收治", actor=None)
    send_and_result(fill_tube(round_a, point_a, "T1000009", residents_a[:10]), lab, "positive")
    residents_a[0].refresh_from_db()
    assert residents_a[0].status == "hospital"


def test_handover_flags_a_missing_tube_at_once(round_a, point_a, lab, lab_staff, residents_a):
    # given three closed tubes sent in one batch
    tubes = [fill_tube(round_a, point_a, f"T20000{n}", residents_a[n * 3:n * 3 + 3]) for n in range(3)]
    for tube in tubes:
        services.tube_close(tube=tube, actor=None)
    handover = services.handover_send(lab=lab, codes=[t.code for t in tubes], declared_count=3, actor=None)
    # when the lab scans only two of them, and one code that was not in the batch
    handover = services.handover_receive(handover=handover, codes="T200000\nT200001\nX999", actor=lab_staff)
    # then the batch is flagged with the missing tube, and a task to find it is open
    assert handover.status == Handover.Status.DISCREPANCY and handover.missing_count == 1
    assert handover.unexpected_codes == ["X999"]
    lost = Task.objects.get(kind="testing_lost_tube")
    assert "T200002" in lost.title
    assert Tube.objects.get(code="T200002").status == Tube.Status.SENT
    assert Tube.objects.get(code="T200000").status == Tube.Status.RECEIVED


def test_handover_count_must_match_the_scans(round_a, point_a, lab, residents_a):
    tube = fill_tube(round_a, point_a, "T300000", residents_a[:2])
    services.tube_close(tube=tube, actor=None)
    with pytest.raises(ValidationError) as exc:
        services.handover_send(lab=lab, codes=["T300000"], declared_count=2, actor=None)
    assert "counted 2 tubes but scanned 1" in str(exc.value)
    assert not Handover.objects.exists()


def test_an_open_tube_cannot_be_handed_over_or_resulted(round_a, point_a, lab, residents_a):
    tube = services.tube_open(round_=round_a, point=point_a, code="T300001", actor=None)
    services.sample_add(tube=tube, id_number=residents_a[0].id_number, actor=None)
    with pytest.raises(ValidationError):
        services.handover_send(lab=lab, codes=["T300001"], declared_count=1, actor=None)
    with pytest.raises(ValidationError):
        services.tube_result_record(tube=tube, result="negative", actor=None, lab=lab)


def test_a_lab_user_records_results_only_for_their_own_lab(round_a, point_a, lab, other_lab, lab_staff, residents_a):
    tube = fill_tube(round_a, point_a, "T300002", residents_a[:10])
    services.handover_send(lab=other_lab, codes=[tube.code], declared_count=1, actor=None)
    with pytest.raises(PermissionDenied):
        services.tube_result_record(tube=tube, result="negative", actor=lab_staff)
    tube.refresh_from_db()
    assert tube.result == ""


def test_bad_result_values_are_refused_with_the_value(round_a, point_a, lab, residents_a):
    tube = fill_tube(round_a, point_a, "T300003", residents_a[:10])
    for value, field in (("weak", "result"), ("abc", "ct_orf1ab"), ("60", "ct_orf1ab")):
        kwargs = {"result": value} if field == "result" else {"result": "positive", field: value}
        with pytest.raises(ValidationError) as exc:
            services.tube_result_record(tube=tube, actor=None, lab=lab, **kwargs)
        assert field in exc.value.message_dict
    assert not Recall.objects.exists()


def test_turnaround_and_late_tubes(round_a, point_a, lab, residents_a, hq):
    import datetime

    from django.utils import timezone

    done = fill_tube(round_a, point_a, "T400001", residents_a[:10])
    late = services.tube_open(round_=round_a, point=point_a, code="T400002", actor=None)
    services.sample_add(tube=late, id_number=residents_a[10].id_number, actor=None)
    services.tube_close(tube=late, actor=None)
    Tube.objects.filter(pk=late.pk).update(closed_at=timezone.now() - datetime.timedelta(hours=30))
    send_and_result(done, lab, "negative")
    # then the point has two tubes, one of them past the 24-hour result deadline
    by_point = selectors.turnaround(user=hq, round_=round_a, by="point")
    assert [(r.label, r.tubes, r.late) for r in by_point] == [("东一社区广场采样点", 2, 1)]
    assert by_point[0].to_result_median is not None
    assert [t.code for t in selectors.late_tubes(user=hq, round_=round_a)] == ["T400002"]


def test_a_building_whose_sweep_task_closed_with_people_unsampled_gets_a_new_one(round_a, grid_a, city, officer_a):
    # given the sweep's task for 东城1号楼, closed by the grid worker with people still not sampled
    assert services.round_unsampled_tasks(round_=round_a, node=city.a.district, actor=officer_a) == 1
    task = Task.objects.get(kind="round_unsampled")
    task_complete(task=task, outcome="some_remaining", actor=grid_a)
    # when the sweep runs again, then the building has a new task (and only one)
    assert services.round_unsampled_tasks(round_=round_a, node=city.a.district, actor=officer_a) == 1
    assert services.round_unsampled_tasks(round_=round_a, node=city.a.district, actor=officer_a) == 0
    assert Task.objects.filter(kind="round_unsampled", status="open").count() == 1


def test_a_result_timed_to_the_minute_of_sampling_is_accepted(round_a, point_a, lab, residents_a):
    import datetime

    from fangkong.testing.services import minute_of

    tube = fill_tube(round_a, point_a, "T600001", residents_a[:10])
    services.handover_send(lab=lab, codes=[tube.code], declared_count=1, actor=None)
    same_minute = tube.opened_at.replace(second=0, microsecond=0)
    _tube, changed = services.tube_result_record(tube=tube, result="negative", actor=None, lab=lab,
                                                 tested_at=same_minute)
    assert changed
    earlier = fill_tube(round_a, point_a, "T600002", residents_a[10:12])
    services.tube_close(tube=earlier, actor=None)
    with pytest.raises(ValidationError) as exc:
        services.tube_result_record(tube=earlier, result="negative", actor=None, lab=lab,
                                    tested_at=minute_of(earlier.opened_at) - datetime.timedelta(minutes=1))
    assert "before tube T600002 was sampled" in str(exc.value)


def test_the_hq_testing_page_lists_a_single_tube_positive_as_a_case(client, hq, round_a, point_a, lab, residents_a):
    tube = services.tube_open(round_=round_a, point=point_a, code="T700001", capacity=1, actor=None)
    services.sample_add(tube=tube, id_number=residents_a[0].id_number, actor=None)
    tube.refresh_from_db()
    send_and_result(tube, lab, "positive", ct_orf1ab="24.0", ct_n="25.5")
    client.force_login(hq)
    page = client.get("/testing/").content.decode()
    assert 'data-tube="T700001"' in page and "24.0" in page and residents_a[0].name in page
