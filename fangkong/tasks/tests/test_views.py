from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.audit.models import AuditEntry
from fangkong.tasks import services
from fangkong.tasks.models import Task
from fangkong.tasks.tests.conftest import make_household

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_inbox_shows_own_cards_with_overdue_badge(as_user, grid_worker_a, visit_a, visit_b):
    Task.objects.filter(pk=visit_a.pk).update(due_at=timezone.now() - timedelta(minutes=5))

    response = as_user(grid_worker_a).get(reverse("tasks:inbox"))

    html = response.content.decode()
    assert response.status_code == 200
    assert visit_a.title in html and "东城1号楼 101" in html
    assert 'class="badge overdue"' in html
    assert visit_b.title not in html


def test_accept_from_the_inbox_with_htmx_swaps_the_card(as_user, grid_worker_a, visit_a):
    response = as_user(grid_worker_a).post(reverse("tasks:accept", args=[visit_a.pk]), {"from": "inbox"},
                                           HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert f'id="task-{visit_a.pk}"' in response.content.decode()
    assert 'data-status="accepted"' in response.content.decode()
    visit_a.refresh_from_db()
    assert visit_a.status == Task.Status.ACCEPTED


def test_household_visit_completed_through_the_page(as_user, grid_worker_a, visit_a, household_a):
    zhang, li = household_a.members.order_by("pk")
    client = as_user(grid_worker_a)
    page = client.get(reverse("tasks:task", args=[visit_a.pk])).content.decode()
    assert "张三" in page and "李四" in page and "visited_all_present" in page

    response = client.post(reverse("tasks:complete", args=[visit_a.pk]), {
        f"complete-present_{zhang.pk}": "on", "complete-outcome": "visited_some_absent",
        "complete-note": "李四上班",
    })

    assert response.status_code == 302
    visit_a.refresh_from_db()
    assert visit_a.status == Task.Status.DONE
    assert visit_a.outcome_data["members"] == [{"person_id": zhang.pk, "present": True},
                                               {"person_id": li.pk, "present": False}]
    detail = client.get(reverse("tasks:task", args=[visit_a.pk])).content.decode()
    assert 'data-status="done"' in detail and "李四上班" in detail


def test_completion_without_outcome_says_so_and_changes_nothing(as_user, grid_worker_a, visit_a):
    response = as_user(grid_worker_a).post(reverse("tasks:complete", args=[visit_a.pk]), {"complete-note": "x"})

    assert response.status_code == 422
    assert 'role="alert"' in response.content.decode()
    visit_a.refresh_from_db()
    assert visit_a.status == Task.Status.OPEN


def test_inconsistent_ticks_are_refused_with_the_members_name(as_user, grid_worker_a, visit_a, household_a):
    zhang, _li = household_a.members.order_by("pk")
    response = as_user(grid_worker_a).post(reverse("tasks:complete", args=[visit_a.pk]), {
        f"complete-present_{zhang.pk}": "on", "complete-outcome": "visited_all_present"})

    assert response.status_code == 422
    assert "李四" in response.content.decode()
    visit_a.refresh_from_db()
    assert visit_a.status == Task.Status.OPEN


def test_cancelled_task_page_offers_no_completion(as_user, officer_a, grid_worker_a, visit_a):
    services.task_cancel(task=visit_a, note="重复", actor=officer_a)

    page = as_user(grid_worker_a).get(reverse("tasks:task", args=[visit_a.pk])).content.decode()
    response = as_user(grid_worker_a).post(reverse("tasks:complete", args=[visit_a.pk]),
                                           {"complete-outcome": "nobody_home"})

    assert "complete-form" not in page
    assert response.status_code == 422
    visit_a.refresh_from_db()
    assert visit_a.status == Task.Status.CANCELLED


def test_outsider_gets_404_and_changes_nothing(as_user, officer_a, grid_worker_a, visit_b):
    for user in (officer_a, grid_worker_a):
        client = as_user(user)
        assert client.get(reverse("tasks:task", args=[visit_b.pk])).status_code == 404
        for name, data in [("accept", {}), ("complete", {"complete-outcome": "nobody_home"}),
                           ("cancel", {"cancel-note": "x"}), ("fail", {"fail-note": "x"}),
                           ("reassign", {"reassign-username": user.username})]:
            assert client.post(reverse(f"tasks:{name}", args=[visit_b.pk]), data).status_code == 404
    visit_b.refresh_from_db()
    assert visit_b.status == Task.Status.OPEN and visit_b.owner.username == "grid_b"
    assert AuditEntry.objects.filter(object_id=visit_b.pk, content_type__model="task").count() == 1


def test_backlog_counts_drill_down_and_scope(as_user, city, officer_a, visit_a, visit_b):
    Task.objects.filter(pk=visit_a.pk).update(due_at=timezone.now() - timedelta(hours=1))
    client = as_user(officer_a)

    top = client.get(reverse("tasks:backlog")).content.decode()
    drilled = client.get(reverse("tasks:backlog"), {"unit": city.a.grid.pk}).content.decode()
    filtered = client.get(reverse("tasks:backlog"), {"status": "done"}, HTTP_HX_REQUEST="true").content.decode()

    assert city.a.street.name in top and visit_a.title in top and 'class="overdue"' in top
    assert visit_b.title not in top and city.b.district.name not in top
    assert city.a.building.name in drilled and visit_a.title in drilled
    assert visit_a.title not in filtered and "<html" not in filtered
    assert client.get(reverse("tasks:backlog"), {"unit": city.b.grid.pk}).status_code == 404


def test_grid_worker_has_no_backlog(as_user, grid_worker_a):
    assert as_user(grid_worker_a).get(reverse("tasks:backlog")).status_code == 404


def test_timeliness_page(as_user, city, officer_a, grid_worker_a, visit_a):
    services.task_complete(task=visit_a, outcome="nobody_home", actor=grid_worker_a)
    client = as_user(officer_a)

    response = client.get(reverse("tasks:timeliness"), {"kind": "household_visit"})
    bad = client.get(reverse("tasks:timeliness"), {"since": "2026-01-10", "until": "2026-01-01"})

    assert response.status_code == 200 and city.a.street.name in response.content.decode()
    assert bad.status_code == 200 and 'class="errorlist' in bad.content.decode()
    assert client.get(reverse("tasks:timeliness"), {"unit": city.b.district.pk}).status_code == 404


def test_dispatch_a_building_from_the_page(as_user, city, officer_a, responsibilities, grid_worker_a):
    households = [make_household(city.a.building, str(n), f"住户{n}") for n in (501, 502, 503)]
    client = as_user(officer_a)
    url = reverse("tasks:dispatch")

    chooser = client.get(url, {"unit": city.a.grid.pk}).content.decode()
    form = client.get(url, {"unit": city.a.building.pk}).content.decode()
    response = client.post(url, {"unit": city.a.building.pk, "households": [str(h.pk) for h in households[:2]],
                                 "due_at": "2030-01-02T09:00", "detail": "逐户核查"})
    again = client.post(url, {"unit": city.a.building.pk, "households": [str(h.pk) for h in households[:2]],
                              "due_at": "2030-01-02T09:00"})

    assert city.a.building.name in chooser and "503" in form
    assert response.status_code == 302 and again.status_code == 302
    tasks = Task.objects.filter(kind="household_visit")
    assert tasks.count() == 2
    assert {t.owner for t in tasks} == {grid_worker_a}
    assert all(t.detail == "逐户核查" for t in tasks)


def test_dispatch_needs_households_and_stays_in_scope(as_user, city, officer_a, officer_b, household_a,
                                                      grid_worker_a):
    response = as_user(officer_a).post(reverse("tasks:dispatch"), {"unit": city.a.building.pk})
    assert response.status_code == 422 and 'role="alert"' in response.content.decode()
    outsider = as_user(officer_b).post(reverse("tasks:dispatch"),
                                       {"unit": city.a.building.pk, "households": [str(household_a.pk)]})
    assert outsider.status_code == 404
    assert as_user(grid_worker_a).get(reverse("tasks:dispatch")).status_code == 404
    assert not Task.objects.exists()


def test_inbox_loads_more_cards_with_htmx(as_user, city, responsibilities, grid_worker_a):
    now = timezone.now()
    specs = [services.TaskSpec(unit=city.a.grid, title=f"任务{i:02d}", due_at=now + timedelta(minutes=i))
             for i in range(32)]
    services.task_create_many(kind="follow_up", specs=specs)
    client = as_user(grid_worker_a)

    first = client.get(reverse("tasks:inbox")).content.decode()
    last_on_first = Task.objects.get(title="任务29").pk
    more = client.get(reverse("tasks:inbox"), {"after": last_on_first}, HTTP_HX_REQUEST="true").content.decode()

    assert "任务29" in first and "任务30" not in first and f"after={last_on_first}" in first
    assert "任务30" in more and "任务31" in more and "任务29" not in more and "<html" not in more
