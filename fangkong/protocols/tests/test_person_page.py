"""The person's page names the rule set governing each measure; a merge carries measures to the survivor."""

import pytest
from django.utils import timezone

from fangkong.people.services import person_create, person_merge
from fangkong.protocols.models import Measure
from fangkong.protocols.services import measure_start
from fangkong.protocols.tests.conftest import make_id

pytestmark = pytest.mark.django_db


def test_the_person_page_shows_the_governing_rule_set_and_version(client, chen, grid_worker_a, grid_worker_b):
    measure_start(person=chen, category="close_contact", day_one=timezone.localdate(), actor=None, source="test")

    client.force_login(grid_worker_a)
    page = client.get(f"/people/{chen.pk}/").content.decode()
    assert 'id="measures"' in page
    assert "Close contact" in page and "第九版" in page

    client.force_login(grid_worker_b)
    assert client.get(f"/people/{chen.pk}/").status_code == 404


def test_a_merge_moves_the_duplicates_measures(chen, officer_a):
    twin = person_create(name="陈纲", id_number=make_id("11010119800101124"), household=chen.household, actor=None)
    measure = measure_start(person=twin, category="arrival_high", day_one=timezone.localdate(), actor=None,
                            source="test")

    person_merge(survivor=chen, duplicate=twin, actor=officer_a)

    assert Measure.objects.get(pk=measure.pk).person_id == chen.pk


def test_a_new_measure_never_lowers_a_stricter_status(chen):
    from fangkong.people.services import person_status_change

    person_status_change(person=chen, to_status="hospital", cause="确诊", actor=None)
    measure_start(person=chen, category="arrival_medium", day_one=timezone.localdate(), actor=None, source="test")

    chen.refresh_from_db()
    assert chen.status == "hospital"
