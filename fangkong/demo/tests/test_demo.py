from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F
from stdnum.cn import ric

from fangkong.accounts.models import User
from fangkong.accounts.roles import Role
from fangkong.core.paths import path_ids, subtree_q
from fangkong.demo.city import PASSWORDS, demo_counts, wipe_demo
from fangkong.demo.models import DemoBuild
from fangkong.people.identity import validate_resident_id
from fangkong.people.models import Household, Person, PersonTag, Tag
from fangkong.people.search import name_keys, reversed_key
from fangkong.tasks.models import Task
from fangkong.territory.models import Level, Responsibility, Unit


def _units(demo, level):
    return Unit.objects.filter(subtree_q("path", demo.city.path), level=level)


def test_every_resident_id_is_valid_and_agrees_with_district_birth_date_and_sex(demo, db):
    district_codes = dict(_units(demo, Level.DISTRICT).values_list("id", "code"))
    # Residents on file; the travellers of the outbreak scene carry the IDs of where they come from.
    rows = Person.objects.filter(unit__path__startswith=demo.city.path, household__isnull=False).values_list(
        "id_number", "birth_date", "sex", "unit__path")
    assert len(rows) > 0
    for id_number, birth_date, sex, unit_path in rows:
        assert id_number[17] == ric.calc_check_digit(id_number), id_number
        assert validate_resident_id(id_number).birth_date == birth_date
        assert id_number[:6] == district_codes[path_ids(unit_path)[1]]
        assert ric.get_birth_date(id_number) == birth_date
        assert sex == ("M" if int(id_number[16]) % 2 else "F")
    assert len({row[0] for row in rows}) == len(rows), "two residents share an ID number"


