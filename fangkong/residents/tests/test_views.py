"""The resident's pages and the staff panel, as each side sees them."""

import datetime
import re

import pytest
from django.utils import timezone

from fangkong.protocols.services import measure_start
from fangkong.residents import services
from fangkong.residents.models import CheckIn
from fangkong.residents.tests.conftest import sign_in
from fangkong.tasks.models import Task
from fangkong.testing.models import Round, Sample, Tube

pytestmark = pytest.mark.django_db


def _sample(person, *, result, code, round_name="全员核酸第3轮"):
    now = timezone.now()
    round_ = Round.objects.create(code=code, name=round_name, unit=person.unit, starts_at=now, ends_at=now,
                                  pool_size=10, status="done" if result else "running")
    tube = Tube.objects.create(code=f"T{code}", round=round_, unit=person.unit, capacity=10, size=1, opened_at=now,
                               result=result, status="resulted" if result else "sent")
    return Sample.objects.create(tube=tube, round=round_, person=person, id_type="resident",
                                 id_number=person.id_number, name=person.name, unit=person.unit, sampled_at=now)


def test_the_resident_sees_results_measures_release_date_and_whom_to_call(resident_client, family, city):
    # given
    from fangkong.territory.models import Responsibility

    _sample(family.head, result="negative", code="R1")
    _sample(family.head, result="", code="R2", round_name="全员核酸第4轮")
    measure = measure_start(person=family.head, category="arrival_medium", day_one=timezone.localdate(),
                            actor=None, source="test")
    Responsibility.objects.create(unit=city.a.street, role=Responsibility.Role.LIAISON_CADRE, name="陈街道",
                                  phone="0971-8123456")

    # when
    html = resident_client.get("/residents/me/").content.decode()

    # then
    assert 'data-result="negative"' in html and 'data-result="pending"' in html and "全员核酸第3轮" in html
    assert f'data-release="{measure.ends_on:%Y-%m-%d}"' in html
    assert measure.version.rule_set.name in html
    assert re.search(r'class="next-test" data-day="\d{4}-\d\d-\d\d"', html)
    assert "张网格" in html and "tel:13900000001" in html
    assert "陈街道" in html and "东城街道" in html


def test_the_resident_sees_no_one_else(resident_client, family, neighbour_b):
    _sample(neighbour_b, result="positive", code="RB")

    html = resident_client.get("/residents/me/").content.decode()

    assert neighbour_b.name not in html and family.spouse.name not in html
    assert family.child.name in html and family.grandmother.name in html


def test_a_dependent_of_another_household_or_an_adult_is_a_404(resident_client, family, neighbour_b):
    for person in (neighbour_b, family.spouse, family.released_child):
        assert resident_client.get(f"/residents/me/checkin/{person.pk}/").status_code == 404
        response = resident_client.post(f"/residents/me/checkin/{person.pk}/",
                                        {"temperature": "36.5", "symptoms": ["none"]})
        assert response.status_code == 404
    assert CheckIn.objects.count() == 0


def test_without_a_resident_session_a_member_url_is_a_404(client, family):
    assert client.get(f"/residents/me/checkin/{family.child.pk}/").status_code == 404
    assert client.get("/residents/me/checkin/")["Location"] == "/residents/"


def test_checking_in_with_a_fever_shows_the_receipt_and_opens_the_alert(resident_client, family, grid_worker_a):
    response = resident_client.post("/residents/me/checkin/", {"temperature": "38.2", "symptoms": ["none"]})

    assert response.status_code == 302
    page = resident_client.get(response["Location"]).content.decode()
    assert 'id="checkin-done"' in page and "38.2 °C" in page
    assert Task.objects.get(kind="resident_checkin_alert").owner == grid_worker_a


def test_a_bad_temperature_is_shown_next_to_the_field_and_nothing_is_written(resident_client, family):
    response = resident_client.post("/residents/me/checkin/", {"temperature": "45", "symptoms": ["none"]})

    assert response.status_code == 422
    assert 'id="temperature-error"' in response.content.decode()
    assert CheckIn.objects.count() == 0


