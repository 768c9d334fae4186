"""The nightly review meeting pack (复盘会): what went wrong today, editing in the meeting, yesterday's fixes."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from conftest import make_user
from fangkong.accounts.roles import Role
from fangkong.arrivals.models import Arrival
from fangkong.audit.models import AuditEntry
from fangkong.command.models import ReviewItem
from fangkong.command.review import collect, services
from fangkong.command.review.jobs import generate_review_pack
from fangkong.people.tests.conftest import make_id
from fangkong.tasks.models import Task
from fangkong.tasks.tests.conftest import make_person
from fangkong.territory.models import Responsibility
from fangkong.tracing.models import Case

pytestmark = pytest.mark.django_db

H = datetime.timedelta(hours=1)


@pytest.fixture
def now():
    """20:00 tonight, when the nightly pack is made."""
    return timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(20, 0)))


@pytest.fixture
def tracer_a(city):
    return make_user("tracer_a", Role.TRACER, city.a.district, display_name="李流调")


@pytest.fixture
def grids(city, grid_worker_a, grid_worker_b):
    Responsibility.objects.create(unit=city.a.grid, role=Responsibility.Role.GRID_WORKER, user=grid_worker_a,
                                  name="王网格")
    Responsibility.objects.create(unit=city.b.grid, role=Responsibility.Role.GRID_WORKER, user=grid_worker_b,
                                  name="赵网格")


def overdue_task(unit, owner, due_at, kind="follow_up", **extra) -> Task:
    return Task.objects.create(kind=kind, title="回访", unit=unit, owner=owner, due_at=due_at, **extra)


_seq = iter(range(100, 999))


def person(unit):
    return make_person(f"居民{next(_seq)}", make_id("630801", "19800101", f"{next(_seq):03d}"), unit=unit)


def case(unit, reported_at, *, tracer=None, under_control=False, number=None) -> Case:
    n = next(_seq)
    return Case.objects.create(number=number or f"C{n}", person=person(unit), unit=unit,
                               first_positive_at=reported_at - 2 * H, source="testing_round", tracer=tracer,
                               window_start=reported_at - 96 * H, window_end=reported_at, reported_at=reported_at,
                               under_control=under_control)


def arrival(destination, task) -> Arrival:
    return Arrival.objects.create(name="旅客", origin_name="西平县", left_origin_on=timezone.localdate(),
                                  arrived_on=timezone.localdate(), destination=destination, first_contact_task=task)


def items(**filters):
    return list(ReviewItem.objects.filter(**filters).order_by("kind", "pk"))


def audits(item) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(content_type__model="reviewitem", object_id=item.pk).order_by("pk"))


# --- collection ---------------------------------------------------------------------------------------------------


def test_collection_finds_each_kind_with_its_owner_and_node(city, hq, grids, grid_worker_a, tracer_a, now):
    # given: district A's day
    for hours in (3, 5, 30):
        overdue_task(city.a.grid, grid_worker_a, now - hours * H)
    overdue_task(city.a.grid, grid_worker_a, now + 5 * H)  # not due yet
    waiting = arrival(city.a.grid, overdue_task(city.a.grid, grid_worker_a, now - 4 * H, kind="first_contact"))
    late = case(city.a.building, now - 30 * H, tracer=tracer_a, number="C0001")
    outside = case(city.a.building, now - 1 * H, number="C0002")
    case(city.a.building, now - 2 * H, under_control=True, number="C0003")

    # when
    result = services.review_pack_generate(node=city.city, actor=hq, now=now)

    # then: one item per problem, each with an owner, a node and a proposed fix due tomorrow
    by_kind = {}
    for item in items(day=now.date()):
        by_kind.setdefault(item.kind, []).append(item)
    assert result.added == 4
    (tasks,) = by_kind["overdue_task"]
    assert tasks.owner == grid_worker_a and tasks.unit == city.a.grid and "3" in tasks.title
    (contact,) = by_kind["late_first_contact"]
    assert contact.owner == grid_worker_a and contact.unit == waiting.destination
    (tracing,) = by_kind["late_tracing"]
    assert tracing.owner == tracer_a and "C0001" in tracing.title and tracing.source_key == f"late_tracing:{late.pk}"
    (found,) = by_kind["outside_control"]
    # no tracer on the case: the grid's worker owns it
    assert found.owner == grid_worker_a and "C0002" in found.title and found.source_key.endswith(str(outside.pk))
    for item in tasks, contact, tracing, found:
        assert item.fix and item.fix_due == now.date() + datetime.timedelta(days=1)
        assert item.status == "open"


def test_overdue_tasks_are_one_aggregate_query_and_capped(city, hq, now, monkeypatch, django_assert_max_num_queries):
    monkeypatch.setattr(collect, "MAX_PER_KIND", 2)
    workers = [make_user(f"grid{n}", Role.GRID_WORKER, city.a.grid) for n in range(3)]
    for n, worker in enumerate(workers):
        for _ in range(n + 1):
            overdue_task(city.a.grid, worker, now - (10 - n) * H)
    with django_assert_max_num_queries(3):  # the GROUP BY, the owners, nothing per task
        problems = collect.overdue_tasks(node=city.city, day=now.date(), now=now)
    assert [p.owner_id for p in problems] == [workers[0].pk, workers[1].pk, None]
    assert "1 more" in problems[-1].title and "3 overdue tasks" in problems[-1].title


def test_a_registered_collector_adds_its_problems_and_a_failing_one_spoils_nothing(city, hq, now, monkeypatch):
    registry = dict(collect._COLLECTORS)
    monkeypatch.setattr(collect, "_COLLECTORS", registry)

    def findings(*, node, day, now):
        return [collect.Problem(kind=ReviewItem.Kind.FINDING, source_key="finding:7", unit_id=city.a.street.pk,
                                title="东街道: 扫码登记未落实", fix="限期整改")]

    def broken(**kwargs):
        raise RuntimeError("supervision is down")

    collect.register_review_collector("supervision", findings)
    collect.register_review_collector("zz.broken", broken)
    services.review_pack_generate(node=city.city, actor=hq, now=now)
    (item,) = items(kind="finding")
    assert item.unit == city.a.street and item.fix == "限期整改"


# --- idempotence ------------------------------------------------------------------------------------------------------


def test_generating_twice_adds_nothing_and_keeps_the_meetings_edits(city, officer_a, grid_worker_a, now):
    overdue_task(city.a.grid, grid_worker_a, now - 3 * H)
    first = services.review_pack_generate(node=city.a.district, actor=officer_a, now=now)
    (item,) = items()
    services.review_item_update(item=item, actor=officer_a, fix="明早8点前全部回访", owner=officer_a, now=now)
    overdue_task(city.a.grid, grid_worker_a, now - 2 * H)  # one more since

    second = services.review_pack_generate(node=city.a.district, actor=officer_a, now=now)

    assert (first.added, second.added, second.refreshed) == (1, 0, 1)
    (again,) = items()
    assert again.pk == item.pk and again.fix == "明早8点前全部回访" and again.owner == officer_a
    assert "2 follow-up tasks" in again.title.lower()
    # the city's nightly run finds the same problem: still one item
    assert generate_review_pack(now=now) == 0 and len(items()) == 1


# --- scope ------------------------------------------------------------------------------------------------------------


@pytest.fixture
def both_districts(city, grid_worker_a, grid_worker_b, hq, now):
    overdue_task(city.a.grid, grid_worker_a, now - 3 * H)
    overdue_task(city.b.grid, grid_worker_b, now - 3 * H)
    services.review_pack_generate(node=city.city, actor=hq, now=now)
    return ReviewItem.objects.get(owner=grid_worker_a), ReviewItem.objects.get(owner=grid_worker_b)


def test_an_officer_sees_and_edits_only_their_districts_items(client, both_districts, officer_a, now):
    item_a, item_b = both_districts
    client.force_login(officer_a)

    page = client.get("/command/review/", {"day": now.date().isoformat()})

    assert page.status_code == 200
    html = page.content.decode()
    assert f'id="review-item-{item_a.pk}"' in html and f'id="review-item-{item_b.pk}"' not in html
    # B's item: as if it did not exist, and nothing changes
    response = client.post(f"/command/review/{item_b.pk}/", {"fix": "改掉", "status": "open"})
    assert response.status_code == 404
    item_b.refresh_from_db()
    assert item_b.fix != "改掉"
    # and B's node is not A's to look at
    assert client.get("/command/review/", {"unit": item_b.unit_id}).status_code == 404


def test_an_officer_generates_only_their_own_district(city, officer_a, grid_worker_a, grid_worker_b, now):
    overdue_task(city.a.grid, grid_worker_a, now - 3 * H)
    overdue_task(city.b.grid, grid_worker_b, now - 3 * H)
    services.review_pack_generate(node=city.a.district, actor=officer_a, now=now)
    assert [i.owner for i in items()] == [grid_worker_a]
    with pytest.raises(PermissionDenied):
        services.review_pack_generate(node=city.b.district, actor=officer_a, now=now)


def test_field_roles_have_no_review_pack(client, grid_worker_a, both_districts):
    client.force_login(grid_worker_a)
    assert client.get("/command/review/").status_code == 404
    assert client.post("/command/review/generate/").status_code == 404
    assert client.post(f"/command/review/{both_districts[0].pk}/", {"fix": "x"}).status_code == 404


# --- editing in the meeting ----------------------------------------------------------------------------------------


def test_the_meeting_edits_an_item_inline_and_every_change_is_audited(client, both_districts, officer_a, city):
    item, _b = both_districts
    street_officer = make_user("street_a", Role.OFFICER, city.a.street)
    client.force_login(officer_a)
    due = timezone.localdate() + datetime.timedelta(days=2)

    response = client.post(f"/command/review/{item.pk}/", {"owner": "street_a", "fix": "街道督办", "fix_due": due},
                           HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert f'id="review-item-{item.pk}"' in response.content.decode() and "街道督办" in response.content.decode()
    item.refresh_from_db()
    assert (item.owner, item.fix, item.fix_due, item.status) == (street_officer, "街道督办", due, "open")
    entry = audits(item)[-1]
    assert entry.action == "review_edit" and entry.actor == officer_a
    assert entry.changes["owner"] == ["grid_a", "street_a"] and entry.changes["fix"][1] == "街道督办"

    client.post(f"/command/review/{item.pk}/", {"status": "fixed", "outcome": "已全部回访"})
    item.refresh_from_db()
    assert item.status == "fixed" and item.resolved_by == officer_a and item.resolved_at is not None
    assert item.fix == "街道督办"  # fields not sent are left alone


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"fix_due": "2020-01-01"}, "fix_due", "in the past"),
    ({"owner": "grid_b"}, "owner", "does not work in or above"),
    ({"owner": "nobody"}, "owner", "No active user"),
    ({"status": "done"}, "status", "not one of the available choices"),
    ({"status": "fixed", "outcome": "  "}, "outcome", "Say what was done"),
    ({"status": "dropped"}, "outcome", "Say why"),
])
def test_bad_input_is_refused_with_a_clear_message_and_nothing_written(client, both_districts, officer_a, data, field,
                                                                        message):
    item, _b = both_districts
    before = ReviewItem.objects.filter(pk=item.pk).values().get()
    audit_count = AuditEntry.objects.count()
    client.force_login(officer_a)

    response = client.post(f"/command/review/{item.pk}/", {"fix": "新的办法", **data})

    assert response.status_code == 422
    html = response.content.decode()
    assert f'id="error-{item.pk}-{field}"' in html and message in html
    assert ReviewItem.objects.filter(pk=item.pk).values().get() == before
    assert AuditEntry.objects.count() == audit_count


def test_an_owner_above_the_node_is_accepted_a_neighbour_is_not(both_districts, officer_a, hq, officer_b):
    item, _b = both_districts
    services.review_item_update(item=item, actor=officer_a, owner=hq)
    with pytest.raises(ValidationError) as refused:
        services.review_item_update(item=item, actor=officer_a, owner=officer_b)
    assert "owner" in refused.value.error_dict
    item.refresh_from_db()
    assert item.owner == hq


def test_a_problem_added_by_hand(client, officer_a, city):
    client.force_login(officer_a)
    response = client.post("/command/review/add/", {"title": "东街道卡口夜间无人值守", "kind": "other",
                                                    "owner": "officer_a", "fix": "增派两人", "unit": city.a.street.pk})
    assert response.status_code == 302
    (item,) = items()
    assert item.unit == city.a.street and item.owner == officer_a and item.source_key == ""
    assert audits(item)[0].action == "create"

    refused = client.post("/command/review/add/", {"title": "", "kind": "other"})
    assert refused.status_code == 422 and len(items()) == 1
    assert client.post("/command/review/add/", {"title": "x", "kind": "other",
                                                "unit": city.b.street.pk}).status_code == 404


def test_generate_from_the_page_collects_the_users_node(client, city, officer_a, grid_worker_a, grid_worker_b):
    overdue_task(city.a.grid, grid_worker_a, timezone.now() - 30 * H)
    overdue_task(city.b.grid, grid_worker_b, timezone.now() - 30 * H)
    client.force_login(officer_a)
    response = client.post("/command/review/generate/", follow=True)
    assert response.status_code == 200
    assert [i.owner for i in items()] == [grid_worker_a]
    assert "1 new problem added" in response.content.decode()


# --- yesterday's fixes ----------------------------------------------------------------------------------------------


def test_yesterdays_fixes_are_shown_with_their_status(client, city, officer_a, grid_worker_a):
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)

    def item(day, title, **extra):
        return ReviewItem.objects.create(day=day, unit=city.a.grid, kind="other", title=title, **extra)

    fixed = item(yesterday, "昨天修好的", status="fixed", outcome="已整改", resolved_by=officer_a,
                 resolved_at=timezone.now() - 2 * H, fix_due=today)
    late = item(yesterday, "过期未改的", fix_due=yesterday, owner=grid_worker_a)
    older = item(today - datetime.timedelta(days=5), "五天前仍未改的", fix_due=today)
    closed_long_ago = item(today - datetime.timedelta(days=5), "早已关闭的", status="dropped", outcome="不再适用",
                           resolved_at=timezone.now() - 96 * H)
    tonight = item(today, "今晚的问题")
    client.force_login(officer_a)

    html = client.get("/command/review/").content.decode()

    carried = html[html.index('id="review-carried"'):]
    assert f'id="review-item-{fixed.pk}" data-kind="other" data-state="fixed"' in carried
    assert "已整改" in carried and "officer_a" in carried
    assert f'id="review-item-{late.pk}" data-kind="other" data-state="overdue"' in carried
    assert f'id="review-item-{older.pk}" data-kind="other" data-state="open"' in carried
    assert f'id="review-item-{closed_long_ago.pk}"' not in html
    tonight_part = html[html.index('id="review-tonight"'):html.index('id="review-carried"')]
    assert f'id="review-item-{tonight.pk}"' in tonight_part
    # the pack of a past night is there too
    past = client.get("/command/review/", {"day": yesterday.isoformat()}).content.decode()
    assert f'id="review-item-{late.pk}"' in past[:past.index('id="review-carried"')]
    assert client.get("/command/review/", {"day": "yesterday"}).status_code == 200


def test_the_page_reads_in_a_few_queries_however_many_items(client, city, hq, officer_a,
                                                            django_assert_max_num_queries):
    for n in range(30):
        ReviewItem.objects.create(day=timezone.localdate(), unit=city.a.grid, kind="other", title=f"问题{n}",
                                  owner=officer_a, resolved_by=hq if n % 2 else None)
    client.force_login(hq)
    with django_assert_max_num_queries(12):
        response = client.get("/command/review/")
    assert response.content.decode().count('class="review-item ') == 30


# --- the nightly job ------------------------------------------------------------------------------------------------


def test_the_nightly_job_makes_the_citys_pack_once(city, grid_worker_a, grid_worker_b, tracer_a, now):
    from fangkong.command import jobs

    overdue_task(city.a.grid, grid_worker_a, now - 3 * H)
    overdue_task(city.b.grid, grid_worker_b, now - 3 * H)
    case(city.b.building, now - 1 * H, tracer=tracer_a)

    assert generate_review_pack(now=now) == 3
    assert {i.unit.path.startswith(city.b.district.path) for i in items()} == {True, False}
    assert all(i.created_by is None for i in items())
    assert generate_review_pack(now=now) == 0 and len(items()) == 3
    # as the scheduler calls it: no arguments
    assert isinstance(jobs.generate_review_pack(), int)
