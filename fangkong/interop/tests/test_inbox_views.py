"""The human queue: /interop/inbox/, resolved by picking the tube or rejected with a reason."""

import pytest

from conftest import make_user
from fangkong.interop.models import InboxItem
from fangkong.interop.tests.conftest import bundle, observation
from fangkong.testing import services as testing
from fangkong.testing.models import Tube


@pytest.fixture
def queued(post_bundle, lab_staff, tubes_at_lab):
    """A positive result for "T-A2X" (a typo of T-A2) waiting in LAB1's queue."""
    post_bundle(lab_staff, bundle(observation(1, tube_code="T-A2X", result="positive", ct=(27, 29))))
    return InboxItem.objects.get()


def test_the_queue_lists_the_item_for_the_hq(client, hq, queued):
    client.force_login(hq)
    page = client.get("/interop/inbox/")
    assert page.status_code == 200
    assert f'data-item="{queued.pk}"'.encode() in page.content
    assert b'data-reason="unknown_tube"' in page.content
    detail = client.get(f"/interop/inbox/{queued.pk}/")
    assert b"resolve-form" in detail.content and b"T-A2X" in detail.content


def test_resolving_records_the_result_through_testing(client, hq, queued):
    client.force_login(hq)
    response = client.post(f"/interop/inbox/{queued.pk}/resolve/", {"tube_code": "T-A2"})
    assert response.status_code == 302
    tube = Tube.objects.get(code="T-A2")
    assert (tube.result, float(tube.ct_orf1ab), float(tube.ct_n)) == ("positive", 27.0, 29.0)
    assert tube.recall  # a positive pool is recalled, as for any lab result
    queued.refresh_from_db()
    assert (queued.status, queued.resolved_tube, queued.resolved_by) == ("resolved", tube, hq)
    assert f'data-item="{queued.pk}"'.encode() not in client.get("/interop/inbox/").content


def test_a_wrong_tube_is_refused_with_a_message_and_nothing_changes(client, hq, queued, round_a, point_a,
                                                                  residents_a):
    client.force_login(hq)
    response = client.post(f"/interop/inbox/{queued.pk}/resolve/", {"tube_code": "NOPE-1"})
    assert response.status_code == 422
    assert b"NOPE-1" in response.content
    queued.refresh_from_db()
    assert queued.status == "open"
    assert not Tube.objects.exclude(result="").exists()


def test_a_tube_of_another_lab_is_refused(client, hq, queued, round_a, point_a, resident_b, other_lab, city):
    from fangkong.interop.tests.conftest import received

    # given a tube of district B's resident received by the other lab (outside round A: a point of its own)
    point_b = testing.point_create(code="P-B9", name="西城采样点", unit=city.b.community, opens_at=point_a.opens_at,
                                   closes_at=point_a.closes_at, actor=None)
    round_b = testing.round_create(code="R-B-9", name="西城区核酸", nodes=[city.b.district],
                                   starts_at=round_a.starts_at, ends_at=round_a.ends_at, pool_size=10, actor=None)
    tube = testing.tube_open(round_=round_b, point=point_b, code="T-OTHER", actor=None)
    testing.sample_add(tube=tube, id_number=resident_b.id_number, actor=None)
    received([tube], other_lab)
    client.force_login(hq)
    # when the HQ picks it for LAB1's result
    response = client.post(f"/interop/inbox/{queued.pk}/resolve/", {"tube_code": "T-OTHER"})
    # then it is refused, naming the lab, and nothing changes
    assert response.status_code == 422
    assert "市疾控中心实验室".encode() in response.content
    queued.refresh_from_db()
    assert queued.status == "open"
    assert Tube.objects.get(code="T-OTHER").result == ""


def test_rejecting_needs_a_reason(client, hq, queued):
    client.force_login(hq)
    assert client.post(f"/interop/inbox/{queued.pk}/reject/", {"reason": " "}).status_code == 422
    queued.refresh_from_db()
    assert queued.status == "open"
    assert client.post(f"/interop/inbox/{queued.pk}/reject/", {"reason": "重复上报"}).status_code == 302
    queued.refresh_from_db()
    assert (queued.status, queued.rejection) == ("rejected", "重复上报")
    # dealt with: it cannot be resolved afterwards
    assert client.post(f"/interop/inbox/{queued.pk}/resolve/", {"tube_code": "T-A2"}).status_code == 422
    assert Tube.objects.get(code="T-A2").result == ""


def test_an_officer_below_the_labs_node_sees_nothing(client, officer_a, officer_b, queued):
    # LAB1 sits at the city: its queue belongs to the HQ, not to a district
    for officer in (officer_a, officer_b):
        client.force_login(officer)
        assert f'data-item="{queued.pk}"'.encode() not in client.get("/interop/inbox/").content
        assert client.get(f"/interop/inbox/{queued.pk}/").status_code == 404
        assert client.post(f"/interop/inbox/{queued.pk}/resolve/", {"tube_code": "T-A2"}).status_code == 404
    queued.refresh_from_db()
    assert queued.status == "open"


def test_a_district_lab_queue_is_the_districts(client, city, officer_a, officer_b, post_bundle, round_a, point_a,
                                               residents_a):
    from fangkong.interop.tests.conftest import fill_tube, received
    from fangkong.testing.models import LabStaff

    lab_a = testing.lab_create(code="LAB-A", name="东城区疾控实验室", unit=city.a.district, actor=None)
    staff = make_user("lab_a", "lab", city.a.district)
    LabStaff.objects.create(lab=lab_a, user=staff)
    received([fill_tube(round_a, point_a, "T-D1", residents_a[:2])], lab_a)
    post_bundle(staff, bundle(observation(1, tube_code="T-D1X")))
    item = InboxItem.objects.get()
    client.force_login(officer_b)
    assert client.get(f"/interop/inbox/{item.pk}/").status_code == 404
    client.force_login(officer_a)
    assert client.get(f"/interop/inbox/{item.pk}/").status_code == 200
    assert client.post(f"/interop/inbox/{item.pk}/resolve/", {"tube_code": "T-D1"}).status_code == 302
    assert Tube.objects.get(code="T-D1").result == "negative"


def test_the_lab_itself_has_no_queue_page(client, lab_staff, queued):
    client.force_login(lab_staff)
    assert client.get("/interop/inbox/").status_code == 404
