import shutil
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from fangkong.ops.backup import backup_create, backup_verify, manifest_path_for, read_manifest
from fangkong.people.models import Household, Person, StatusChange
from fangkong.tasks.models import Task
from fangkong.territory.models import Unit


def fill(city):
    household = Household.objects.create(unit=city.a.building, number="101", address="东街1号101")
    person = Person.objects.create(name="张三", id_number="110101199003077777", phone="13812345678",
                                   unit=city.a.building, household=household)
    StatusChange.objects.create(person=person, from_status="normal", to_status="home_isolation",
                                at=timezone.now(), cause="close contact")
    Task.objects.create(kind="visit", title="Visit 101", unit=city.a.grid, person=person,
                        due_at=timezone.now() + timedelta(hours=4))
    return person


def change_everything(city, person):
    Unit.objects.filter(pk=city.a.district.pk).update(name="改名区")
    Task.objects.update(status="done")
    StatusChange.objects.all().delete()
    Person.objects.create(name="李四", id_number="110101199003071234", unit=city.b.building)


def snapshot():
    return (Unit.objects.get(code="630801").name, Person.objects.count(), StatusChange.objects.count(),
            list(Task.objects.values_list("status", flat=True)))


def round_trip(city, tmp_path):
    person = fill(city)
    before = snapshot()
    dump = tmp_path / "backup.dump"

    call_command("backup", output=dump)
    change_everything(city, person)
    assert snapshot() != before
    call_command("restore", str(dump), interactive=False)

    assert snapshot() == before
    assert backup_verify(manifest=read_manifest(dump)).ok
    manifest = read_manifest(dump)
    assert manifest["checksums"]["people_person"]["rows"] == 1
    assert manifest["row_counts"]["territory_unit"] == 11
    assert "110101199003077777" not in manifest_path_for(dump).read_text()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite backup API")
@pytest.mark.django_db(transaction=True)
def test_sqlite_backup_and_restore_round_trip(city, tmp_path):
    round_trip(city, tmp_path)


@pytest.mark.skipif(connection.vendor != "postgresql" or not shutil.which("pg_dump"),
                    reason="needs PostgreSQL and pg_dump")
@pytest.mark.django_db(transaction=True)
def test_postgresql_backup_and_restore_round_trip(city, tmp_path):
    round_trip(city, tmp_path)


@pytest.mark.django_db(transaction=True)
def test_verify_notices_changed_rows(city, tmp_path):
    person = fill(city)
    manifest = backup_create(output=tmp_path / "b.dump")

    change_everything(city, person)
    verification = backup_verify(manifest=manifest)

    assert not verification.ok
    assert "people_person: 2 rows, the backup had 1" in verification.problems
    assert "territory_unit: content differs from the backup" in verification.problems


@pytest.mark.django_db(transaction=True)
def test_damaged_dump_is_refused_before_touching_the_database(city, tmp_path):
    fill(city)
    dump = tmp_path / "b.dump"
    backup_create(output=dump)
    Person.objects.create(name="李四", id_number="110101199003071234", unit=city.b.building)
    with dump.open("r+b") as handle:
        handle.seek(200)
        handle.write(b"\x00garbage\x00")

    with pytest.raises(CommandError, match="does not match the checksum"):
        call_command("restore", str(dump), interactive=False)

    assert Person.objects.count() == 2


@pytest.mark.django_db
def test_restore_without_manifest_says_what_is_missing(tmp_path):
    dump = tmp_path / "lonely.dump"
    dump.write_bytes(b"x")

    with pytest.raises(CommandError, match="No manifest next to the dump"):
        call_command("restore", str(dump), interactive=False)
