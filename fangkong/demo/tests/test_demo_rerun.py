"""A second `make demo` serves the city already built (a stand-in build: the full one is test_demo's fixture)."""

from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from conftest import make_user
from fangkong.accounts.roles import Role
from fangkong.demo.city import PASSWORDS
from fangkong.demo.models import DemoBuild
from fangkong.territory.models import Unit

DEMO_COMMAND = "fangkong.demo.management.commands.demo"


@pytest.fixture
def built(city):
    make_user("officer", Role.OFFICER, city.city)
    return DemoBuild.objects.create(city=city.city, size="tiny", persons_target=2_000, seed=2020, first_unit_id=1,
                                    finished_at=timezone.now())


def test_a_second_make_demo_serves_the_existing_city_instead_of_failing(built):
    units = Unit.objects.count()
    out = StringIO()
    with mock.patch(f"{DEMO_COMMAND}.call_command") as inner:
        call_command("demo", "--size", "tiny", stdout=out)

    inner.assert_called_once_with("serve", with_worker=True)
    text = out.getvalue()
    assert "already built" in text and "serving it" in text
    assert "Building the demo city" not in text and "--reset" not in text
    assert "officer" in text and PASSWORDS[Role.OFFICER] in text
    assert Unit.objects.count() == units
    assert DemoBuild.objects.get() == built


def test_asking_for_another_size_serves_the_existing_one_and_says_how_to_rebuild(built):
    out = StringIO()
    with mock.patch(f"{DEMO_COMMAND}.call_command") as inner:
        call_command("demo", "--size", "medium", stdout=out)

    inner.assert_called_once_with("serve", with_worker=True)
    assert "not the one asked for" in out.getvalue() and "--reset" in out.getvalue()
    assert DemoBuild.objects.get().size == "tiny"


def test_build_only_still_refuses_an_existing_demo_and_serves_nothing(built):
    with mock.patch(f"{DEMO_COMMAND}.call_command") as inner, pytest.raises(CommandError, match="--reset"):
        call_command("demo", "--size", "tiny", "--no-serve", stdout=StringIO())

    inner.assert_not_called()
