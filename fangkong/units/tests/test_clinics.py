"""Fever clinics: the report and the tasks it opens, bad input, scope, and the HQ's page of counts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from fangkong.people.models import Person
from fangkong.people.services import person_create
from fangkong.tasks.models import Task
from fangkong.units.clinics import selectors, services
from fangkong.units.models import FeverReport
from fangkong.units.tests.clinic_fixtures import *  # noqa: F403
from fangkong.units.tests.conftest import make_id

pytestmark = pytest.mark.django_db


def _report(clinic, actor, **over):
    data = {"name": "周发热", "id_number": make_id(501), "temperature": "38.6", "disposition": "observation",
            "phone": "13800138000", "symptoms": "咳嗽、乏力", "history": "近14天无外出", "sampled": True}
    data.update(over)
    return services.fever_report_create(clinic=clinic, actor=actor, **data)


def test_a_report_opens_the_single_tube_test_within_the_turnaround(clinic_a, clinic_user_a):
    # given a clinic user
    before = timezone.now()
    # when they report a fever patient not on file
    report = _report(clinic_a, clinic_user_a)
    # then the person is on file at the clinic's node, and the test task is the clinic user's, due within 6 h
    person = Person.objects.get(id_number=make_id(501))
    assert report.person == person and person.unit == clinic_a.organisation.unit
    task = report.test_task
    assert task.kind == "fever_test_due" and task.owner == clinic_user_a and task.person == person
    assert before + timedelta(hours=6) - timedelta(minutes=1) <= task.due_at <= timezone.now() + timedelta(hours=6)
    assert report.followup_task is None
    assert report.temperature == Decimal("38.6") and report.seen_on == timezone.localdate()


def test_the_turnaround_comes_from_the_protocol(clinic_a, clinic_user_a):
    from fangkong.protocols.models import RuleSetVersion

    version = RuleSetVersion.objects.filter(rule_set__is_active=True).order_by("-number").first()
    rules = {**version.rules, "fever_clinic_result_hours": 4}
    # Versions are immutable through save(); the test edits its copy in place as a new edition would carry it.
    RuleSetVersion.objects.filter(pk=version.pk).update(rules=rules)
    report = _report(clinic_a, clinic_user_a)
    assert report.test_task.due_at <= report.seen_at + timedelta(hours=4)


def test_sent_home_opens_the_grid_workers_home_visit(city, clinic_a, clinic_user_a, grid_duty_a):
    # given a resident of A's building on file
    person = person_create(name="吴回家", id_number=make_id(502), unit=city.a.building, door="101", actor=None)
    # when the clinic sends them home
    report = _report(clinic_a, clinic_user_a, name="吴回家", id_number=make_id(502), disposition="sent_home")
    # then their grid worker has the home visit, and it is visible in the grid worker's tasks
    follow = report.followup_task
    assert report.person == person
    assert follow.kind == "fever_sent_home_followup" and follow.owner == grid_duty_a and follow.person == person
    assert Task.objects.visible_to(grid_duty_a).filter(pk=follow.pk).exists()
    # and the clinic user sees the test task but not the grid worker's
    assert list(Task.objects.visible_to(clinic_user_a).values_list("kind", flat=True)) == ["fever_test_due"]


def test_a_new_patient_is_filed_at_their_home_and_their_grid_worker_visits(city, clinic_a, clinic_user_a,
                                                                          grid_duty_a):
    report = _report(clinic_a, clinic_user_a, disposition="sent_home", home_code=city.a.building.code,
                     address="东城区东街1号502")
    assert report.person.unit == city.a.building and report.person.address == "东城区东街1号502"
    assert report.followup_task.owner == grid_duty_a


def test_an_unknown_home_code_is_refused(clinic_a, clinic_user_a):
    with pytest.raises(ValidationError) as exc:
        _report(clinic_a, clinic_user_a, home_code="999999")
    assert "home_code" in exc.value.message_dict
    assert not FeverReport.objects.exists() and not Person.objects.exists()


def test_the_same_id_under_another_name_is_refused(city, clinic_a, clinic_user_a):
    person_create(name="郑真名", id_number=make_id(503), unit=city.a.building, door="102", actor=None)
    with pytest.raises(ValidationError) as exc:
        _report(clinic_a, clinic_user_a, name="郑假名", id_number=make_id(503))
    assert "name" in exc.value.message_dict
    assert not FeverReport.objects.exists()


@pytest.mark.parametrize(("field", "value"), [
    ("id_number", "110101198506120011"),  # wrong check digit
    ("id_number", "12345"),
    ("temperature", "45.0"),
    ("temperature", "30"),
    ("temperature", "hot"),
    ("temperature", "38.25"),
    ("disposition", "vanished"),
    ("name", "  "),
    ("phone", "12"),
])
def test_bad_input_writes_nothing(clinic_a, clinic_user_a, field, value):
    persons, tasks = Person.objects.count(), Task.objects.count()
    with pytest.raises(ValidationError) as exc:
        _report(clinic_a, clinic_user_a, **{field: value})
    assert field in exc.value.message_dict
    assert (FeverReport.objects.count(), Person.objects.count(), Task.objects.count()) == (0, persons, tasks)


def test_only_the_clinics_staff_report_for_it(clinic_a, clinic_b, clinic_user_b, officer_a):
    with pytest.raises(PermissionDenied):
        _report(clinic_a, clinic_user_b)
    with pytest.raises(PermissionDenied):
        _report(clinic_a, officer_a)
    assert not FeverReport.objects.exists()


def test_staff_link_needs_the_clinic_role_and_scope(city, clinic_a, officer_a, grid_worker_a, clinic_user_b):
    with pytest.raises(ValidationError):
        services.clinic_staff_link(clinic=clinic_a, user=grid_worker_a, actor=officer_a)
    with pytest.raises(ValidationError):
        services.clinic_staff_link(clinic=clinic_a, user=clinic_user_b, actor=officer_a)


def test_a_clinic_sees_only_its_reports(clinic_a, clinic_user_a, clinic_b, clinic_user_b, officer_b):
    _report(clinic_a, clinic_user_a)
    _report(clinic_b, clinic_user_b, id_number=make_id(504), name="王西城")
    assert [r.clinic for r in FeverReport.objects.visible_to(clinic_user_b)] == [clinic_b]
    assert [row.clinic for row in selectors.daily_counts(user=clinic_user_b)] == [clinic_b]
    assert [row.clinic for row in selectors.daily_counts(user=officer_b)] == [clinic_b]


def test_hq_page_counts_per_clinic_and_day(client, hq, clinic_a, clinic_user_a, clinic_b):
    _report(clinic_a, clinic_user_a)
    _report(clinic_a, clinic_user_a, id_number=make_id(505), name="冯二")
    client.force_login(hq)
    page = client.get(reverse("units:clinic_index")).content.decode()
    today = timezone.localdate().isoformat()
    assert f'data-clinic="{clinic_a.pk}"' in page and f'data-clinic="{clinic_b.pk}"' in page
    assert f'<td data-day="{today}" data-count="2">' in page
    assert 'data-total="2"' in page


def test_other_district_gets_404_on_a_clinic(client, officer_b, clinic_a, clinic_user_b):
    client.force_login(officer_b)
    assert client.get(reverse("units:clinic_detail", kwargs={"clinic_id": clinic_a.pk})).status_code == 404
    client.force_login(clinic_user_b)
    assert client.get(reverse("units:clinic_detail", kwargs={"clinic_id": clinic_a.pk})).status_code == 404
    assert f'data-clinic="{clinic_a.pk}"' not in client.get(reverse("units:clinic_index")).content.decode()


def test_report_page_posts_and_masks(client, clinic_a, clinic_user_a):
    client.force_login(clinic_user_a)
    url = reverse("units:fever_report")
    assert client.get(url).status_code == 200
    response = client.post(url, {"clinic": clinic_a.pk, "name": "陈三", "id_number": make_id(506),
                                 "temperature": "38.1", "disposition": "admitted", "phone": ""})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "陈三" in page and make_id(506) not in page


def test_report_page_shows_the_message_and_writes_nothing(client, clinic_a, clinic_user_a):
    client.force_login(clinic_user_a)
    response = client.post(reverse("units:fever_report"), {
        "clinic": clinic_a.pk, "name": "陈三", "id_number": "110101198506120011", "temperature": "50",
        "disposition": "admitted"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "校验" in page or "check digit" in page
    assert not FeverReport.objects.exists()


def test_rises_are_flagged_on_the_page(client, hq, clinic_a, clinic_user_a, settings):
    # given a quiet week (one patient a day) and then five today
    today = timezone.localdate()
    now = timezone.now()
    for n in range(7):
        _report(clinic_a, clinic_user_a, id_number=make_id(600 + n), name=f"前{n}",
                seen_at=now - timedelta(days=7 - n))
    for n in range(5):
        _report(clinic_a, clinic_user_a, id_number=make_id(700 + n), name=f"今{n}")
    # then today is a rise, shown on the page and as an alert
    rises = selectors.recent_rises(user=hq, today=today)
    assert [(c.pk, cell.day, cell.count) for c, cell in rises] == [(clinic_a.pk, today, 5)]
    client.force_login(hq)
    page = client.get(reverse("units:clinic_index")).content.decode()
    assert f'data-day="{today.isoformat()}" data-count="5" data-rise="1"' in page
    from fangkong.units.clinics.alerts import fever_rise_alerts

    alerts = fever_rise_alerts(user=hq, root=None)
    assert alerts and alerts[0].count == 1


def test_figures_count_todays_patients_and_open_orders(city, clinic_a, clinic_user_a, officer_a):
    from fangkong.command.figures import Context
    from fangkong.units.clinics.figures import collect
    from fangkong.units.disinfection.services import order_create

    _report(clinic_a, clinic_user_a, disposition="sent_home")
    order_create(unit=city.a.community, place_name="冷库", reason="阳性", actor=officer_a)
    counts = collect(Context(now=timezone.now(), today=timezone.localdate()))
    node = counts[clinic_a.organisation.unit_id]
    assert (node["units.fever_today"], node["units.fever_week"], node["units.fever_sent_home"]) == (1, 1, 1)
    assert counts[city.a.community.pk]["units.disinfection_open"] == 1


def test_the_patient_is_tagged_as_a_fever_patient(clinic_a, clinic_user_a):
    report = _report(clinic_a, clinic_user_a)
    assert "fever_patient" in set(report.person.tags.values_list("tag", flat=True))


def test_a_clinic_account_on_no_clinics_staff_is_told_so_on_the_report_page(client, city):
    from conftest import make_user
    from fangkong.accounts.roles import Role

    client.force_login(make_user("clinic_new", Role.CLINIC, city.a.street))
    response = client.get(reverse("units:fever_report"))
    assert response.status_code == 403 and 'id="no-clinic"' in response.content.decode()
