"""The dashboard's alerts come from the snapshot: the page asks no provider, its query count does not grow with the
data, and each node shows its own alerts as the viewer's role would see them."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import make_user
from fangkong.accounts.roles import CAPABILITIES, Role
from fangkong.command.models import NodeFigures
from fangkong.command.snapshot import snapshot_take
from fangkong.core import alerts as core_alerts
from fangkong.people.services import household_create, person_create
from fangkong.people.tests.conftest import make_id
from fangkong.tasks.services import task_create
from fangkong.territory.models import Level
from fangkong.tracing import services as tracing
from fangkong.tracing.tests.conftest import case_a, grid_a, people_a, reported_at, tracer_a

__all__ = ["case_a", "grid_a", "people_a", "reported_at", "tracer_a"]

# Tables only the alert providers read: a dashboard request touching one of them is counting on page view.
PROVIDER_TABLES = ("tracing_case", "tracing_contact", "testing_recall", "isolation_room", "isolation_stay",
                   "supplies_", "units_clinic", "units_feverreport", "tasks_task")


@pytest.fixture(autouse=True)
def _raise(settings):
    settings.COMMAND_RAISE_COLLECTOR_ERRORS = True


def _late_case(person, tracer=None, hours_ago: int = 30):
    """A case reported `hours_ago` hours ago that nobody has contacted: its tracing is past every deadline."""
    at = timezone.now() - datetime.timedelta(hours=hours_ago)
    return tracing.case_open(person=person, first_positive_at=at - datetime.timedelta(hours=1), reported_at=at,
                             source="testing_round", actor=None, tracer=tracer, classification="confirmed")


def _residents(unit, n: int, start: int):
    household = household_create(unit=unit, number=f"{start}", address=f"{unit.name}{start}", actor=None)
    return [person_create(name=f"居民{start + i}", id_number=make_id("110101", "19800101", f"{start + i:03d}"),
                          household=household, actor=None) for i in range(n)]


def _page(client, unit=None):
    url = reverse("command:dashboard_unit", kwargs={"unit_id": unit.pk}) if unit else reverse("command:dashboard")
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _measure(client, city) -> dict[str, int]:
    urls = {"page": reverse("command:dashboard_unit", kwargs={"unit_id": city.a.district.pk}),
            "data": reverse("command:dashboard_data", kwargs={"unit_id": city.a.district.pk}),
            "map": reverse("command:map_data", kwargs={"unit_id": city.a.district.pk})}
    counts = {}
    for name, url in urls.items():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        touched = [q["sql"] for q in queries.captured_queries if any(t in q["sql"] for t in PROVIDER_TABLES)]
        assert touched == [], f"{name} counted on page view: {touched}"
        counts[name] = len(queries)
    return counts


def test_the_dashboard_asks_no_provider_and_its_queries_do_not_grow_with_the_data(client, hq, city, case_a,
                                                                                  tracer_a, grid_worker_a):
    snapshot_take()
    client.force_login(hq)
    _page(client, city.a.district)  # the session and the first-request caches
    small = _measure(client, city)

    for n, person in enumerate(_residents(city.a.building, 6, 100) + _residents(city.b.building, 6, 200)):
        _late_case(person, hours_ago=30 + n)
        task_create(kind="follow_up", title=f"回访{n}", unit=city.a.grid, owner=grid_worker_a, actor=None,
                    due_at=timezone.now() - datetime.timedelta(hours=2))
    snapshot_take()
    big = _measure(client, city)

    assert big == small
    assert small["page"] <= 12  # session, user, the node and its breadcrumb, the snapshot and its rows
    page = _page(client)
    assert 'data-alert="tracing.late"' in page and "12 cases" in page  # the data did grow


def test_each_node_shows_its_own_alerts(client, hq, officer_b, city, people_a, tracer_a):
    _late_case(people_a[1], tracer_a)
    snapshot_take()
    client.force_login(hq)
    for unit in (None, city.a.district, city.a.street):
        assert 'data-alert="tracing.late"' in _page(client, unit)
    assert 'data-alert="tracing.late"' not in _page(client, city.b.district)
    client.force_login(officer_b)
    assert 'data-alert="tracing.late"' not in _page(client)


def test_the_isolation_shortfall_is_the_viewed_nodes_not_the_viewers_scope(client, hq, city, people_a,
                                                                           grid_worker_a):
    # Someone in district A waits for a room and district A has none; district B has no one waiting.
    task_create(kind="transfer_to_isolation", title="转运", unit=city.a.grid, person=people_a[2],
                owner=grid_worker_a, actor=None)
    snapshot_take()
    client.force_login(hq)
    assert 'data-alert="isolation.shortfall"' in _page(client, city.a.district)
    assert 'data-alert="isolation.shortfall"' not in _page(client, city.b.district)


def test_a_role_that_may_not_see_a_modules_alerts_does_not_get_them(client, hq, officer_a, city, people_a,
                                                                     tracer_a, monkeypatch):
    monkeypatch.setitem(CAPABILITIES, Role.OFFICER, CAPABILITIES[Role.OFFICER] - {"tracing.view"})
    _late_case(people_a[1], tracer_a)
    snapshot_take()
    client.force_login(hq)
    assert 'data-alert="tracing.late"' in _page(client, city.a.district)
    client.force_login(officer_a)
    assert 'data-alert="tracing.late"' not in _page(client, city.a.district)


def test_below_the_alert_level_the_page_points_to_the_street(client, hq, city, people_a, tracer_a, settings):
    _late_case(people_a[1], tracer_a)
    snapshot_take()
    client.force_login(hq)
    page = _page(client, city.a.community)
    assert 'data-alert="tracing.late"' not in page and 'id="alerts-elsewhere"' in page
    street_url = reverse("command:dashboard_unit", kwargs={"unit_id": city.a.street.pk})
    assert f'href="{street_url}"' in page.split('id="alerts-elsewhere"')[1].split("</p>")[0]
    assert 'id="alerts-elsewhere"' not in _page(client, city.a.street)

    settings.COMMAND_ALERT_LEVEL = Level.COMMUNITY
    snapshot_take()
    page = _page(client, city.a.community)
    assert 'data-alert="tracing.late"' in page and 'id="alerts-elsewhere"' not in page


def test_a_community_officer_is_not_pointed_to_a_street_they_may_not_see(client, city, people_a, tracer_a):
    officer = make_user("community_a", Role.OFFICER, city.a.community)
    _late_case(people_a[1], tracer_a)
    snapshot_take()
    client.force_login(officer)
    note = _page(client).split('id="alerts-elsewhere"')[1].split("</p>")[0]
    assert "<a " not in note and city.a.street.name not in note


def test_a_failing_provider_is_reported_and_the_others_alerts_stay(client, hq, city, people_a, tracer_a,
                                                                   monkeypatch, settings):
    settings.COMMAND_RAISE_COLLECTOR_ERRORS = False

    def broken(*, user, root):
        raise RuntimeError("provider down")

    monkeypatch.setitem(core_alerts._PROVIDERS, "zz_broken", broken)
    monkeypatch.setitem(core_alerts._READS, "zz_broken", frozenset())
    _late_case(people_a[1], tracer_a)
    snapshot = snapshot_take()
    assert snapshot.errors["alerts.zz_broken"] == "RuntimeError: provider down"
    client.force_login(hq)
    page = _page(client)
    assert 'data-alert="tracing.late"' in page and "alerts.zz_broken" in page


def test_alerts_are_stored_only_down_to_the_streets(city, people_a, tracer_a):
    _late_case(people_a[1], tracer_a)
    snapshot = snapshot_take()
    stored = dict(NodeFigures.objects.filter(snapshot=snapshot).values_list("unit_id", "alerts"))
    assert stored[city.a.community.pk] is None and stored[city.a.grid.pk] is None
    assert stored[city.b.street.pk] == {"hq": [], "officer": [], "admin": []}
    keys = {role: [a["key"] for a in alerts] for role, alerts in stored[city.a.street.pk].items()}
    assert keys == {"hq": ["tracing.late"], "officer": ["tracing.late"], "admin": ["tracing.late"]}


def test_a_traditional_chinese_reader_gets_the_stored_alerts_in_traditional_script(client, hq, city, people_a,
                                                                                  tracer_a, settings):
    import html

    from django.utils import translation

    from fangkong.core.chinese import for_active_language

    settings.LANGUAGE_CODE = "zh-hans"  # the site's language, in which the snapshot job writes the alerts
    _late_case(people_a[1], tracer_a)
    snapshot_take()
    stored = next(row["text"] for row in NodeFigures.objects.get(unit=city.city).alerts[Role.HQ]
                  if row["key"] == "tracing.late")
    with translation.override("zh-hant"):
        traditional = for_active_language(stored)
    assert traditional != stored
    client.force_login(hq)
    client.cookies["django_language"] = "zh-hant"
    page = html.unescape(_page(client))
    assert traditional in page and stored not in page
