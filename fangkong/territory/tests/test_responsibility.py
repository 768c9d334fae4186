"""四方责任, 责任到人: assigning, removing, and finding who answers for a node or household."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fangkong.audit.models import AuditEntry
from fangkong.territory.models import Level, Responsibility
from fangkong.territory.selectors import coverage_gaps, responsible_for
from fangkong.territory.services import responsibility_assign, responsibility_remove, unit_create

pytestmark = pytest.mark.django_db
Role = Responsibility.Role


def test_assign_and_remove_are_audited(city, officer_a, grid_worker_a):
    r = responsibility_assign(unit=city.a.grid, role=Role.GRID_WORKER, name="", phone="138 0013 8000",
                              user=grid_worker_a, actor=officer_a)
    assert (r.name, r.phone, r.user) == ("grid_a", "13800138000", grid_worker_a)
    entry = AuditEntry.objects.get(action="assign", object_id=r.pk)
    assert entry.actor == officer_a and entry.changes["phone"] == [None, "138****8000"]
    responsibility_remove(responsibility=r, actor=officer_a)
    assert not Responsibility.objects.exists()
    assert AuditEntry.objects.filter(action="remove", object_id=r.pk, actor=officer_a).exists()


@pytest.mark.parametrize("kwargs, field", [
    ({"role": "mayor", "name": "王"}, "role"),
    ({"role": Role.GRID_WORKER, "name": "  "}, "name"),
    ({"role": Role.GRID_WORKER, "name": "王", "phone": "12345"}, "phone"),
])
def test_assign_rejects_bad_input(city, officer_a, kwargs, field):
    with pytest.raises(ValidationError) as excinfo:
        responsibility_assign(unit=city.a.grid, actor=officer_a, **kwargs)
    assert field in excinfo.value.message_dict
    assert not Responsibility.objects.exists()


def test_assign_refuses_a_household_from_elsewhere_and_an_outside_account(city, officer_a, grid_worker_b,
                                                                          households):
    with pytest.raises(ValidationError):
        responsibility_assign(unit=city.a.building, role=Role.PARTY_MEMBER, name="党员", household=households.b1,
                              actor=officer_a)
    with pytest.raises(ValidationError):
        responsibility_assign(unit=city.a.grid, role=Role.GRID_WORKER, name="", user=grid_worker_b,
                              actor=officer_a)
    assert not Responsibility.objects.exists()


def test_officer_cannot_assign_or_remove_in_another_district(city, officer_a, officer_b):
    with pytest.raises(PermissionDenied):
        responsibility_assign(unit=city.b.grid, role=Role.GRID_WORKER, name="越权", actor=officer_a)
    theirs = responsibility_assign(unit=city.b.grid, role=Role.GRID_WORKER, name="西城网格员", actor=officer_b)
    with pytest.raises(PermissionDenied):
        responsibility_remove(responsibility=theirs, actor=officer_a)
    assert list(Responsibility.objects.values_list("name", flat=True)) == ["西城网格员"]


def test_grid_worker_cannot_assign(city, grid_worker_a):
    with pytest.raises(PermissionDenied):
        responsibility_assign(unit=city.a.building, role=Role.PARTY_MEMBER, name="自己", actor=grid_worker_a)


def test_responsible_for_walks_up_to_the_nearest_level_with_someone(city):
    leader = responsibility_assign(unit=city.a.district, role=Role.AREA_LEADER, name="区领导", actor=None)
    street_leader = responsibility_assign(unit=city.a.street, role=Role.AREA_LEADER, name="街道领导", actor=None)
    worker = responsibility_assign(unit=city.a.grid, role=Role.GRID_WORKER, name="网格员", actor=None)
    # The building has nobody: the grid's worker answers for it; the street's leader is nearer than the district's.
    assert responsible_for(unit=city.a.building, role=Role.GRID_WORKER) == worker
    assert responsible_for(unit=city.a.building, role=Role.AREA_LEADER) == street_leader
    assert responsible_for(unit=city.a.district, role=Role.AREA_LEADER) == leader
    assert responsible_for(unit=city.b.building, role=Role.GRID_WORKER) is None
    assert responsible_for(unit=city.a.street, role=Role.GRID_WORKER) is None


def test_household_party_member_wins_over_nodes(city, households):
    responsibility_assign(unit=city.a.grid, role=Role.PARTY_MEMBER, name="网格党员", actor=None)
    own = responsibility_assign(unit=city.a.building, role=Role.PARTY_MEMBER, name="包户党员",
                                household=households.a1, actor=None)
    assert responsible_for(unit=city.a.building, role=Role.PARTY_MEMBER, household=households.a1) == own
    # The other household and the building itself fall back to the grid; a household assignment covers one door.
    assert responsible_for(unit=city.a.building, role=Role.PARTY_MEMBER, household=households.a2).name == "网格党员"
    assert responsible_for(unit=city.a.building, role=Role.PARTY_MEMBER).name == "网格党员"


def test_latest_assignment_on_the_same_node_wins(city):
    responsibility_assign(unit=city.a.grid, role=Role.GRID_WORKER, name="老网格员", actor=None)
    newer = responsibility_assign(unit=city.a.grid, role=Role.GRID_WORKER, name="新网格员", actor=None)
    assert responsible_for(unit=city.a.building, role=Role.GRID_WORKER) == newer


def test_coverage_gaps_lists_grids_without_a_worker_and_counts_per_area(city, hq, officer_a,
                                                                         django_assert_max_num_queries):
    grid2 = unit_create(parent=city.a.community, level=Level.GRID, name="东城网格2", code="A-G2")
    unit_create(parent=city.a.community, level=Level.GRID, name="东城网格3", code="A-G3")
    responsibility_assign(unit=city.a.grid, role=Role.GRID_WORKER, name="甲", actor=None)
    # A worker on the community or a household does not cover the grid itself.
    responsibility_assign(unit=city.a.community, role=Role.GRID_WORKER, name="乙", actor=None)
    responsibility_assign(unit=grid2, role=Role.PARTY_MEMBER, name="丙", actor=None)

    with django_assert_max_num_queries(2):  # the gaps; the counts for districts and streets
        hq_report = coverage_gaps(user=hq, role=Role.GRID_WORKER)
    with django_assert_max_num_queries(1):
        names = [u.name for u in hq_report.gaps]
    assert names == ["东城网格2", "东城网格3", "西城网格1"]

    report = coverage_gaps(user=officer_a, role=Role.GRID_WORKER)
    assert [u.name for u in report.gaps] == ["东城网格2", "东城网格3"]
    assert [(g.unit.name, g.total, g.gaps) for g in report.groups] == [("东城区", 3, 2), ("东城街道", 3, 2)]

    hq_groups = {g.unit.name: (g.total, g.gaps) for g in hq_report.groups}
    assert hq_groups["西城区"] == (1, 1) and hq_groups["东城区"] == (3, 2)


def test_coverage_at_building_level(city, hq):
    responsibility_assign(unit=city.b.building, role=Role.UNIT_CONTACT, name="楼长", actor=None)
    report = coverage_gaps(user=hq, role=Role.UNIT_CONTACT, level=Level.BUILDING)
    assert [u.name for u in report.gaps] == ["东城1号楼"]
