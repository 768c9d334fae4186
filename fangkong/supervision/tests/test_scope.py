"""Every supervision page that takes an id treats district B's object as missing for every role of district A;
a role without the capability gets a 404 as well, and the lists never show district B's rows."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_user
from fangkong.accounts.roles import Role, has_capability
from fangkong.supervision import services
from fangkong.supervision.models import Assignment, Finding, Rectification
from fangkong.supervision.tests.conftest import make_unit_contact, png, visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def world_b(city, inspector_b, checklists):
    contact_b = make_unit_contact("contact_b", city.b.community, org_name="西一社区物业公司", person="钱经理")
    handed, loose = visit(inspector_b, city.b.community, "西一社区南门卡口", failed=2, photos=[png()])
    assignment = services.assignment_issue(finding=handed, actor=inspector_b)
    reported = services.assignment_issue(
        finding=visit(inspector_b, city.b.community, "西一社区菜市场", site_type="market")[0], actor=inspector_b)
    services.rectification_report(assignment=reported, report="已整改", actor=contact_b)
    secret = services.inspection_create(unit=city.b.district, kind="unannounced",
                                        day=timezone.localdate() + datetime.timedelta(days=1), title="西城暗访",
                                        team=[], actor=inspector_b)
    services.inspection_site_add(inspection=secret, unit=city.b.community, site_type="checkpoint", name="西一北门",
                                 actor=inspector_b)
    return {"assignment": assignment, "reported": reported, "loose": loose, "secret": secret}


SCOPE = {Role.GRID_WORKER: "grid", Role.UNIT_CONTACT: "community"}


@pytest.mark.parametrize("role", list(Role))
def test_district_a_users_never_reach_district_b(client, city, world_b, role):
    user = make_user(f"a_{role}", role, getattr(city.a, SCOPE.get(role, "district")))
    client.force_login(user)
    w = world_b
    assignment, inspection = w["assignment"], w["assignment"].finding.site.inspection
    photo = assignment.finding.result.photos.get()
    pages = [
        reverse("supervision:inspection_detail", args=[inspection.pk]),
        reverse("supervision:site_fill", args=[inspection.pk, assignment.finding.site_id]),
        reverse("supervision:inspection_detail", args=[w["secret"].pk]),
        reverse("supervision:finding_detail", args=[assignment.finding_id]),
        reverse("supervision:finding_detail", args=[w["loose"].pk]),
        reverse("supervision:assignment_detail", args=[assignment.pk]),
        reverse("supervision:assignment_pdf", args=[assignment.pk]),
        reverse("supervision:photo", args=[photo.pk]),
        reverse("supervision:figures") + f"?node={city.b.district.pk}",
    ]
    for url in pages:
        assert client.get(url).status_code == 404, url
    posts = [
        (reverse("supervision:finding_detail", args=[w["loose"].pk]), {"severity": "minor", "requirements": "改"}),
        (reverse("supervision:rectify", args=[assignment.pk]), {"report": "已整改"}),
        (reverse("supervision:verify", args=[w["reported"].pk]), {"decision": "close", "note": "好"}),
        (reverse("supervision:site_add", args=[inspection.pk]),
         {"unit_code": city.b.community.code, "site_type": "market", "name": "西城市场"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    lists = ["index", "finding_list", "assignment_list", "accountability", "figures", "checklist_list"]
    for name in lists:
        response = client.get(reverse(f"supervision:{name}"))
        capability = "supervision.report" if name in ("accountability", "figures") else "supervision.view"
        assert response.status_code == (200 if has_capability(user, capability) else 404), name
        text = response.content.decode()
        for secret in ("西一社区", "西城暗访", assignment.number, w["reported"].number):
            assert secret not in text, (name, secret)
    assert not Assignment.objects.filter(finding=w["loose"]).exists()
    assert Assignment.objects.get(pk=assignment.pk).status == "open"
    assert Assignment.objects.get(pk=w["reported"].pk).status == "reported"
    assert Rectification.objects.count() == 1 and Finding.objects.count() == 3