def test_checking_in_for_a_child_is_a_proxy_report(resident_client, family):
    response = resident_client.post(f"/residents/me/checkin/{family.child.pk}/",
                                    {"temperature": "36.7", "symptoms": ["none"], "note": "精神好"})

    assert response.status_code == 302
    checkin = CheckIn.objects.get()
    assert checkin.person == family.child and checkin.reported_by == family.head


def test_the_person_page_shows_check_ins_to_staff_in_scope_with_proxies_marked(client, family, grid_worker_a,
                                                                               officer_b):
    # given
    services.checkin_submit(reporter=family.head, person=family.child, temperature="36.7", symptoms=["none"])
    services.checkin_submit(reporter=family.head, person=family.head, temperature="36.6", symptoms=["none"])
    old = services.checkin_submit(reporter=family.head, person=family.head, temperature="36.6", symptoms=["none"],
                                  at=timezone.now() - datetime.timedelta(days=15))

    # when
    client.force_login(grid_worker_a)
    child_page = client.get(f"/people/{family.child.pk}/").content.decode()
    head_page = client.get(f"/people/{family.head.pk}/").content.decode()

    # then
    assert 'id="resident-checkins"' in child_page and 'data-proxy="1"' in child_page
    assert f'data-proxy-by="{family.head.pk}"' in child_page
    assert 'id="resident-checkins"' in head_page and 'data-proxy="1"' not in head_page
    assert f'data-checkin="{old.pk}"' not in head_page
    client.force_login(officer_b)
    assert client.get(f"/people/{family.child.pk}/").status_code == 404


def test_the_api_lists_check_ins_in_scope_only(api_client, family, grid_worker_a, officer_b):
    services.checkin_submit(reporter=family.head, person=family.child, temperature="38.1", symptoms=["cough"])

    rows = api_client(grid_worker_a).get(f"/api/v1/residents/persons/{family.child.pk}/checkins").json()
    assert rows[0]["proxy"] is True and rows[0]["reported_by_id"] == family.head.pk
    assert rows[0]["alert_task_id"] is not None
    assert api_client(officer_b).get(f"/api/v1/residents/persons/{family.child.pk}/checkins").status_code == 404


def test_the_household_needs_and_arrival_links_appear_when_they_exist(resident_client, family, city):
    from fangkong.arrivals.models import ReportLink
    from fangkong.supplies.models import HouseholdLink

    assert 'id="needs-link"' not in resident_client.get("/residents/me/").content.decode()
    HouseholdLink.objects.create(household=family.household, token="tok-needs-1")
    ReportLink.objects.create(token="tok-arrive-1", unit=city.a.community)

    html = resident_client.get("/residents/me/").content.decode()

    assert 'href="/supplies/h/tok-needs-1/"' in html and 'href="/arrivals/report/tok-arrive-1/"' in html


def test_large_text_persists_and_the_language_switch_is_there(client, family, outbox):
    page = client.get("/residents/").content.decode()
    assert 'data-large-text="off"' in page and 'name="language"' in page and 'value="zh-hant"' in page

    client.post("/residents/text-size/", {"next": "/residents/"})
    sign_in(client, family.head, outbox)

    assert 'data-large-text="on"' in client.get("/residents/me/").content.decode()
    client.post("/residents/text-size/", {"next": "https://evil.example/"})
    assert 'data-large-text="off"' in client.get("/residents/me/").content.decode()


def test_the_pages_are_chinese_by_default(client, family, settings):
    settings.LANGUAGE_CODE = "zh-hans"

    assert "身份证" in client.get("/residents/").content.decode()


def test_the_notices_of_the_residents_area_are_on_their_page_and_not_another_districts(resident_client, city, hq):
    from django.utils import timezone

    from fangkong.notices.services import notice_publish

    now = timezone.now()
    ours = notice_publish(actor=hq, title="东城区居家隔离人员管理通告", body="居家隔离期间不得外出。", effective_at=now,
                          targets=[city.a.district])
    theirs = notice_publish(actor=hq, title="西城区临时管控通告", body="西街道实行临时管控。", effective_at=now,
                            targets=[city.b.district])
    page = resident_client.get("/residents/me/").content.decode()
    assert f'data-notice="{ours.number}"' in page and ours.title in page
    assert theirs.title not in page
