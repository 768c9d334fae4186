"""The CSV streamed by PostgreSQL's COPY equals the Python path's byte for byte, for every source and preset."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.utils import translation
from hypothesis import given
from hypothesis import settings as settings_h
from hypothesis import strategies as st

from fangkong.exports import services, sqlcsv
from fangkong.exports.models import ExportLog
from fangkong.exports.presets import DEFAULTS
from fangkong.exports.sources import all_sources, get_source
from fangkong.ops.models import Job
from fangkong.people.models import Person
from fangkong.people.services import household_create, person_create
from fangkong.people.tests.conftest import make_id

postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")

UTC = datetime.UTC
# 16:30 UTC on 30 November is 00:30 on 1 December in Shanghai; .999999 s is cut, not rounded.
NEAR_MIDNIGHT = datetime.datetime(2026, 11, 30, 16, 30, 5, 999999, tzinfo=UTC)
ADDRESS = '东城区"幸福"小区, 3号楼\n2单元, 301'
NAMES = ["王", "陈纲", "欧阳娜娜", "=HYPERLINK(\"x\")", "-李", "@张三", "+", "\t王"]
PHONES = ["", "13812345678", "+8613812345678", "1381", "=1+2", "-12345678"]
ADDRESSES = [ADDRESS, "", "东城区东街道", "东城区东街道东一", "=cmd|' /C calc'!A0", "+东城区, \"一\"街"]
ID_NUMBERS = ["1234567", "=12345678901234567", "12345678", "x"]


def _update(model, pk, **values):
    model.objects.filter(pk=pk).update(**values)


@pytest.fixture
def tricky(city):
    """Rows of every source in district A with values the CSV dialects treat differently."""
    from fangkong.arrivals.models import Arrival
    from fangkong.isolation.models import Room, Site, Stay
    from fangkong.tasks.models import Task
    from fangkong.testing.models import Round, Sample, Tube
    from fangkong.tracing.models import Case, Contact

    a = city.a
    home = household_create(unit=a.building, number="=1-101", address=ADDRESS, actor=None)
    persons = []
    for n, name in enumerate(NAMES):
        person = person_create(name=name if n < 3 else "张三", id_number=make_id("110101", "19800101", f"{n:03d}"),
                               phone="13812345678", household=home if n % 2 else None, actor=None,
                               unit=None if n % 2 else a.building)
        _update(Person, person.pk, name=name, phone=PHONES[n % len(PHONES)], address=ADDRESSES[n % len(ADDRESSES)],
                birth_date=None if n % 3 == 0 else datetime.date(1980 + n, 1 + n, 1),
                created_at=NEAR_MIDNIGHT + datetime.timedelta(minutes=n),
                status_since=None if n == 4 else NEAR_MIDNIGHT,
                sex="" if n == 5 else "MF"[n % 2], status="on_the_moon" if n == 6 else "normal")
        if n < len(ID_NUMBERS):
            _update(Person, person.pk, id_number=ID_NUMBERS[n])
        persons.append(person)
    for n, name in enumerate(NAMES[:4]):
        arrival = Arrival.objects.create(name=name, id_number=ID_NUMBERS[n], phone=PHONES[n], origin_name="=武汉",
                                         left_origin_on=datetime.date(2026, 11, 1),
                                         arrived_on=datetime.date(2026, 11, 2), destination=a.building,
                                         destination_address=ADDRESSES[n])
        _update(Arrival, arrival.pk, created_at=NEAR_MIDNIGHT)
    round_ = Round.objects.create(code="R-1", name="全员", unit=a.district, starts_at=NEAR_MIDNIGHT,
                                  ends_at=NEAR_MIDNIGHT + datetime.timedelta(days=1), pool_size=10)
    tube = Tube.objects.create(code="+T1", unit=a.building, capacity=10, opened_at=NEAR_MIDNIGHT, round=round_)
    for n, name in enumerate(NAMES[:3]):
        Sample.objects.create(tube=tube, round=round_, id_type="resident", id_number=ID_NUMBERS[n], name=name,
                              phone=PHONES[n], unit=a.building, sampled_at=NEAR_MIDNIGHT)
    case = Case.objects.create(number="C-1", person=persons[1], unit=a.district, first_positive_at=NEAR_MIDNIGHT,
                               source="testing_round", window_start=NEAR_MIDNIGHT, window_end=NEAR_MIDNIGHT,
                               reported_at=NEAR_MIDNIGHT)
    for n, person in enumerate(persons[:4]):
        Contact.objects.create(case=case, person=person, unit=a.building, category=Contact.Category.values[0],
                               reason=["同住", "=同事", "", "a,b\n\"c\""][n], exposure_at=NEAR_MIDNIGHT,
                               status=Contact.Status.values[0])
    site = Site.objects.create(code="S1", name="隔离点, \"一\"", unit=a.district, address=ADDRESS)
    room = Room.objects.create(site=site, number="-201", floor=2)
    for person in persons[:3]:
        Stay.objects.create(person=person, unit=a.building, category=Stay._meta.get_field("category").choices[0][0],
                            room=room, site=site, queued_at=NEAR_MIDNIGHT, placed_at=NEAR_MIDNIGHT)
    for n, person in enumerate([None, *persons[:3]]):
        Task.objects.create(kind="visit", title=["上门, \"核查\"", "=SUM(A1)", "", "x\ny"][n], unit=a.building,
                            person=person, due_at=NEAR_MIDNIGHT, outcome=["", "-", "好", "@"][n])
    return persons


def _presets(source) -> list[list[str]]:
    presets = [source.column_keys, *DEFAULTS.get(source.code, {}).values()]
    return [[k for k in source.column_keys if k in preset] for preset in presets]


def _export_bytes(user, settings, *, fast: bool, **kwargs) -> tuple[bytes, int]:
    settings.EXPORTS_SQL_CSV = fast
    export = services.export_start(actor=user, format="csv", **kwargs)
    export.refresh_from_db()
    assert export.job.status == Job.Status.SUCCEEDED, export.job.error
    return (services.exports_dir() / export.file_name).read_bytes(), export.row_count


@postgresql
@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("code", [s.code for s in all_sources()])
def test_copy_csv_equals_the_python_csv_byte_for_byte(hq, tricky, settings, code, language):
    source = get_source(code)
    settings.EXPORTS_COPY_ROWS = 2  # several COPYs a file
    with translation.override(language):
        for columns in _presets(source):
            for reveal in (False, True):
                kwargs = {"source_code": code, "columns": columns, "reveal": reveal, "reason": "比对" if reveal else ""}
                with translation.override(language):
                    assert sqlcsv.column_expressions(source, [source.column(k) for k in columns],
                                                     revealed=reveal) is not None
                fast, fast_rows = _export_bytes(hq, settings, fast=True, **kwargs)
                slow, slow_rows = _export_bytes(hq, settings, fast=False, **kwargs)
                assert fast == slow, (code, columns, reveal)
                assert fast_rows == slow_rows > 0
                ExportLog.objects.all().delete()


@postgresql
def test_the_fixture_holds_the_tricky_values(hq, tricky, settings):
    data, rows = _export_bytes(hq, settings, fast=True, source_code="persons",
                               columns=["id", "name", "phone", "address", "birth_date", "created_at"])
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == len(NAMES) == len(lines) - 1
    by_id = {int(line[0]): line for line in lines[1:]}
    # The source's order: id, name, birth date, phone, address, registered.
    assert by_id[tricky[0].pk][1:] == ["王", "", "", ADDRESS[:6] + "****", "2026-12-01 00:30:05"]
    assert by_id[tricky[2].pk][1:4] == ["欧***", "1982-**-**", "'+86*******5678"]
    assert by_id[tricky[3].pk][1] == "'=" + "*" * (len(NAMES[3]) - 1)
    assert b"\r\n" in data and data.count(b"\n") == data.count(b"\r\n")


@postgresql
def test_a_copy_export_reports_progress_piece_by_piece(officer_a, tricky, settings):
    from fangkong.exports.tests.test_services import _export

    settings.EXPORTS_COPY_ROWS = 3
    done = []
    original = sqlcsv.RowEnds.__call__

    def spy(self, data):
        result = original(self, data)
        done.append(self.rows)
        return result

    sqlcsv.RowEnds.__call__ = spy
    try:
        export = _export(officer_a, columns=["id", "name"])
    finally:
        sqlcsv.RowEnds.__call__ = original
    assert done == [3, 6, 8] and export.row_count == 8
    assert export.job.done == export.job.total == 8


@postgresql
def test_an_exception_mid_copy_leaves_no_file(officer_a, tricky, settings, monkeypatch):
    from fangkong.accounts.models import AccessLog
    from fangkong.exports.tests.test_services import _export

    settings.EXPORTS_COPY_ROWS = 2
    calls = []

    def boom(self, data):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return data

    monkeypatch.setattr(sqlcsv.RowEnds, "__call__", boom)
    export = _export(officer_a, columns=["id", "name"])
    assert export.job.status == Job.Status.FAILED and "disk full" in export.job.error
    assert export.file_name == "" and list(services.exports_dir().iterdir()) == []
    assert not AccessLog.objects.exists()


@postgresql
def test_a_copy_export_holds_only_the_users_subtree(officer_b, tricky, settings):
    data, rows = _export_bytes(officer_b, settings, fast=True, source_code="persons", columns=["id", "name"])
    assert rows == 0 and data == "\ufeffRecord number,Name\r\n".encode()


def test_a_column_sql_cannot_express_takes_the_python_path():
    source = get_source("persons")
    columns = [source.column("id"), source.column("name")]
    assert sqlcsv.column_expressions(source, columns, revealed=False) is not None
    # One column: the csv module writes an empty cell as `""`, COPY as nothing.
    assert sqlcsv.column_expressions(source, columns[:1], revealed=False) is None
    from fangkong.exports.sources import Column

    odd = Column("tags", "Tags", "household", type="str")  # a foreign key read as text
    assert sqlcsv.column_expressions(source, [*columns, odd], revealed=False) is None


def test_sqlite_exports_take_the_python_path(officer_a, settings):
    from fangkong.people.models import Person as P

    assert sqlcsv.enabled(P.objects.all()) == (connection.vendor == "postgresql")


@settings_h(max_examples=80, deadline=None)
@given(rows=st.lists(st.lists(st.text(alphabet=st.sampled_from('ab,"\n 王'), max_size=6), min_size=2, max_size=3),
                     max_size=12),
       cuts=st.lists(st.integers(0, 400), max_size=6))
def test_row_ends_turn_copy_lf_into_the_csv_modules_crlf(rows, cuts):
    lf, crlf = io.StringIO(), io.StringIO()
    csv.writer(lf, lineterminator="\n").writerows(rows)
    csv.writer(crlf).writerows(rows)
    data = lf.getvalue().encode()
    ends = sqlcsv.RowEnds()
    out = b""
    start = 0
    for cut in sorted({min(c, len(data)) for c in cuts}) + [len(data)]:
        out += ends(data[start:cut])
        start = cut
    assert out == crlf.getvalue().encode()
    assert ends.rows == len(rows)
