"""Who reaches what: the unit contact and the grid worker who rectify, the secrecy of unannounced visits, the
system admin who edits the checklists."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from conftest import make_user
from fangkong.accounts.roles import Role
from fangkong.supervision import services
from fangkong.supervision.models import Assignment, ChecklistItem, Photo
from fangkong.supervision.tests.conftest import make_unit_contact, png
from fangkong.tasks.models import Task

pytestmark = pytest.mark.django_db


def _page(client, name, *args):
    return client.get(reverse(f"supervision:{name}", args=args))


def test_the_unit_contact_rectifies_what_was_addressed_to_them_and_sees_nothing_else(
        client, city, contact_a, assignment_a, grid_assignment_a):
    assert assignment_a.owner == contact_a and assignment_a.task.owner == contact_a
    client.force_login(contact_a)
    index = _page(client, "index").content.decode()
    assert assignment_a.number in index and grid_assignment_a.number not in index
    assert assignment_a.finding.site.inspection.title not in index
    assert _page(client, "assignment_detail", assignment_a.pk).status_code == 200
    assert _page(client, "finding_detail", assignment_a.finding_id).status_code == 200
    assert _page(client, "assignment_pdf", assignment_a.pk).status_code == 200
    assert _page(client, "photo", assignment_a.finding.result.photos.get().pk).status_code == 200
    # Not the inspection (nor its route), not the grid's problem two levels down in their scope's subtree.
    inspection = assignment_a.finding.site.inspection
    for name, args in (("inspection_detail", [inspection.pk]),
                       ("site_fill", [inspection.pk, assignment_a.finding.site_id]),
                       ("assignment_detail", [grid_assignment_a.pk]),
                       ("finding_detail", [grid_assignment_a.finding_id]),
                       ("assignment_pdf", [grid_assignment_a.pk]),
                       ("photo", [grid_assignment_a.finding.result.photos.get().pk])):
        assert _page(client, name, *args).status_code == 404, name
    for name in ("assignment_list", "finding_list"):
        page = _page(client, name).content.decode()
        assert grid_assignment_a.number not in page and "网格1南口卡点" not in page
    assert client.post(reverse("supervision:rectify", args=[grid_assignment_a.pk]),
                       {"report": "已整改"}).status_code == 404
    response = client.post(reverse("supervision:rectify", args=[assignment_a.pk]),
                           {"report": "已安排24小时值守", "photos": [png()]})
    assert response.status_code == 302
    assignment_a.refresh_from_db()
    assert assignment_a.status == "reported" and Task.objects.get(pk=assignment_a.task_id).status == "done"
    grid_assignment_a.refresh_from_db()
    assert grid_assignment_a.status == "open"


def test_a_fellow_contact_of_the_same_unit_may_rectify_another_units_contact_may_not(
        client, city, contact_a, assignment_a):
    from fangkong.units.models import UnitContact

    colleague = make_user("contact_a2", Role.UNIT_CONTACT, city.a.community)
    UnitContact.objects.create(organisation=contact_a.unit_links.get().organisation, user=colleague)
    neighbour = make_unit_contact("contact_n", city.a.community, org_name="东一社区超市", person="赵经理")
    client.force_login(neighbour)
    assert _page(client, "assignment_detail", assignment_a.pk).status_code == 404
    with pytest.raises(PermissionDenied):
        services.rectification_report(assignment=assignment_a, report="已整改", actor=neighbour)
    client.force_login(colleague)
    assert _page(client, "assignment_detail", assignment_a.pk).status_code == 200
    services.rectification_report(assignment=assignment_a, report="已整改", actor=colleague)
    assert Assignment.objects.get(pk=assignment_a.pk).status == "reported"


def test_the_grid_worker_rectifies_their_own_assignment_only(client, grid_worker_a, assignment_a, grid_assignment_a):
    assert grid_assignment_a.owner == grid_worker_a and grid_assignment_a.task.owner == grid_worker_a
    client.force_login(grid_worker_a)
    index = _page(client, "index").content.decode()
    assert grid_assignment_a.number in index and assignment_a.number not in index
    assert "检查网格1南口卡点" not in index  # the inspection itself stays the team's
    assert _page(client, "inspection_detail", grid_assignment_a.finding.site.inspection_id).status_code == 404
    assert _page(client, "assignment_detail", assignment_a.pk).status_code == 404
    assert _page(client, "assignment_detail", grid_assignment_a.pk).status_code == 200
    response = client.post(reverse("supervision:rectify", args=[grid_assignment_a.pk]),
                           {"report": "卡点已恢复值守", "photos": [png(color="blue")]})
    assert response.status_code == 302
    assert Photo.objects.filter(rectification__assignment=grid_assignment_a).count() == 1
    assert client.post(reverse("supervision:verify", args=[grid_assignment_a.pk]),
                       {"decision": "close", "note": "好"}).status_code == 404
    assert Assignment.objects.get(pk=grid_assignment_a.pk).status == "reported"


@pytest.fixture
def tomorrow_visit(city, inspector_a, checklists):
    inspection = services.inspection_create(unit=city.a.district, kind="unannounced",
                                            day=timezone.localdate() + datetime.timedelta(days=1),
                                            title="明晚暗访东一社区", team=[], actor=inspector_a)
    for name in ("东一社区北门卡口", "东一社区集贸市场"):
        services.inspection_site_add(inspection=inspection, unit=city.a.community, site_type="checkpoint", name=name,
                                     actor=inspector_a)
    return inspection


def test_an_unannounced_visit_is_hidden_from_the_district_until_it_has_happened(
        client, city, hq, officer_a, inspector_a, tomorrow_visit):
    from fangkong.supervision.tests.conftest import answers_failing

    colleague = make_user("inspector_a2", Role.INSPECTOR, city.a.district)
    services.inspection_create(unit=city.a.district, kind="planned", day=tomorrow_visit.day,
                                         title="明日例行督导", team=[], actor=inspector_a)
    first, second = tomorrow_visit.sites.order_by("position")
    detail = reverse("supervision:inspection_detail", args=[tomorrow_visit.pk])
    for outsider in (officer_a, colleague):
        client.force_login(outsider)
        index = _page(client, "index").content.decode()
        assert "明晚暗访东一社区" not in index and "明日例行督导" in index
        assert client.get(detail).status_code == 404
        assert _page(client, "site_fill", tomorrow_visit.pk, first.pk).status_code == 404
    for insider in (inspector_a, hq):
        client.force_login(insider)
        assert "明晚暗访东一社区" in _page(client, "index").content.decode()
        assert "东一社区集贸市场" in client.get(detail).content.decode()

    # On the day, once the team has inspected the first stop: that stop shows, the rest of the route does not.
    type(tomorrow_visit).objects.filter(pk=tomorrow_visit.pk).update(day=timezone.localdate())
    services.site_submit(site=first, answers=answers_failing(first), actor=inspector_a)
    client.force_login(officer_a)
    page = client.get(detail)
    assert page.status_code == 200
    text = page.content.decode()
    assert "东一社区北门卡口" in text and "东一社区集贸市场" not in text
    assert _page(client, "site_fill", tomorrow_visit.pk, second.pk).status_code == 404
    row = next(i for i in _page(client, "index").context["inspections"] if i.pk == tomorrow_visit.pk)
    assert row.site_count == 1

    # Once its day has passed, the whole route is on record.
    type(tomorrow_visit).objects.filter(pk=tomorrow_visit.pk).update(
        day=timezone.localdate() - datetime.timedelta(days=1))
    assert "东一社区集贸市场" in client.get(detail).content.decode()


def test_the_system_admin_edits_the_checklists(client, city, checklists):
    admin = make_user("admin", Role.ADMIN, city.city)
    client.force_login(admin)
    page = _page(client, "checklist_detail", "market")
    assert page.status_code == 200 and page.context["may_manage"]
    response = client.post(reverse("supervision:checklist_detail", args=["market"]),
                           {"text": "冷库温度记录", "severity": "ordinary"})
    assert response.status_code == 302
    item = ChecklistItem.objects.get(text="冷库温度记录", checklist__site_type="market")
    client.post(reverse("supervision:item_change", args=[item.pk]),
                {f"i{item.pk}-text": "冷库温度每日记录", f"i{item.pk}-severity": "serious"})
    item.refresh_from_db()
    assert (item.text, item.severity, item.active) == ("冷库温度每日记录", "serious", False)
