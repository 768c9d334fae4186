"""The HQ's page /notify/ and GET /api/v1/notify/figures: figures by kind and child node, masked phones, scope."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.command.figures import Context
from fangkong.notify import figures as dashboard_figures
from fangkong.notify import services
from fangkong.notify.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def messages(city, make_person):
    """District A: two sent and one unreachable (no phone); district B: one sent."""
    now = timezone.now()
    a1, a2 = make_person(phone="13800001234"), make_person(phone="13800005678")
    nobody = make_person(phone="")
    b1 = make_person(city.b, phone="13900004321")
    for n, person in enumerate([a1, a2, nobody, b1]):
        services.message_record(kind="release", phone=person.phone, person=person, context={"day": now.date()},
                                event_key=f"release:{n}", now=now)
    return {"a": [a1, a2, nobody], "b": [b1]}


def test_the_hq_sees_figures_by_kind_and_by_district(client, hq, messages):
    client.force_login(hq)
    response = client.get(reverse("notify:index"))
    assert response.status_code == 200
    figures = response.context["figures"]
    assert [(r.key, r.counts["sent"], r.counts["unreachable"]) for r in figures.by_kind] == [("release", 3, 1)]
    assert [(r.label, r.total) for r in figures.by_node] == [("东城区", 3), ("西城区", 1)]
    html = response.content.decode()
    assert 'data-row="release"' in html and 'id="by-node"' in html


def test_phones_are_masked_in_the_message_list(client, hq, messages):
    client.force_login(hq)
    html = client.get(reverse("notify:index")).content.decode()
    assert "138****1234" in html and "13800001234" not in html


def test_a_district_officer_sees_only_their_districts_messages(client, officer_b, messages, city):
    client.force_login(officer_b)
    response = client.get(reverse("notify:index"))
    assert [m.pk for m in response.context["page"].items] == [
        Message.objects.get(person=messages["b"][0]).pk]
    assert response.context["figures"].totals["sent"] == 1
    # another district's node is a 404, as if it did not exist
    assert client.get(reverse("notify:index"), {"node": city.a.district.pk}).status_code == 404


def test_a_grid_worker_without_notify_view_gets_a_404(client, grid_worker_a, messages):
    client.force_login(grid_worker_a)
    assert client.get(reverse("notify:index")).status_code == 404


def test_the_list_pages_by_keyset_and_filters_by_status(client, hq, messages):
    client.force_login(hq)
    first = client.get(reverse("notify:index"), {"status": "unreachable"})
    assert [m.status for m in first.context["page"].items] == ["unreachable"]
    newest = Message.objects.order_by("-pk").first()
    older = client.get(reverse("notify:index"), {"after": newest.pk})
    assert newest.pk not in [m.pk for m in older.context["page"].items]
    assert len(older.context["page"].items) == 3


def test_a_bad_filter_is_ignored_not_an_error(client, hq, messages):
    client.force_login(hq)
    response = client.get(reverse("notify:index"), {"status": "bogus", "kind": "<x>", "days": "999", "after": "x"})
    assert response.status_code == 200 and len(response.context["page"].items) == 4


def test_the_api_gives_the_same_figures_in_scope(api_client, officer_a, officer_b, messages, city):
    body = api_client(officer_a).get("/api/v1/notify/figures").json()
    assert (body["node_id"], body["totals"]["sent"], body["totals"]["unreachable"]) == (city.a.district.pk, 2, 1)
    assert body["by_kind"][0]["kind"] == "release" and body["by_node"][0]["name"] == "东城街道"
    assert api_client(officer_b).get(f"/api/v1/notify/figures?node={city.a.district.pk}").status_code == 404
    assert api_client(officer_b).get("/api/v1/notify/figures").json()["totals"]["total"] == 1


def test_the_api_is_in_the_openapi_schema(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/notify/figures" in schema["paths"]


def test_the_dashboard_collector_counts_per_building(city, messages):
    now = timezone.now()
    counts = dashboard_figures.collect(Context(now=now, today=timezone.localdate()))
    assert counts[city.a.building.pk]["notify.sent"] == 2
    assert counts[city.a.building.pk]["notify.unreachable"] == 1
    assert counts[city.b.building.pk]["notify.sent"] == 1
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    assert not dashboard_figures.collect(Context(now=now, today=yesterday))
