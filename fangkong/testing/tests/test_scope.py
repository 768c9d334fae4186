"""Scope: a lab sees the tubes sent to it; an officer sees their own part of a round; nobody writes outside."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from conftest import make_user
from fangkong.accounts.roles import Role
from fangkong.command.snapshot import snapshot_take
from fangkong.testing import selectors, services
from fangkong.testing.models import Round, Tube

from .conftest import fill_tube, send_and_result

pytestmark = pytest.mark.django_db


@pytest.fixture
def city_round(city, residents_a, resident_b):
    now = timezone.now()
    return services.round_create(code="R-CITY-1", name="全市第一轮", nodes=[city.city],
                                 starts_at=now - datetime.timedelta(hours=1), ends_at=now + datetime.timedelta(days=1),
                                 actor=None)


def test_a_lab_user_sees_only_tubes_sent_to_their_lab(round_a, point_a, lab, other_lab, lab_staff, residents_a):
    mine = fill_tube(round_a, point_a, "T5000001", residents_a[:10])
    theirs = fill_tube(round_a, point_a, "T5000002", residents_a[10:12])
    services.tube_close(tube=theirs, actor=None)
    services.handover_send(lab=lab, codes=[mine.code], declared_count=1, actor=None)
    services.handover_send(lab=other_lab, codes=[theirs.code], declared_count=1, actor=None)
    assert list(Tube.objects.visible_to(lab_staff).values_list("code", flat=True)) == ["T5000001"]
    assert [h.lab for h in selectors.handover_list(user=lab_staff)] == [lab]


def test_a_lab_user_cannot_receive_another_labs_batch(round_a, point_a, other_lab, lab_staff, residents_a):
    tube = fill_tube(round_a, point_a, "T5000003", residents_a[:10])
    handover = services.handover_send(lab=other_lab, codes=[tube.code], declared_count=1, actor=None)
    with pytest.raises(PermissionDenied):
        services.handover_receive(handover=handover, codes=[tube.code], actor=lab_staff)


def test_a_street_officer_sees_the_city_round_and_only_their_part_of_it(city, city_round, point_a, point_b, lab,
                                                                       residents_a, resident_b):
    # given a city round with samples in both districts
    fill_tube(city_round, point_a, "T5000004", residents_a[:10])
    fill_tube(city_round, point_b, "T5000005", [resident_b])
    street_a = make_user("street_a", Role.OFFICER, city.a.street)
    # then the street officer sees the round, its figures only for their street, and none of B's samples or tubes
    assert list(selectors.round_list(user=street_a)) == [city_round]
    root = selectors.coverage_root(user=street_a, round_=city_round)
    view = selectors.coverage(user=street_a, round_=city_round, node=root)
    assert root == city.a.street and (view.total.target, view.total.sampled) == (12, 10)
    assert selectors.round_figures(user=street_a, round_=city_round)["samples"] == 10
    assert not Tube.objects.visible_to(street_a).filter(code="T5000005").exists()
    with pytest.raises(Http404):
        selectors.coverage(user=street_a, round_=city_round, node=city.b.district)


def test_the_hq_drills_down_from_the_city_to_the_grid(city, city_round, point_a, residents_a, hq):
    fill_tube(city_round, point_a, "T5000006", residents_a[:10])
    top = selectors.coverage(user=hq, round_=city_round, node=city.city)
    assert [(r.unit, r.target, r.sampled) for r in top.rows] == [(city.a.district, 12, 10), (city.b.district, 1, 0)]
    grid = selectors.coverage(user=hq, round_=city_round, node=city.a.community)
    assert grid.is_cells and [(r.unit, r.missing) for r in grid.rows] == [(city.a.grid, 2)]
    assert {p.name for p in selectors.unsampled_people(user=hq, round_=city_round, node=city.a.grid)} == {
        "居民11", "居民12"}


def test_an_officer_of_b_cannot_manage_or_see_district_a_round(round_a, officer_b, officer_a):
    assert not Round.objects.visible_to(officer_b).exists()
    assert Round.objects.visible_to(officer_a).get() == round_a
    with pytest.raises(PermissionDenied):
        services.round_status_set(round_=round_a, status="closed", actor=officer_b)


def test_an_officer_cannot_create_a_round_outside_their_district(city, officer_a):
    now = timezone.now()
    with pytest.raises(PermissionDenied):
        services.round_create(code="R-B-X", name="越权", nodes=[city.b.district], starts_at=now,
                              ends_at=now + datetime.timedelta(hours=5), actor=officer_a)
    assert not Round.objects.exists()


def test_recall_rows_are_scoped_and_complete(city, city_round, point_a, point_b, lab, residents_a, resident_b, hq,
                                             officer_b):
    send_and_result(fill_tube(city_round, point_a, "T5000007", residents_a[:10]), lab, "positive")
    rows = list(selectors.recall_rows(user=hq, round_=city_round))
    assert len(rows) == 10 and {r["tube_code"] for r in rows} == {"T5000007"}
    assert rows[0]["household_address"] == "东城一社区1号楼101" and rows[0]["grid"] == "东城网格1"
    assert list(selectors.recall_rows(user=officer_b, round_=city_round)) == []


def test_extras_count_in_the_target_and_in_coverage(round_a, point_a, resident_b, hq):
    services.round_extra_add(round_=round_a, person=resident_b, actor=hq)
    round_a.refresh_from_db()
    assert round_a.target_total == 13
    fill_tube(round_a, point_a, "T5000008", [resident_b])
    view = selectors.coverage(user=hq, round_=round_a, node=round_a.unit.parent)
    assert view.total.sampled == 1


def test_the_person_page_shows_their_results_by_round(client, round_a, point_a, lab, residents_a, grid_worker_a):
    from django.urls import reverse

    send_and_result(fill_tube(round_a, point_a, "T5000009", residents_a[:10]), lab, "negative")
    client.force_login(grid_worker_a)
    page = client.get(reverse("people:person", args=[residents_a[0].pk]))
    assert page.status_code == 200
    assert 'data-tube="T5000009"' in page.content.decode()


def test_risk_learns_the_last_positive_and_a_full_negative_round(city, round_a, point_a, lab, residents_a):
    from fangkong.risk.services import risk_area_declare
    from fangkong.testing.selectors import risk_criteria

    area = risk_area_declare(level="medium", actor=None, reason="通告", unit=city.a.street)
    send_and_result(fill_tube(round_a, point_a, "T5000010", residents_a[:10]), lab, "negative")
    services.round_status_set(round_=round_a, status="closed", actor=None)
    criteria = risk_criteria(area, timezone.now())
    assert criteria["last_infection_at"] is None
    assert criteria["negative_round_completed_on"] == timezone.localtime(round_a.ends_at).date()


def test_the_overview_shows_a_positive_pool_only_to_those_whose_area_it_is(client, round_a, point_a, lab,
                                                                           residents_a, hq, officer_b):
    send_and_result(fill_tube(round_a, point_a, "T5000011", residents_a[:10]), lab, "positive")
    snapshot_take()  # the dashboard shows the alerts its latest snapshot stored
    client.force_login(hq)
    assert 'data-alert="testing.open_recalls"' in client.get("/", follow=True).content.decode()
    client.force_login(officer_b)
    assert 'data-alert="testing.open_recalls"' not in client.get("/", follow=True).content.decode()


def test_a_lab_user_sees_samples_and_recalls_only_of_tubes_sent_to_their_lab(round_a, point_a, lab, other_lab,
                                                                            lab_staff, residents_a):
    from fangkong.testing.models import Coverage, Recall, RecallMember, Sample

    mine = fill_tube(round_a, point_a, "T5000012", residents_a[:10])
    send_and_result(mine, other_lab, "positive")
    assert not Sample.objects.visible_to(lab_staff).exists()
    assert not Recall.objects.visible_to(lab_staff).exists()
    assert not RecallMember.objects.visible_to(lab_staff).exists()
    assert not Coverage.objects.visible_to(lab_staff).exists()
    theirs = fill_tube(round_a, point_a, "T5000013", residents_a[10:12])
    send_and_result(theirs, lab, "negative")
    assert Sample.objects.visible_to(lab_staff).count() == 2


def test_node_choices_keep_whole_levels_so_no_district_is_cut_off(city, hq):
    # given a limit smaller than the city's nodes down to the grid
    choices = selectors.unit_choices(user=hq, min_level=2, limit=6)
    # then both districts and both streets are offered, the deeper levels are left to typed codes
    assert set(choices) == {city.a.district, city.b.district, city.a.street, city.b.street,
                            city.a.community, city.b.community}
    assert set(selectors.unit_choices(user=hq, min_level=2, limit=5)) == {
        city.a.district, city.b.district, city.a.street, city.b.street}


def test_a_round_over_typed_node_codes_refuses_codes_outside_the_scope(client, officer_a, city, residents_a):
    client.force_login(officer_a)
    form = {"code": "R-TYPED", "name": "按编码", "node_codes": f"{city.a.grid.code}, {city.b.grid.code}",
            "starts_at": "2026-12-01T06:00", "ends_at": "2026-12-02T06:00", "pool_size": "10"}
    response = client.post("/testing/rounds/new/", form)
    assert response.status_code == 422 and city.b.grid.code in response.content.decode()
    assert not Round.objects.exists()
    form["node_codes"] = city.a.grid.code
    response = client.post("/testing/rounds/new/", form)
    assert response.status_code == 302
    assert list(Round.objects.get().nodes.all()) == [city.a.grid]
