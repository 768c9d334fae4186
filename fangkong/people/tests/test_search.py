import pytest
from django.urls import reverse

from fangkong.people.models import ManagementStatus, Tag
from fangkong.people.selectors import PersonFilters, person_search
from fangkong.people.services import person_status_change, person_tag_set

pytestmark = pytest.mark.django_db


def _names(user, query, **filters):
    return {p.name for p in person_search(user=user, query=query, filters=PersonFilters(**filters))}


def test_traditional_characters_find_simplified_name(chen, zhang, hq):
    assert _names(hq, "陳綱") == {"陈纲"}
    assert _names(hq, "陈") == {"陈纲"}


def test_initials_and_full_pinyin(chen, zhang, hq):
    assert _names(hq, "zs") == {"张三"}
    assert _names(hq, "cg") == {"陈纲"}
    assert _names(hq, "ZhangSan") == {"张三"}
    assert _names(hq, "chen") == {"陈纲"}


def test_given_name_falls_back_to_contains(chen, zhang, hq):
    assert _names(hq, "纲") == {"陈纲"}


def test_last_digits_of_id_or_phone(chen, zhang, hq):
    assert _names(hq, chen.id_number[-4:]) == {"陈纲"}
    assert _names(hq, "5678") == {"陈纲"}
    assert _names(hq, "4321") == {"张三"}
    assert _names(hq, chen.id_number) == {"陈纲"}
    assert _names(hq, "0000") == set()


def test_search_never_crosses_jurisdiction(chen, li_b, officer_a, hq):
    assert _names(officer_a, "李四") == set()
    assert _names(officer_a, "ls") == set()
    assert _names(officer_a, li_b.phone[-4:]) == set()
    assert _names(officer_a, "") == {"陈纲"}
    assert _names(hq, "") == {"陈纲", "李四"}


def test_people_without_capability_see_nobody(chen, lab_user):
    assert _names(lab_user, "") == set()


def test_filters_by_status_tag_and_node(city, chen, zhang, li_b, hq):
    person_status_change(person=zhang, to_status=ManagementStatus.HOME_ISOLATION, cause="密接", actor=None)
    person_tag_set(person=chen, tags=[Tag.ELDERLY_ALONE], actor=None)
    assert _names(hq, "", status=ManagementStatus.HOME_ISOLATION) == {"张三"}
    assert _names(hq, "", tag=Tag.ELDERLY_ALONE) == {"陈纲"}
    assert _names(hq, "", node=city.b.district.pk) == {"李四"}


def test_officer_cannot_filter_by_a_node_outside_scope(city, chen, li_b, officer_a):
    assert _names(officer_a, "", node=city.b.district.pk) == set()


def test_search_page_masks_and_scopes(client, chen, li_b, officer_a):
    client.force_login(officer_a)
    html = client.get(reverse("people:search"), {"q": ""}).content.decode()
    assert "陈纲" in html and "李四" not in html
    assert "138****5678" in html
    assert chen.id_number not in html
    assert chen.id_number[:3] + "*" * 11 + chen.id_number[-4:] in html


def test_search_page_htmx_returns_the_results_partial(client, chen, zhang, hq):
    client.force_login(hq)
    response = client.get(reverse("people:search"), {"q": "陳綱"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert 'id="results"' in html
    assert "<html" not in html
    assert "陈纲" in html and "张三" not in html


def test_search_page_for_an_officer_never_finds_district_b(client, li_b, officer_a):
    client.force_login(officer_a)
    for query in ("李四", "ls", li_b.phone[-4:], li_b.id_number):
        response = client.get(reverse("people:search"), {"q": query})
        assert response.context["page"].items == []
        assert reverse("people:person", kwargs={"person_id": li_b.pk}) not in response.content.decode()


def test_search_pages_by_keyset(client, city, home_a, hq):
    from fangkong.people.services import person_create
    from fangkong.people.tests.conftest import make_id

    for seq in range(55):
        person_create(name=f"测试{seq}", id_number=make_id(seq=f"{seq:03d}"), household=home_a, actor=None)
    client.force_login(hq)
    first = client.get(reverse("people:search"))
    assert first.context["page"].has_next
    after = first.context["page"].next_after
    second = client.get(reverse("people:search"), {"after": after}, headers={"HX-Request": "true"}).content.decode()
    assert second.count("<tr>") == 5
    assert "<table" not in second


def test_api_search_is_masked_and_scoped(api_client, chen, li_b, officer_a):
    client = api_client(officer_a)
    body = client.get("/api/v1/people/persons", {"q": ""}).json()
    assert [p["name"] for p in body["items"]] == ["陈纲"]
    assert body["items"][0]["phone"] == "138****5678"
    assert body["items"][0]["id_number"].count("*") == 11
    assert client.get("/api/v1/people/persons", {"q": "李四"}).json()["items"] == []
    assert client.get("/api/v1/people/persons", {"q": li_b.phone[-4:]}).json()["items"] == []


def test_api_search_by_traditional_name_and_keyset(api_client, chen, zhang, hq):
    client = api_client(hq)
    assert [p["name"] for p in client.get("/api/v1/people/persons", {"q": "陳綱"}).json()["items"]] == ["陈纲"]
    page = client.get("/api/v1/people/persons", {"size": 1}).json()
    assert len(page["items"]) == 1 and page["next_after"]
    rest = client.get("/api/v1/people/persons", {"size": 1, "after": page["next_after"]}).json()
    assert rest["items"][0]["name"] != page["items"][0]["name"]
