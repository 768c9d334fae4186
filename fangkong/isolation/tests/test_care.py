"""Care during the stay: a floor's temperature round, the doctor's alerts, and requests (诉求) answered on time."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from fangkong.isolation.care import services
from fangkong.isolation.models import CareRequest, HealthCheck
from fangkong.isolation.tests.conftest_care import (  # noqa: F401
    doctor_a,
    leader_a,
    site_a,
    site_b,
    staff_a,
    staff_b,
    stay_b,
    stays_a,
)
from fangkong.tasks.models import Task
from fangkong.tasks.selectors import inbox

pytestmark = pytest.mark.django_db


def _record(site, stays, *readings, period="evening", floor=3, actor=None):
    rows = [{"stay": stays[name], "temperature": t, "symptoms": s, "note": ""} for name, t, s in readings]
    return services.health_checks_record(site=site, floor=floor, day=timezone.localdate(), period=period, rows=rows,
                                         actor=actor)


def _floor_url(site, floor=3, period="evening"):
    return reverse("isolation:care_floor", kwargs={"site_id": site.pk, "floor": floor}) + f"?period={period}"


# --- health checks ---------------------------------------------------------------------------------------------


def test_a_fever_opens_an_urgent_alert_for_the_site_doctor(site_a, stays_a, staff_a, doctor_a):  # noqa: F811
    before = timezone.now()
    checks = _record(site_a, stays_a, ("张三", "38.4", []), ("李四", "36.5", []), actor=staff_a)

    assert len(checks) == 2
    alert = Task.objects.get(kind="isolation_health_alert")
    assert alert.owner == doctor_a
    assert alert.person == stays_a["张三"].person
    assert alert.priority == Task.Priority.URGENT
    assert before + datetime.timedelta(minutes=59) <= alert.due_at <= timezone.now() + datetime.timedelta(hours=1)
    assert "38.4 °C" in alert.detail and "301" in alert.detail
    assert list(inbox(user=doctor_a)) == [alert]
    fever = HealthCheck.objects.get(stay=stays_a["张三"])
    assert fever.alert_task == alert and fever.temperature == Decimal("38.4")
    assert HealthCheck.objects.get(stay=stays_a["李四"]).alert_task is None


def test_the_doctor_opens_the_alert_with_the_reading(client, site_a, stays_a, doctor_a):  # noqa: F811
    _record(site_a, stays_a, ("张三", "38.4", ["cough"]))
    alert = Task.objects.get(kind="isolation_health_alert")
    client.force_login(doctor_a)

    body = client.get(reverse("tasks:task", args=[alert.pk])).content.decode()
    assert "38.4 °C" in body and "Cough" in body


def test_a_symptom_alone_alerts_and_recording_the_period_again_corrects_it(site_a, stays_a, staff_a):  # noqa: F811
    _record(site_a, stays_a, ("李四", "36.6", ["cough"]), actor=staff_a)
    _record(site_a, stays_a, ("李四", "36.8", ["cough", "sore_throat"]), actor=staff_a)

    check = HealthCheck.objects.get(stay=stays_a["李四"])
    assert (check.temperature, check.symptoms) == (Decimal("36.8"), ["cough", "sore_throat"])
    assert Task.objects.filter(kind="isolation_health_alert").count() == 1


def test_fifty_degrees_is_refused_naming_the_room_and_nothing_is_written(site_a, stays_a, staff_a):  # noqa: F811
    with pytest.raises(ValidationError) as caught:
        _record(site_a, stays_a, ("张三", "38.4", []), ("李四", "50", []), actor=staff_a)

    message = " ".join(caught.value.message_dict[f"temperature_{stays_a['李四'].pk}"])
    assert "302" in message and "李四" in message and "50.0" in message
    assert not HealthCheck.objects.exists()
    assert not Task.objects.filter(kind="isolation_health_alert").exists()


@pytest.mark.parametrize("who", ["西城", "released", "other floor"])
def test_a_person_not_in_the_site_on_this_floor_is_refused(who, site_a, stays_a, stay_b, staff_a):  # noqa: F811
    stays = {**stays_a, "西城": stay_b, "released": stays_a["孙七"], "other floor": stays_a["王五"]}
    with pytest.raises(ValidationError) as caught:
        _record(site_a, stays, ("张三", "36.5", []), (who, "36.5", []), actor=staff_a)

    assert f"stay_{stays[who].pk}" in caught.value.message_dict
    assert not HealthCheck.objects.exists()


def test_the_threshold_is_the_protocols(site_a, stays_a):  # noqa: F811
    threshold = services.fever_threshold()
    _record(site_a, stays_a, ("张三", str(threshold), []), ("李四", str(threshold - Decimal("0.1")), []))

    assert list(Task.objects.filter(kind="isolation_health_alert").values_list("person__name", flat=True)) == ["张三"]


def test_the_floor_page_records_the_round_and_shows_errors_at_the_row(client, site_a, stays_a, staff_a):  # noqa: F811
    client.force_login(staff_a)
    page = client.get(_floor_url(site_a))
    assert page.status_code == 200
    body = page.content.decode()
    assert "张三" in body and "李四" in body and "王五" not in body and "孙七" not in body

    zhang, li = stays_a["张三"].pk, stays_a["李四"].pk
    refused = client.post(_floor_url(site_a), {"period": "evening", f"temperature_{zhang}": "38.4",
                                               f"temperature_{li}": "50"})
    assert refused.status_code == 422
    assert not HealthCheck.objects.exists()
    row = refused.content.decode().split(f'id="stay-{li}"')[1].split("</article>")[0]
    assert "50.0 °C" in row

    done = client.post(_floor_url(site_a), {"period": "evening", f"temperature_{zhang}": "38.4",
                                            f"temperature_{li}": "36.5", f"symptoms_{li}": ["fatigue"]}, follow=True)
    assert done.status_code == 200
    assert HealthCheck.objects.filter(period="evening").count() == 2
    assert "38.4 °C" in done.content.decode()


def test_site_staff_of_district_b_get_404_on_district_as_floor(client, site_a, stays_a, staff_b):  # noqa: F811
    client.force_login(staff_b)
    assert client.get(_floor_url(site_a)).status_code == 404
    posted = client.post(_floor_url(site_a), {"period": "evening", f"temperature_{stays_a['张三'].pk}": "36.5"})
    assert posted.status_code == 404
    assert client.get(reverse("isolation:care_requests", kwargs={"site_id": site_a.pk})).status_code == 404
    assert not HealthCheck.objects.exists()


def test_the_service_refuses_staff_of_another_district(site_a, stays_a, staff_b):  # noqa: F811
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        _record(site_a, stays_a, ("张三", "36.5", []), actor=staff_b)


# --- requests ------------------------------------------------------------------------------------------------


def test_a_request_is_due_at_the_protocols_deadline(site_a, stays_a, staff_a, leader_a):  # noqa: F811
    request = services.care_request_add(stay=stays_a["张三"], kind="food", text="想要清真餐", actor=staff_a)

    task = request.task
    assert task.kind == "isolation_request"
    assert task.due_at == request.created_at + datetime.timedelta(hours=services.request_hours())
    assert services.request_hours() == 12
    assert task.owner == leader_a
    assert "12" in task.detail and "想要清真餐" in task.detail


def test_medicine_requests_go_to_the_site_doctor(site_a, stays_a, staff_a, doctor_a):  # noqa: F811
    request = services.care_request_add(stay=stays_a["李四"], kind="medicine", text="降压药吃完了", actor=staff_a)
    assert request.task.owner == doctor_a


def test_answering_a_request_closes_its_task(client, site_a, stays_a, staff_a, leader_a):  # noqa: F811
    request = services.care_request_add(stay=stays_a["张三"], kind="family", text="孩子无人照看", actor=staff_a)
    client.force_login(staff_a)
    url = reverse("isolation:care_requests", kwargs={"site_id": site_a.pk})
    assert "孩子无人照看" in client.get(url).content.decode()

    answer_url = reverse("isolation:care_request_answer", kwargs={"site_id": site_a.pk, "request_id": request.pk})
    assert client.post(answer_url, {"answer": ""}).status_code == 422
    assert client.post(answer_url, {"answer": "已联系社区安排照看"}).status_code == 302

    request.refresh_from_db()
    assert request.answer == "已联系社区安排照看" and request.answered_by == staff_a
    task = Task.objects.get(pk=request.task_id)
    assert (task.status, task.outcome) == (Task.Status.DONE, "answered")
    assert list(inbox(user=leader_a)) == []


def test_the_requests_page_adds_a_request_and_lists_open_ones_first(client, site_a, stays_a, staff_a):  # noqa: F811
    old = services.care_request_add(stay=stays_a["李四"], kind="other", text="旧的诉求", actor=staff_a)
    services.care_request_answer(request=old, answer="已处理", actor=staff_a)
    client.force_login(staff_a)
    url = reverse("isolation:care_request_add", kwargs={"site_id": site_a.pk})
    response = client.post(url, {"add-stay": stays_a["张三"].pk, "add-kind": "mental_health",
                                 "add-text": "睡不着，情绪低落"}, follow=True)

    assert response.status_code == 200
    assert CareRequest.objects.filter(stay=stays_a["张三"], kind="mental_health").exists()
    body = response.content.decode()
    assert body.index("睡不着") < body.index("旧的诉求")


def test_closing_the_task_from_the_inbox_answers_the_request(site_a, stays_a, staff_a, leader_a):  # noqa: F811
    from fangkong.tasks.services import task_complete

    request = services.care_request_add(stay=stays_a["张三"], kind="complaint", text="饭菜太凉", actor=staff_a)
    task_complete(task=request.task, outcome="answered", note="已要求送餐加热", actor=leader_a)

    request.refresh_from_db()
    assert request.answer == "已要求送餐加热" and not request.is_open
