"""The isolation pages: occupancy, sites and rooms, the queue's proposal and confirmation, trips on a phone."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fangkong.command.snapshot import snapshot_take
from fangkong.isolation.models import Room, Site, Stay

pytestmark = pytest.mark.django_db


def test_the_overview_shows_occupancy_the_queue_and_the_reserve_standard(client, officer_a, site_a, family_a):
    client.force_login(officer_a)
    page = client.get(reverse("isolation:index")).content.decode()
    assert 'data-site="GL-H1"' in page and 'id="queue-to-room"' in page
    assert 'id="total-free">14<' in page
    assert "4" in page and 'id="reserve-standard"' in page


def test_an_officer_creates_a_site_and_its_rooms_from_a_pattern_and_a_spreadsheet(client, officer_a, city):
    client.force_login(officer_a)
    response = client.post(reverse("isolation:site_new"), {
        "code": "GL-H2", "name": "东城二号隔离点", "unit": city.a.district.pk, "address": "东城区北路2号",
        "reserve": 1})
    site = Site.objects.get(code="GL-H2")
    assert response.status_code == 302
    response = client.post(reverse("isolation:rooms_pattern", args=[site.pk]), {
        "first_floor": 2, "last_floor": 3, "per_floor": 5, "kind": "single", "beds": 1, "skip_digits": "4"})
    assert response.status_code == 302
    assert sorted(site.rooms.values_list("number", flat=True))[:5] == ["201", "202", "203", "205", "206"]
    upload = SimpleUploadedFile("rooms.csv", "房号,楼层,类型,床位\n501,5,家庭间,3\n502,5,单人间,1\n".encode())
    response = client.post(reverse("isolation:rooms_upload", args=[site.pk]), {"file": upload})
    assert response.status_code == 302
    assert site.rooms.get(number="501").kind == "family"
    twice = SimpleUploadedFile("rooms.csv", "房号,楼层\n601,6\n601,6\n".encode())
    response = client.post(reverse("isolation:rooms_upload", args=[site.pk]), {"file": twice})
    assert response.status_code == 422 and "601 appears twice" in response.content.decode()
    assert not site.rooms.filter(number="601").exists()


def test_the_queue_proposes_and_the_officer_confirms(client, officer_a, site_a, family_a):
    client.force_login(officer_a)
    page = client.get(reverse("isolation:queue")).content.decode()
    assert 'data-size="3"' in page and 'data-size="1"' in page
    form = client.get(reverse("isolation:queue")).context["form"]
    data = {name: field.initial for name, field in form.fields.items()}
    response = client.post(reverse("isolation:queue"), data)
    assert response.status_code == 302
    assert Stay.objects.count() == 4
    assert 'id="queue-empty"' in client.get(reverse("isolation:queue")).content.decode()


def test_another_district_sees_neither_the_site_nor_the_queue(client, officer_b, site_a, family_a):
    client.force_login(officer_b)
    assert client.get(reverse("isolation:site_detail", args=[site_a.pk])).status_code == 404
    assert 'data-size' not in client.get(reverse("isolation:queue")).content.decode()


def test_the_driver_works_the_trip_on_the_phone_page(client, officer_a, site_a, family_a, driver, site_staff):
    from fangkong.isolation import selectors, services

    entries = selectors.placement_queue(user=officer_a)
    stays = services.placement_confirm(groups=selectors.propose(user=officer_a, entries=entries).groups,
                                       actor=officer_a)
    trip = services.trip_create(site=site_a, stays=stays, vehicle="青H12345", driver_name="钱师傅", driver=driver,
                                actor=officer_a)
    client.force_login(driver)
    page = client.get(reverse("isolation:trip_detail", args=[trip.pk])).content.decode()
    assert page.count("pickup-found") == 4
    stay = stays[0]
    client.post(reverse("isolation:pickup", args=[trip.pk, stay.pk]), {"found": "yes"})
    response = client.post(reverse("isolation:handover", args=[trip.pk, stay.pk]), {"received_by": "赵医生"},
                           follow=True)
    stay.refresh_from_db()
    assert stay.status == "arrived" and stay.received_by == "赵医生"
    assert 'data-status="arrived"' in response.content.decode()
    assert Room.objects.get(pk=stay.room_id).status == "occupied"


def test_the_hq_is_warned_before_rooms_run_out(client, hq, city, family_a):
    from fangkong.isolation import services

    site = services.site_create(code="GL-S", name="小隔离点", unit=city.a.district, address="东城区1号", actor=None)
    services.rooms_create(site=site, rooms=[{"number": "101", "floor": 1}, {"number": "102", "floor": 1}],
                          actor=None)
    client.force_login(hq)
    page = client.get(reverse("isolation:index")).content.decode()
    # Four people in the queue, two free rooms: two without a room today.
    assert 'id="shortfall"' in page
    snapshot_take()  # the dashboard shows the alerts its latest snapshot stored
    home = client.get("/", follow=True).content.decode()
    assert 'data-alert="isolation.shortfall"' in home


def test_the_release_list_shows_who_leaves_tomorrow_with_their_test_results(client, officer_a, site_a, family_a,
                                                                            site_staff):
    import datetime

    from django.utils import timezone

    from fangkong.isolation import selectors, services
    from fangkong.tasks.models import Task
    from fangkong.tasks.services import task_complete
    from fangkong.testing import services as testing
    from fangkong.testing.models import Tube
    from fangkong.testing.tests.conftest import send_and_result

    entries = selectors.placement_queue(user=officer_a)
    stays = services.placement_confirm(groups=selectors.propose(user=officer_a, entries=entries).groups,
                                       actor=officer_a)
    alone = next(s for s in stays if s.person.name == "吴单")
    services.handover_record(stay=alone, received_by="赵医生", actor=site_staff)
    test_day = Task.objects.filter(person_id=alone.person_id, kind="measure_test", owner=site_staff,
                                   status="open").order_by("due_at").first()
    task_complete(task=test_day, outcome="sampled", data={"tube_code": "M0000009"}, actor=site_staff)
    lab = testing.lab_create(code="LAB1", name="市疾控中心实验室", unit=site_a.unit.parent, actor=None)
    send_and_result(Tube.objects.get(code="M0000009"), lab, "negative")
    # Move the stage end to tomorrow, as if the person had been here six days.
    end = Task.objects.filter(person_id=alone.person_id, kind="measure_stage_end").order_by("due_at").first()
    tomorrow_night = timezone.make_aware(datetime.datetime.combine(
        timezone.localdate() + datetime.timedelta(days=2), datetime.time(0)))
    Task.objects.filter(pk=end.pk).update(due_at=tomorrow_night)
    client.force_login(site_staff)
    page = client.get(reverse("isolation:releases")).content.decode()
    assert f'data-stay="{alone.pk}"' in page and "result-negative" in page
    response = client.post(reverse("isolation:release", args=[alone.pk]), follow=True)
    assert response.status_code == 200
    alone.refresh_from_db()
    assert alone.status == "released"


def test_the_site_page_shows_its_staff_on_duty(client, officer_a, site_a):
    import datetime

    from django.utils import timezone

    from fangkong.workforce.selectors import post_for
    from fangkong.workforce.services import shift_create

    post = post_for(subject_type="isolation.site", subject_id=site_a.pk)
    now = timezone.now()
    shift_create(post=post, starts_at=now - datetime.timedelta(hours=1), ends_at=now + datetime.timedelta(hours=7),
                 leader_name="刘班长", actor=None)
    client.force_login(officer_a)
    page = client.get(reverse("isolation:site_detail", args=[site_a.pk])).content.decode()
    assert 'id="site-on-duty"' in page and "刘班长" in page
