"""Counts under big nodes come from the worker's tallies, say how old they are, and never pass for live ones."""

from datetime import timedelta

import pytest
from django.utils import timezone

from fangkong.people.models import Person
from fangkong.territory.models import Unit, UnitTally
from fangkong.territory.selectors import unit_children
from fangkong.territory.tallies import MAX_AGE, tallies_refresh

pytestmark = pytest.mark.django_db


def _counts(user, unit):
    return {c.name: (c.household_count, c.person_count, c.counts_as_of) for c in unit_children(user=user, unit=unit)}


def test_the_tallies_equal_a_live_count_at_every_level(city, households, hq):
    upper = Unit.objects.filter(level__lt=5)
    live = {u.pk: _counts(hq, u) for u in upper}

    tallies_refresh()

    for unit in upper:
        counted = _counts(hq, unit)
        assert {k: v[:2] for k, v in counted.items()} == {k: v[:2] for k, v in live[unit.pk].items()}
        assert all(v[2] is not None for v in counted.values())
    assert {k: v[:2] for k, v in _counts(hq, city.city).items()} == {"东城区": (2, 3), "西城区": (1, 1)}


def test_a_page_says_how_old_its_counts_are_and_a_recount_catches_up(client, city, households, hq):
    tallies_refresh()
    Person.objects.create(name="新来", name_simplified="新来", name_pinyin="", name_initials="", id_number="",
                          id_number_rev="", household=households.a1, unit=city.a.building)
    client.force_login(hq)

    page = client.get(f"/territory/{city.city.pk}/").content.decode()
    assert "as counted at" in page
    assert _counts(hq, city.city)["东城区"][1] == 3

    tallies_refresh()
    assert _counts(hq, city.city)["东城区"][1] == 4


def test_stale_tallies_are_not_used(city, households, hq):
    tallies_refresh()
    UnitTally.objects.update(counted_at=timezone.now() - MAX_AGE - timedelta(minutes=1), persons=999)

    assert _counts(hq, city.city)["东城区"] == (2, 3, None)


def test_a_grids_buildings_are_always_counted_live(city, households, hq):
    tallies_refresh()

    assert _counts(hq, city.a.grid)[city.a.building.name][2] is None
