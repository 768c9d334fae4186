"""visible_to, exhaustively: the one place scope is enforced."""

import pytest

from fangkong.accounts.scope import get_visible_or_404
from fangkong.territory.models import Unit

pytestmark = pytest.mark.django_db


def test_hq_sees_the_whole_city(city, hq):
    assert Unit.objects.visible_to(hq).count() == Unit.objects.count() == 11


def test_officer_sees_own_district_only(city, officer_a):
    visible = set(Unit.objects.visible_to(officer_a).values_list("name", flat=True))
    assert visible == {"东城区", "东城街道", "东城一社区", "东城网格1", "东城1号楼"}


def test_grid_worker_sees_grid_and_below(city, grid_worker_a):
    visible = set(Unit.objects.visible_to(grid_worker_a).values_list("name", flat=True))
    assert visible == {"东城网格1", "东城1号楼"}


def test_sibling_with_shared_id_prefix_is_not_in_subtree(city, hq):
    # Paths are "/1/2/"; a node with id 20 must not fall inside the subtree of id 2.
    from fangkong.core.paths import subtree_q

    ids = {u.pk: u.path for u in Unit.objects.all()}
    for root_path in ids.values():
        inside = set(Unit.objects.filter(subtree_q("path", root_path)).values_list("path", flat=True))
        assert inside == {p for p in ids.values() if p.startswith(root_path)}


def test_user_without_scope_or_role_capability_sees_nothing(city, hq, lab_user):
    hq.scope = None
    hq.__dict__.pop("_scope_path", None)
    assert not Unit.objects.visible_to(hq).exists()
    # The lab may view territory but not change it.
    assert Unit.objects.visible_to(lab_user, "view").exists()
    assert not Unit.objects.visible_to(lab_user, "change").exists()


def test_inactive_and_anonymous_see_nothing(city, officer_a):
    from django.contrib.auth.models import AnonymousUser

    assert not Unit.objects.visible_to(AnonymousUser()).exists()
    officer_a.is_active = False
    assert not Unit.objects.visible_to(officer_a).exists()


def test_out_of_scope_object_is_404(city, officer_a):
    from django.http import Http404

    with pytest.raises(Http404):
        get_visible_or_404(Unit.objects, user=officer_a, pk=city.b.grid.pk)
    assert get_visible_or_404(Unit.objects, user=officer_a, pk=city.a.grid.pk) == city.a.grid
