"""The demo scene on the test city: check-ins, one proxy, one alert; idempotent; wiped with the city."""

import pytest

from fangkong.demo.residents_scene import seed_residents, wipe_residents
from fangkong.residents.models import CheckIn
from fangkong.residents.tests.conftest import _person, years_ago
from fangkong.tasks.models import Task

pytestmark = pytest.mark.django_db


def test_the_scene_seeds_check_ins_a_proxy_and_an_alert_once(city, family, grid_worker_a):
    neighbour = _person("孙邻居", years_ago(33), "777", unit=city.a.building, door="102", phone="13800000077")

    result = seed_residents(city=city.city, district=city.a.district)

    assert result["created"] and result["resident"]["id_number"] == family.head.id_number
    assert CheckIn.objects.filter(reported_by=family.head).count() == 1
    alert = Task.objects.get(pk=result["alert_task"])
    assert alert.person == neighbour and alert.owner == grid_worker_a
    assert seed_residents(city=city.city, district=city.a.district)["created"] is False

    wipe_residents(units=[city.a.building.pk])
    assert CheckIn.objects.count() == 0


def test_without_a_dependent_under_control_the_scene_puts_a_child_home_with_the_parent(city, grid_a):
    from fangkong.people.models import ManagementStatus

    parent = _person("周家长", years_ago(40), "881", unit=city.a.building, door="301", phone="13800000081")
    child = _person("周小宝", years_ago(6), "882", household=parent.household, status="normal")
    _person("吴邻居", years_ago(50), "883", unit=city.a.building, door="302", phone="13800000083")

    result = seed_residents(city=city.city, district=city.a.district)

    child.refresh_from_db()
    assert result["resident"]["person_id"] == parent.pk and child.status == ManagementStatus.HOME_ISOLATION
    assert CheckIn.objects.get(person=child).reported_by == parent
    assert seed_residents(city=city.city, district=city.a.district)["created"] is False
