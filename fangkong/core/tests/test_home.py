"""The home page: figures for the command roles, an inbox pointer for the field."""

import re

import pytest
from django.urls import reverse

from fangkong.command.snapshot import snapshot_take
from fangkong.people.models import ManagementStatus

pytestmark = pytest.mark.django_db


def figure(response, name: str) -> int:
    match = re.search(rf'data-figure="{re.escape(name)}">([\d,]+)<', response.content.decode())
    assert match, f"figure {name} not on the page"
    return int(match.group(1).replace(",", ""))


def cell(response, unit, metric: str) -> str:
    row = re.search(rf'<tr data-unit="{unit.pk}">(.*?)</tr>', response.content.decode(), re.S).group(1)
    return re.search(rf'<td data-metric="{re.escape(metric)}">([^<]*)</td>', row).group(1)


@pytest.fixture
def counted(populated):
    snapshot_take()
    return populated


def test_hq_home_is_the_situation_of_the_city_with_one_row_per_district(client, counted, hq):
    client.force_login(hq)

    response = client.get(reverse("core:home"), follow=True)

    assert response.redirect_chain == [(reverse("command:dashboard"), 302)]
    assert figure(response, "people.persons") == 4
    assert figure(response, "people.households") == 3
    # 西城网格1 and the new 东城网格2 have nobody; 东城网格1 has 张网格.
    assert figure(response, "territory.grids_unstaffed") == 2
    assert figure(response, "tasks.overdue") == 2
    assert figure(response, f"people.status.{ManagementStatus.CENTRAL_ISOLATION}") == 1
    assert (cell(response, counted.a.district, "people.persons"), cell(response, counted.a.district, "tasks.overdue"),
            cell(response, counted.a.district, "territory.grids_unstaffed")) == ("3", "1", "1")
    assert cell(response, counted.b.district, "people.status.central_isolation") == "1"


def test_officer_sees_only_own_district(client, counted, officer_a):
    client.force_login(officer_a)

    response = client.get(reverse("core:home"), follow=True)

    assert figure(response, "people.persons") == 3
    assert figure(response, "tasks.overdue") == 1
    assert f'data-unit="{counted.a.street.pk}"' in response.content.decode()
    assert "西城" not in response.content.decode()


def test_drill_down_into_a_child(client, counted, hq):
    client.force_login(hq)

    response = client.get(reverse("core:home_unit", kwargs={"unit_id": counted.a.community.pk}), follow=True)

    assert response.status_code == 200
    assert figure(response, "people.persons") == 3
    html = response.content.decode()
    assert html.index("东城网格1") < html.index("东城网格2")
    assert [u.name for u in response.context["breadcrumb"]] == ["城关市", "东城区", "东城街道"]


def test_drill_down_outside_scope_is_404(client, counted, officer_a):
    client.force_login(officer_a)

    response = client.get(reverse("core:home_unit", kwargs={"unit_id": counted.b.grid.pk}))

    assert response.status_code == 404
    assert "西城" not in response.content.decode()


def test_a_commander_without_a_node_is_told_so(client, city):
    from conftest import make_user
    from fangkong.accounts.roles import Role

    client.force_login(make_user("nobody", Role.OFFICER, None))
    response = client.get(reverse("core:home"))
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()


def test_grid_worker_gets_their_inbox_counts(client, populated, grid_worker_a):
    client.force_login(grid_worker_a)

    response = client.get(reverse("core:home"))

    assert response.status_code == 200
    assert figure(response, "open_tasks") == 2
    assert figure(response, "overdue_tasks") == 1
    assert reverse("tasks:inbox") in response.content.decode()
    assert "summary" in response.context and not hasattr(response.context["summary"], "rows")


def test_field_roles_cannot_drill_down(client, populated, grid_worker_a):
    client.force_login(grid_worker_a)

    assert client.get(reverse("core:home_unit", kwargs={"unit_id": populated.a.grid.pk})).status_code == 403


def test_anonymous_is_sent_to_login(client, city):
    response = client.get(reverse("core:home"))

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