def test_the_ages_look_like_a_population(demo, db):
    births = list(Person.objects.values_list("birth_date", flat=True))
    years = sorted(b.year for b in births)
    median_age = years[-1] - years[len(years) // 2]
    assert 30 <= median_age <= 50
    assert any(years[-1] - year >= 80 for year in years)
    assert PersonTag.objects.filter(tag=Tag.INFANT).exists()


def test_every_grid_community_and_street_has_its_responsible_person(demo, db):
    for level, role in ((Level.GRID, "grid_worker"), (Level.COMMUNITY, "liaison_cadre"),
                        (Level.STREET, "area_leader")):
        for unit in _units(demo, level):
            responsible = Responsibility.objects.filter(unit=unit, role=role, household__isnull=True)
            assert responsible.count() == 1, f"{unit} has no {role}"
            assert responsible.get().name and len(responsible.get().phone) == 11
    for grid in _units(demo, Level.GRID):
        worker = Responsibility.objects.get(unit=grid, role="grid_worker").user
        assert worker is not None and worker.role == Role.GRID_WORKER and worker.scope_id == grid.id
    assert Responsibility.objects.filter(role="party_member", household__isnull=False).exists()


def test_search_keys_are_filled_the_way_people_search_fills_them(demo, db):
    persons = Person.objects.filter(unit__path__startswith=demo.city.path)
    assert not persons.filter(name_simplified="").exists()
    assert not persons.filter(name_pinyin="").exists()
    assert not persons.filter(name_initials="").exists()
    assert not persons.filter(id_number_rev="").exists()
    for person in persons.order_by("?")[:200]:
        keys = name_keys(person.name)
        assert (person.name_simplified, person.name_pinyin, person.name_initials) == (
            keys.simplified, keys.pinyin, keys.initials)
        assert person.id_number_rev == reversed_key(person.id_number)
        assert person.phone_rev == reversed_key(person.phone)
        assert person.phone == "" or (len(person.phone) == 11 and person.phone.startswith("1"))
    assert persons.filter(name_simplified="陈纲", name_initials="cg").exists()
    assert persons.exclude(name=F("name_simplified")).exists(), "no names on file in traditional characters"


def test_addresses_read_street_community_building_unit_door(demo, db):
    person = Person.objects.select_related("household__unit__parent__parent__parent").first()
    building = person.household.unit
    community = building.parent.parent
    street = community.parent
    assert person.address == f"{street.name}{community.name}{building.name}{person.household.number}"
    assert "号楼" in person.address and "单元" in person.address


def test_one_user_per_role_with_its_scope_and_password(demo, db):
    users = {u.username: u for u in User.objects.select_related("scope")}
    assert {u.role for u in users.values()} == set(Role.values)
    assert users["hq"].scope_id == demo.city.id
    assert users["admin"].scope_id == demo.city.id
    assert users["officer"].scope.level == Level.DISTRICT
    assert users["street"].scope.level == Level.STREET
    assert users["grid1"].scope.level == Level.GRID
    assert users["hq"].check_password(PASSWORDS[Role.HQ])
    assert users["grid1"].check_password(PASSWORDS[Role.GRID_WORKER])
    for username in ("hq", "grid1", "officer"):
        assert username in demo.output
    assert PASSWORDS[Role.HQ] in demo.output


def test_grid1_sees_its_own_grid_and_has_open_household_visits(demo, db):
    grid1 = User.objects.get(username="grid1")
    visible = Person.objects.visible_to(grid1)
    assert visible.count() == Person.objects.filter(subtree_q("unit__path", grid1.scope.path)).count() > 0
    assert visible.count() < Person.objects.count()
    assert visible.filter(name="陈纲").exists()
    tasks = Task.objects.visible_to(grid1).filter(owner=grid1, kind="household_visit").still_open()
    assert tasks.count() >= 3
    assert all(task.household_id and task.unit_id == task.household.unit_id for task in tasks)


def test_counts_are_what_was_asked_for(demo, db):
    counts = demo_counts(demo.city)
    assert counts == demo.counts
    assert 1_700 <= counts["persons"] <= 2_300
    assert 2.2 <= counts["persons"] / counts["households"] <= 3.0
    assert counts["Grid"] == Responsibility.objects.filter(role="grid_worker").count()
    alone = PersonTag.objects.filter(tag=Tag.ELDERLY_ALONE).count() / counts["persons"]
    chronic = PersonTag.objects.filter(tag=Tag.CHRONIC).count() / counts["persons"]
    assert 0.01 <= alone <= 0.06
    assert 0.05 <= chronic <= 0.16
    units = Unit.objects.filter(subtree_q("path", demo.city.path))
    assert units.values("code").distinct().count() == units.count()
    assert all(unit.path.endswith("/") and unit.depth == len(path_ids(unit.path)) - 1 for unit in units)


def test_a_second_run_without_reset_refuses_and_changes_nothing(demo, db):
    with pytest.raises(CommandError, match="--reset"):
        call_command("demo", "--size", "tiny", "--no-serve", stdout=StringIO())
    assert demo_counts(demo.city) == demo.counts


def _wipe_scenes_under(node) -> None:
    from fangkong.demo.isolation_sites import wipe_isolation
    from fangkong.demo.outbreak import wipe_outbreak
    from fangkong.demo.tracing_cases import wipe_tracing
    from fangkong.protocols.models import Measure
    from fangkong.tasks.models import Task

    units = Unit.objects.filter(subtree_q("path", node.path)).values("id")
    wipe_isolation(units=units)
    wipe_tracing(units=units)
    wipe_outbreak(units=units)
    Task.objects.filter(subtree_q("person__unit__path", node.path)).delete()
    Measure.objects.filter(subtree_q("person__unit__path", node.path)).delete()


def test_an_interrupted_build_resumes_where_it_stopped(demo, db):
    # given a build that stopped before its last street
    last_street = _units(demo, Level.STREET).order_by("-id").first()
    in_street = subtree_q("unit__path", last_street.path)
    _wipe_scenes_under(last_street)  # a build stops before the scenes: they hold none of its people yet
    PersonTag.objects.filter(person__in=Person.objects.filter(in_street)).delete()
    Responsibility.objects.filter(in_street, household__isnull=False).delete()
    Person.objects.filter(in_street).delete()
    Household.objects.filter(in_street).delete()
    DemoBuild.objects.update(finished_at=None)
    # when it runs again
    out = StringIO()
    call_command("demo", "--size", "tiny", "--no-serve", stdout=out)
    # then the missing street is there again and nothing is doubled (the scenes' tasks of that street's people
    # were removed above and the scenes, already seeded, do not run twice)
    counts, expected = demo_counts(demo.city), dict(demo.counts)
    assert counts.pop("tasks") <= expected.pop("tasks")
    assert counts == expected
    assert "resumed" in out.getvalue()


def test_a_different_unfinished_build_is_not_resumed_with_other_options(demo, db):
    DemoBuild.objects.update(finished_at=None)
    with pytest.raises(CommandError, match="same"):
        call_command("demo", "--size", "small", "--no-serve", stdout=StringIO())


def test_reset_wipes_and_builds_the_same_city_again(demo, db):
    out = StringIO()
    call_command("demo", "--size", "tiny", "--no-serve", "--reset", stdout=out)
    build = DemoBuild.objects.get()
    assert demo_counts(build.city) == demo.counts
    assert Unit.objects.filter(parent__isnull=True).count() == 1


def test_a_wiped_demo_leaves_no_empty_snapshot_behind(demo, db):
    from fangkong.command.models import Snapshot

    assert Snapshot.objects.exists()
    wipe_demo()
    assert not Snapshot.objects.exists()
