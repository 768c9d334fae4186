"""What the command HQ sees: arrivals by level and node, overdue first contacts, timeliness, checkpoint flow."""

import datetime

import pytest
from django.utils import timezone

from fangkong.arrivals.models import Arrival
from fangkong.arrivals.services import passage_record
from fangkong.arrivals.tests.conftest import key, traveller
from fangkong.tasks.models import Task

pytestmark = pytest.mark.django_db


def test_the_hq_sees_todays_arrivals_and_who_is_late(client, protocol, high_area, grid_a, checkpoint, checkpoint_a,
                                                      hq, city):
    passage_record(checkpoint=checkpoint, plate="豫Q12345", client_key=key(), actor=checkpoint_a,
                   occupants=[traveller(1, city.a.grid), traveller(2, city.a.grid),
                              traveller(3, city.a.grid, origin_text="北京市东城区", health_code="green",
                                        override="register_and_pass", override_reason="返乡人员，主动登记")])
    late, contacted, _other = Arrival.objects.order_by("pk")
    Task.objects.filter(pk=late.first_contact_task_id).update(due_at=timezone.now() - datetime.timedelta(hours=3))
    Task.objects.filter(pk=contacted.first_contact_task_id).update(
        status="done", closed_at=contacted.created_at + datetime.timedelta(hours=1, minutes=30))
    client.force_login(hq)
    page = client.get("/arrivals/hq/").content.decode()
    # by level and by child node (district A: 2 high, 1 not in a risk area)
    assert "东城区" in page
    # the late one, with the grid worker's name and masked phone
    assert f'id="overdue-{late.pk}"' in page and "王网格" in page and "139****1111" in page
    assert f'id="overdue-{contacted.pk}"' not in page
    # timeliness: one contacted, 1.5 h
    assert "东城街道" in page and "1.5" in page
    # the checkpoint's flow today
    assert "京港澳高速西平站口" in page


def test_selectors_count_by_level_and_child(protocol, high_area, grid_a, checkpoint, checkpoint_a, hq, city):
    from fangkong.arrivals.selectors import arrivals_by_level_and_child, checkpoint_throughput

    passage_record(checkpoint=checkpoint, plate="豫Q12345", client_key=key(), actor=checkpoint_a,
                   occupants=[traveller(1, city.a.grid), traveller(2, city.b.grid)])
    overall, children = arrivals_by_level_and_child(user=hq, unit=city.city, day=timezone.localdate())
    assert overall.counts["high"] == 2
    assert {c.unit.name: c.total for c in children} == {"东城区": 1, "西城区": 1}
    flow = checkpoint_throughput(user=hq, day=timezone.localdate())
    assert [(t.checkpoint.name, t.passages, t.people) for t in flow] == [("京港澳高速西平站口", 1, 2)]
    assert sum(flow[0].by_shift) == 2
