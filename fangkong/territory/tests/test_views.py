"""The territory pages: tree, node, responsibilities, search, coverage, import and export."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fangkong.territory.models import Level, Responsibility, Unit
from fangkong.territory.services import unit_create

pytestmark = pytest.mark.django_db
Role = Responsibility.Role


def _unit_url(unit):
    return reverse("territory:unit", kwargs={"unit_id": unit.pk})


def test_tree_starts_at_the_users_scope_node(city, officer_a, client_for):
    response = client_for(officer_a).get(reverse("territory:tree"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "东城区" in page and "东城街道" in page
    assert "城关市" not in page.split("<main")[1]  # the city is above the officer's scope
    assert "西城" not in page


def test_unit_page_shows_breadcrumb_children_counts_and_responsibilities(city, hq, households, client_for,
                                                                         django_assert_max_num_queries):
    Responsibility.objects.create(unit=city.a.community, role=Role.LIAISON_CADRE, name="包联干部甲",
                                  phone="13800138000")
    client = client_for(hq)
    client.get(_unit_url(city.a.street))  # warm the session and the user
    with django_assert_max_num_queries(12):
        response = client.get(_unit_url(city.a.street))
    page = response.content.decode()
    for ancestor in ("城关市", "东城区"):
        assert ancestor in page
    # one child (the community) with 2 sub-nodes, 2 households and 3 persons below it
    row = page.split("东城一社区</a>")[1].split("</tr>")[0]
    assert [cell.split("</td>")[0].strip() for cell in row.split('<td class="num">')[1:]] == ["2", "2", "3"]

    page = client.get(_unit_url(city.a.community)).content.decode()
    assert "包联干部甲" in page and "138****8000" in page and "13800138000" not in page


def test_children_counts_do_not_grow_with_the_number_of_children(city, hq, client_for):
    client = client_for(hq)
    client.get(_unit_url(city.a.grid))
    with CaptureQueriesContext(connection) as one_child:
        client.get(_unit_url(city.a.grid))
    for i in range(2, 20):
        unit_create(parent=city.a.grid, level=Level.BUILDING, name=f"{i}号楼", code=f"A-B{i}")
    with CaptureQueriesContext(connection) as many_children:
        client.get(_unit_url(city.a.grid))
    assert len(many_children) == len(one_child)


def test_outsider_gets_404_on_every_page_of_another_district(city, officer_a, client_for):
    client = client_for(officer_a)
    theirs = Responsibility.objects.create(unit=city.b.grid, role=Role.GRID_WORKER, name="西城网格员")
    assert client.get(_unit_url(city.b.street)).status_code == 404
    assert client.get(_unit_url(city.city)).status_code == 404
    response = client.post(reverse("territory:responsibility_add", kwargs={"unit_id": city.b.grid.pk}),
                           {"role": Role.GRID_WORKER, "name": "越权"})
    assert response.status_code == 404
    response = client.post(reverse("territory:responsibility_remove",
                                   kwargs={"unit_id": city.b.grid.pk, "responsibility_id": theirs.pk}))
    assert response.status_code == 404
    # A responsibility of B reached through a unit of A is not found either.
    response = client.post(reverse("territory:responsibility_remove",
                                   kwargs={"unit_id": city.a.grid.pk, "responsibility_id": theirs.pk}))
    assert response.status_code == 404
    assert list(Responsibility.objects.values_list("name", flat=True)) == ["西城网格员"]


def test_add_and_remove_responsibility_through_htmx(city, officer_a, grid_worker_a, client_for):
    client = client_for(officer_a)
    url = reverse("territory:responsibility_add", kwargs={"unit_id": city.a.grid.pk})
    response = client.post(url, {"role": Role.GRID_WORKER, "name": "", "phone": "13912345678", "user": "grid_a"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="responsibilities"' in page and "<html" not in page and "grid_a" in page
    responsibility = Responsibility.objects.get(unit=city.a.grid)
    assert responsibility.user == grid_worker_a

    remove = reverse("territory:responsibility_remove",
                     kwargs={"unit_id": city.a.grid.pk, "responsibility_id": responsibility.pk})
    response = client.post(remove, headers={"HX-Request": "true"})
    assert response.status_code == 200 and not Responsibility.objects.exists()


def test_add_responsibility_with_bad_input_shows_the_field_error(city, officer_a, client_for):
    client = client_for(officer_a)
    url = reverse("territory:responsibility_add", kwargs={"unit_id": city.a.grid.pk})
    response = client.post(url, {"role": Role.GRID_WORKER, "name": "王", "phone": "123"})
    assert response.status_code == 422
    assert "11-digit" in response.content.decode()
    response = client.post(url, {"role": Role.GRID_WORKER, "name": "", "user": "grid_b"},
                           headers={"HX-Request": "true"})
    assert "No active account" in response.content.decode()
    assert not Responsibility.objects.exists()


def test_grid_worker_sees_no_add_form_and_cannot_post(city, grid_worker_a, client_for):
    client = client_for(grid_worker_a)
    page = client.get(_unit_url(city.a.grid)).content.decode()
    assert "东城1号楼" in page and 'name="role"' not in page
    url = reverse("territory:responsibility_add", kwargs={"unit_id": city.a.grid.pk})
    assert client.post(url, {"role": Role.GRID_WORKER, "name": "我"}).status_code == 404
    assert not Responsibility.objects.exists()


def test_search_by_name_or_code_stays_in_scope(city, officer_a, client_for):
    client = client_for(officer_a)
    page = client.get(reverse("territory:search"), {"q": "网格"}).content.decode()
    assert "东城网格1" in page and "西城网格1" not in page
    response = client.get(reverse("territory:search"), {"q": "630801001"})
    assert response.status_code == 302 and response.url == _unit_url(city.a.street)
    page = client.get(reverse("territory:search"), {"q": "630802001"}).content.decode()
    assert "西城" not in page.split("<main")[1]


def test_coverage_page(city, officer_a, client_for):
    Responsibility.objects.create(unit=city.b.grid, role=Role.GRID_WORKER, name="西城网格员")
    page = client_for(officer_a).get(reverse("territory:coverage")).content.decode()
    assert "东城网格1" in page and "西城" not in page.split("<main")[1]
    assert "0%" in page


def test_import_page_reports_rejected_lines_and_writes_nothing(city, officer_a, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    count = Unit.objects.count()
    bad = SimpleUploadedFile("tree.csv", "code,parent_code,level,name\nS1,630801,3,好\nS2,630802,3,外区\n"
                             "S3,630801,9,坏级别\n".encode())
    response = client_for(officer_a).post(reverse("territory:import"), {"file": bad})
    assert response.status_code == 422
    page = response.content.decode()
    assert "<td class=\"num\">3</td>" in page and "<td class=\"num\">4</td>" in page
    assert Unit.objects.count() == count

    good = SimpleUploadedFile("tree.csv", "code,parent_code,level,name\nS1,,3,新街道\n".encode())
    response = client_for(officer_a).post(reverse("territory:import"), {"file": good}, follow=True)
    assert "1" in response.content.decode() and Unit.objects.get(code="S1").parent == city.a.district


def test_import_and_export_are_for_office_roles_only(city, grid_worker_a, client_for):
    client = client_for(grid_worker_a)
    assert client.get(reverse("territory:import")).status_code == 404
    assert client.get(reverse("territory:export")).status_code == 404


def test_export_streams_the_visible_subtree(city, officer_a, client_for):
    response = client_for(officer_a).get(reverse("territory:export"))
    assert response.status_code == 200 and response.streaming
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = body.splitlines()
    assert lines[0] == "code,parent_code,level,name,geometry"
    assert lines[1] == "630801,630800,2,东城区,"
    assert len(lines) == 6 and "西城" not in body


def test_an_officer_sets_the_streets_hotline_and_a_bad_number_is_refused(client, city, officer_a, officer_b):
    client.force_login(officer_a)
    url = f"/territory/{city.a.street.pk}/hotline/"
    response = client.post(url, {"hotline": "0979-8123456"})
    assert response.status_code == 302
    city.a.street.refresh_from_db()
    assert city.a.street.hotline == "0979-8123456"
    assert "0979-8123456" in client.get(f"/territory/{city.a.street.pk}/").content.decode()

    refused = client.post(url, {"hotline": "请拨打热线"})
    assert refused.status_code == 422 and "digits" in refused.content.decode()
    city.a.street.refresh_from_db()
    assert city.a.street.hotline == "0979-8123456"

    client.force_login(officer_b)
    assert client.post(url, {"hotline": "12345"}).status_code == 404
