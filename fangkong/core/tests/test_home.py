"""The home page: figures for the command roles, an inbox pointer for the field."""

import re

import pytest
from django.urls import reverse

from fangkong.core.selectors import command_summary
from fangkong.people.models import ManagementStatus

pytestmark = pytest.mark.django_db


def figure(response, name: str) -> int:
    match = re.search(rf'data-figure="{name}">(\d+)<', response.content.decode())
    assert match, f"figure {name} not on the page"
    return int(match.group(1))


def test_hq_sees_city_totals_and_one_row_per_district(client, populated, hq):
    client.force_login(hq)

    response = client.get(reverse("core:home"))

    assert response.status_code == 200
    assert figure(response, "persons") == 4
    assert figure(response, "households") == 3
    # 西城网格1 and the new 东城网格2 have nobody; 东城网格1 has 张网格.
    assert figure(response, "grids_without_worker") == 2
    assert figure(response, "open_tasks") == 3
    assert figure(response, "overdue_tasks") == 2
    rows = {row.unit.name: row.figures for row in response.context["summary"].rows}
    assert list(rows) == ["东城区", "西城区"]
    assert (rows["东城区"].persons, rows["东城区"].households, rows["东城区"].open_tasks,
            rows["东城区"].overdue_tasks, rows["东城区"].grids_without_worker) == (3, 2, 2, 1, 1)
    assert rows["西城区"].persons_by_status == {ManagementStatus.CENTRAL_ISOLATION: 1}


def test_officer_sees_only_own_district(client, populated, officer_a):
    client.force_login(officer_a)

    response = client.get(reverse("core:home"))

    assert figure(response, "persons") == 3
    assert figure(response, "overdue_tasks") == 1
    assert [row.unit.name for row in response.context["summary"].rows] == ["东城街道"]
    assert "西城" not in response.content.decode()


def test_each_figure_is_one_query_however_many_children(populated, hq, django_assert_max_num_queries):
    # persons, households, grids, tasks, children
    with django_assert_max_num_queries(5):
        summary = command_summary(user=hq, root=populated.city)
    assert summary.totals.persons_by_status == {
        ManagementStatus.NORMAL: 2, ManagementStatus.HOME_ISOLATION: 1, ManagementStatus.CENTRAL_ISOLATION: 1,
    }


def test_rows_on_the_root_itself_are_shown_apart(populated, officer_a):
    from fangkong.core.tests.conftest import add_task

    add_task(populated.a.district, overdue=True)

    summary = command_summary(user=officer_a, root=populated.a.district)

    assert summary.totals.overdue_tasks == 2
    assert [(row.unit.name if row.unit else None, row.figures.overdue_tasks) for row in summary.rows] == [
        ("东城街道", 1), (None, 1),
    ]


def test_drill_down_into_a_child(client, populated, hq):
    client.force_login(hq)

    response = client.get(reverse("core:home_unit", kwargs={"unit_id": populated.a.community.pk}))

    assert response.status_code == 200
    assert figure(response, "persons") == 3
    assert [row.unit.name for row in response.context["summary"].rows] == ["东城网格1", "东城网格2"]
    assert [u.name for u in response.context["ancestors"]] == ["城关市", "东城区", "东城街道"]


def test_drill_down_outside_scope_is_404(client, populated, officer_a):
    client.force_login(officer_a)

    response = client.get(reverse("core:home_unit", kwargs={"unit_id": populated.b.grid.pk}))

    assert response.status_code == 404
    assert "西城" not in response.content.decode()


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
