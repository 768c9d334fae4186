"""The access log: reveals and exports by actors in the viewer's jurisdiction."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.accounts.models import AccessLog
from fangkong.accounts.services import access_log_record

pytestmark = pytest.mark.django_db


def test_hq_sees_everyone(client, hq, access_rows):
    client.force_login(hq)

    response = client.get(reverse("accounts:access_log"))

    assert response.status_code == 200
    assert [row.object_repr for row in response.context["page"].items] == ["西城名单", "东城居民"]


def test_admin_sees_only_actors_in_their_scope(client, admin_a, access_rows):
    client.force_login(admin_a)

    response = client.get(reverse("accounts:access_log"))

    assert [row.object_repr for row in response.context["page"].items] == ["东城居民"]
    assert "西城名单" not in response.content.decode()


def test_officer_without_the_capability_is_refused(client, officer_a, access_rows):
    client.force_login(officer_a)

    assert client.get(reverse("accounts:access_log")).status_code == 403


def test_filters_by_actor_kind_and_date(client, hq, access_rows):
    client.force_login(hq)
    url = reverse("accounts:access_log")
    today = timezone.localdate()

    def shown(**params):
        return [row.object_repr for row in client.get(url, params).context["page"].items]

    assert shown(actor="grid_a") == ["东城居民"]
    assert shown(kind="export") == ["西城名单"]
    assert shown(date_from=today.isoformat(), date_to=today.isoformat()) == ["西城名单", "东城居民"]
    assert shown(date_to=(today - timedelta(days=1)).isoformat()) == []


def test_bad_date_is_named_and_shows_nothing(client, hq, access_rows):
    client.force_login(hq)

    response = client.get(reverse("accounts:access_log"), {"date_from": "2024-13-45"})

    assert response.context["form"].errors["date_from"]
    assert response.context["page"].items == []


def test_keyset_pages(client, hq, grid_worker_a):
    for i in range(55):
        AccessLog.objects.create(actor=grid_worker_a, kind="reveal", object_repr=f"p{i}", reason="r")
    client.force_login(hq)

    first = client.get(reverse("accounts:access_log")).context["page"]
    second = client.get(reverse("accounts:access_log"), {"after": first.next_after}).context["page"]

    assert len(first.items) == 50 and len(second.items) == 5
    assert not {r.pk for r in first.items} & {r.pk for r in second.items}


def test_htmx_filter_returns_only_the_table(client, hq, access_rows):
    client.force_login(hq)

    response = client.get(reverse("accounts:access_log"), {"kind": "reveal"}, headers={"HX-Request": "true"})

    body = response.content.decode()
    assert body.lstrip().startswith('<div id="results"') and "<html" not in body


def test_access_log_record_service(city, grid_worker_a):
    from fangkong.people.models import Person

    person = Person.objects.create(name="李四", id_number="630801199001010011", unit=city.a.building)

    row = access_log_record(actor=grid_worker_a, kind="reveal", obj=person, fields=["id_number", "phone"],
                            reason="核对身份", ip="10.0.0.1")

    assert (row.object_repr, row.fields, row.object_id, row.ip) == ("李四", "id_number,phone", person.pk, "10.0.0.1")


def test_access_log_record_needs_a_reason(city, grid_worker_a):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        access_log_record(actor=grid_worker_a, kind="export", reason=" ", row_count=10)
    assert not AccessLog.objects.exists()
