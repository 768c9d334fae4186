"""Files of mass testing: sampling records (采样记录) into a round, and a lab's results (检测结果).

Sampling records: tube_code,id_number,name,phone,sampled_at,point_code
(or 试管编码,身份证号,姓名,手机,采样时间,采样点编码). Lab results: tube_code,result,ct_orf1ab,ct_n,tested_at,lab_code
(or 试管编码,检测结果,ORF1ab Ct值,N Ct值,检测时间,实验室编码). CSV (UTF-8, BOM, GB18030), .xlsx or Parquet.

Unlike the all-or-nothing importers elsewhere, these keep the good rows: a district cannot wait for a file of a
million rows to be perfect. Every bad row is reported with its line and reason and nothing of it is written; the
rules are those of services.tube_open / sample_add / tube_result_record. Importing the same file twice changes
nothing: a row already in the database as it is in the file is "unchanged".

Samples are written in bulk, whole tubes per transaction of a few thousand rows (PostgreSQL COPY, SQLite
executemany), with the round's coverage counters. Negative results of round tubes are one UPDATE per chunk;
positive and invalid ones, and any re-check tube, go one by one through services.tube_result_record so that the
recall is raised (or the re-checked person released) exactly as when a lab types them in.
"""

import datetime
import json
import os
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.imports import ImportReport, read_table
from fangkong.core.masking import mask_id_number
from fangkong.people.identity import resident_id_ok
from fangkong.territory.models import Unit
from fangkong.testing import services
from fangkong.testing.models import Lab, LabStaff, Result, Round, RoundExtra, Sample, SamplingPoint, Tube

SAMPLE_COLUMNS = ["tube_code", "id_number", "name", "phone", "sampled_at", "point_code"]
SAMPLE_REQUIRED = ["tube_code", "id_number", "sampled_at", "point_code"]
RESULT_COLUMNS = ["tube_code", "result", "ct_orf1ab", "ct_n", "tested_at", "lab_code"]
RESULT_REQUIRED = ["tube_code", "result", "lab_code"]
CHINESE_COLUMNS = {
    "试管编码": "tube_code", "试管编号": "tube_code", "试管条码": "tube_code", "试管码": "tube_code",
    "管码": "tube_code", "管号": "tube_code", "采样管编码": "tube_code", "条码": "tube_code",
    "身份证号": "id_number", "身份证号码": "id_number", "证件号码": "id_number", "证件号": "id_number",
    "证件类型": "id_type", "姓名": "name", "手机": "phone", "手机号": "phone", "手机号码": "phone",
    "电话": "phone", "联系电话": "phone", "采样时间": "sampled_at", "采样点编码": "point_code",
    "采样点代码": "point_code", "采样点": "point_code",
    "检测结果": "result", "结果": "result", "ORF1ab Ct值": "ct_orf1ab", "ORF1ab基因Ct值": "ct_orf1ab",
    "ORF1ab": "ct_orf1ab", "N Ct值": "ct_n", "N基因Ct值": "ct_n", "N": "ct_n", "检测时间": "tested_at",
    "报告时间": "tested_at", "实验室编码": "lab_code", "实验室代码": "lab_code", "检测机构编码": "lab_code",
}
ID_TYPES = {"": "resident", "身份证": "resident", "居民身份证": "resident", "护照": "passport",
            "港澳居民来往内地通行证": "hk_macao", "台湾居民来往大陆通行证": "taiwan", "其他": "other"}
# Rows per transaction: whole tubes are kept together, so a chunk may run over by one tube.
CHUNK = 5000
# Documents per look-up query.
LOOKUP_CHUNK = 5000
# From this many rows on, PostgreSQL's statistics of tubes and samples are refreshed before the look-ups.
ANALYZE_ROWS = 20_000
# Rows of a job's result listed for the page (the CLI prints its own first 50).
JOB_ERRORS_SHOWN = 1000


@dataclass
class TestingImportReport(ImportReport):
    """created / unchanged / rejected rows; `unreadable` when the file as a whole could not be used."""

    unchanged: int = 0
    rows: int = 0
    unreadable: bool = False
    tubes_created: int = 0
    recalls: list[str] = field(default_factory=list)

    def refuse_file(self, message: str) -> "TestingImportReport":
        self.reject(1, message)
        self.unreadable = True
        return self


def _no_progress(done, total=None):
    pass


def _canonical(header: str) -> str:
    text = " ".join(str(header).split())
    if text in CHINESE_COLUMNS:
        return CHINESE_COLUMNS[text]
    return text.lower().replace(" ", "_")


def _read(source, filename: str, *, required: list[str], expected: list[str], report: TestingImportReport):
    """({canonical column: header in the file}, rows), or (None, None) after refusing the file."""
    data = source.read() if hasattr(source, "read") else source
    try:
        header, rows = read_table(data, filename)
    except Exception as exc:  # noqa: BLE001 — any reader's failure is one message on line 1
        report.refuse_file(_("The file could not be read: %(error)s") % {"error": str(exc)[:300]})
        return None, None
    columns = {}
    for name in header:
        columns.setdefault(_canonical(name), name)
    missing = [c for c in required if c not in columns]
    if missing:
        report.refuse_file(_("Missing columns: %(columns)s. Expected: %(expected)s.")
                           % {"columns": ", ".join(missing), "expected": ",".join(expected)})
        return None, None
    if not rows:
        report.refuse_file(_("The file has no rows."))
        return None, None
    report.rows = len(rows)
    return columns, rows


_LOOSE_TIME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?$")


def parse_time(text: str, tz) -> datetime.datetime | None:
    """"2026-12-01 08:30", "2026/12/1 8:30:05", ISO 8601 with an offset; local time (Asia/Shanghai) when none."""
    text = (text or "").strip().replace("/", "-")
    if not text:
        return None
    try:
        value = datetime.datetime.fromisoformat(text)
    except ValueError:
        match = _LOOSE_TIME.match(text)
        if match is None:
            return None
        try:
            value = datetime.datetime(*(int(g or 0) for g in match.groups()))
        except ValueError:
            return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value


def _analyze(*models) -> None:
    """Tubes and samples may have grown by millions since autovacuum last looked (an earlier file of the round):
    with stale statistics PostgreSQL chose a scan of the table for every chunk of look-ups."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models))


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{name}: {' '.join(errors)}" for name, errors in exc.message_dict.items())
    return " ".join(exc.messages)


def _local(value: datetime.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _chunks(items: list, size: int = 2000):
    for start in range(0, len(items), size):
        yield items[start:start + size]


# --- sampling records ----------------------------------------------------------------------------------------


def ensure_may_import_samples(actor, round_: Round) -> None:
    """Samplers (and grid workers) at their points, officers and HQ who manage testing; the system."""
    if actor is None:
        return
    from fangkong.accounts.roles import has_capability

    if not ((has_capability(actor, "testing.sample") or has_capability(actor, "testing.manage"))
            and Round.objects.visible_to(actor, "view").filter(pk=round_.pk).exists()):
        raise PermissionDenied("may not import samples into this round")


def _point_in_scope(actor, point: SamplingPoint) -> bool:
    from fangkong.accounts.scope import unit_in_scope

    if actor is None:
        return True
    return (unit_in_scope(actor, point.unit, "sample", capability_app="testing")
            or unit_in_scope(actor, point.unit, "manage", capability_app="testing"))


@dataclass
class _TubeState:
    code: str
    pk: int | None
    point_id: int
    capacity: int
    size: int
    status: str
    opened_at: datetime.datetime | None = None
    closed_at: datetime.datetime | None = None
    refused: str = ""
    first_line: int = 0
    rows: list = field(default_factory=list)


def _without_gc(function):
    """A million rows are millions of small objects that live until the end: the cyclic collector's full passes
    over them grew the import's time faster than its size. Reference counting still frees everything."""
    import functools
    import gc

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()

    return wrapper


@_without_gc
def samples_import(*, source, round_: Round, actor, filename: str = "", progress=None) -> TestingImportReport:
    """Import sampling records into `round_` (see the module docstring); the good rows land, whole tubes at a time.
    """
    progress = progress or _no_progress
    report = TestingImportReport()
    ensure_may_import_samples(actor, round_)
    columns, rows = _read(source, filename, required=SAMPLE_REQUIRED, expected=SAMPLE_COLUMNS, report=report)
    if rows is None:
        return report
    round_ = Round.objects.select_related("unit").get(pk=round_.pk)
    if round_.status != Round.Status.RUNNING:
        return report.refuse_file(_("Round %(round)s is not running (%(status)s).")
                                  % {"round": round_.name, "status": round_.get_status_display()})
    total = len(rows) * 2
    progress(0, total)
    parsed = _samples_parse(rows, columns, round_, actor, report, progress, total)
    states = _samples_assign(parsed, round_, report)
    progress(len(rows), total)
    _samples_write(states, round_, actor, report, progress, total)
    report.errors.sort(key=lambda e: e.line)
    if report.created:
        from fangkong.audit.services import audit_record

        audit_record(actor=actor, obj=round_, action="import", unit_path=round_.unit.path,
                     changes={"samples": (None, report.created), "tubes": (None, report.tubes_created)},
                     note=(filename or "")[:300])
    progress(total, total)
    return report


def _samples_parse(rows, columns, round_, actor, report, progress, total) -> list[tuple]:
    """Check each row on its own: (line, code, id_type, number, name, phone, sampled_at, point) for the good."""
    from fangkong.people.identity import normalize_phone, validate_document

    tz = timezone.get_current_timezone()
    latest = timezone.now() + datetime.timedelta(minutes=10)
    today = timezone.localdate()
    code_col, id_col, type_col = columns["tube_code"], columns["id_number"], columns.get("id_type")
    name_col, phone_col = columns.get("name"), columns.get("phone")
    time_col, point_col = columns["sampled_at"], columns["point_code"]
    point_codes = sorted({row.get(point_col, "") for _line, row in rows} - {""})
    points = {}
    for chunk in _chunks(point_codes):
        points.update({p.code: p for p in SamplingPoint.objects.filter(code__in=chunk).select_related("unit")})
    allowed = {code: _point_in_scope(actor, point) for code, point in points.items()}
    code_ok: dict[str, str] = {}
    label = _("tube code")
    parsed = []
    for index, (line, row) in enumerate(rows):
        if index % CHUNK == 0 and index:
            progress(index, total)
        errors = []
        raw_code = row.get(code_col, "")
        code = code_ok.get(raw_code)
        if code is None:
            try:
                code = services.clean_code(raw_code, field="tube_code", label=label)
            except ValidationError as exc:
                errors.append(_messages(exc))
                code = ""
            else:
                code_ok[raw_code] = code
        id_type = ID_TYPES.get(row.get(type_col, "") if type_col else "")
        if id_type is None:
            id_type = row.get(type_col, "").strip().lower()
        raw_number = row.get(id_col, "")
        number = None
        if id_type == "resident" and resident_id_ok(raw_number, today):
            number = raw_number
        else:
            try:
                identity = validate_document(id_type, raw_number)
            except ValidationError as exc:
                errors.append(_("id_number: %(error)s") % {"error": " ".join(exc.messages)})
            else:
                id_type, number = identity.id_type, identity.number
        phone = row.get(phone_col, "") if phone_col else ""
        if phone:
            try:
                phone = normalize_phone(phone)
            except ValidationError as exc:
                errors.append(_("phone: %(error)s") % {"error": " ".join(exc.messages)})
        raw_time = row.get(time_col, "")
        sampled_at = parse_time(raw_time, tz)
        if sampled_at is None:
            errors.append(_("sampled_at: “%(value)s” is not a time (YYYY-MM-DD HH:MM)") % {"value": raw_time[:30]})
        elif sampled_at > latest:
            errors.append(_("sampled_at: %(at)s is in the future") % {"at": _local(sampled_at)})
        elif sampled_at < round_.starts_at:
            errors.append(_("sampled_at: %(at)s is before the round started (%(start)s)")
                          % {"at": _local(sampled_at), "start": _local(round_.starts_at)})
        point_code = row.get(point_col, "")
        point = points.get(point_code)
        if point is None:
            errors.append(_("point_code: unknown sampling point “%(code)s”") % {"code": point_code[:40]})
        elif not allowed[point_code]:
            errors.append(_("point_code: sampling point “%(code)s” is outside your jurisdiction")
                          % {"code": point_code})
        if errors:
            report.reject(line, "; ".join(errors))
            continue
        name = " ".join(row.get(name_col, "").split())[:50] if name_col else ""
        parsed.append((line, code, id_type, number, name, phone, sampled_at, point))
    return parsed


def _samples_assign(parsed, round_: Round, report: TestingImportReport) -> dict[str, _TubeState]:
    """Put each good row in its tube, in file order, under the rules of tube_open and sample_add; the rows
    accepted carry what their Sample needs."""
    from fangkong.core.paths import is_within
    from fangkong.people.models import Person

    codes = sorted({p[1] for p in parsed})
    existing = {}
    for chunk in _chunks(codes):
        for tube in (Tube.objects.filter(code__in=chunk)
                     .values("pk", "code", "round_id", "round__name", "point_id", "point__code", "capacity", "size",
                             "status", "handover_id", "opened_at", "closed_at")):
            existing[tube["code"]] = tube
    documents: dict[str, list[str]] = {}
    for p in parsed:
        documents.setdefault(p[2], []).append(p[3])
    earlier = {}
    persons = {}
    if len(parsed) >= ANALYZE_ROWS:
        _analyze(Sample, Tube)
    if Sample.objects.filter(round=round_).exists():
        # Tube ids, not a join on the tube's code: PostgreSQL hashed the whole tube table for every chunk.
        tube_codes = {tube["pk"]: code for code, tube in existing.items()}
        for id_type, numbers in documents.items():
            for chunk in _chunks(sorted(set(numbers)), LOOKUP_CHUNK):
                for key_type, number, tube_id in (Sample.objects.filter(round=round_, id_type=id_type,
                                                                        id_number__in=chunk)
                                                  .values_list("id_type", "id_number", "tube_id").order_by()):
                    earlier[(key_type, number)] = tube_id
        others = sorted(set(earlier.values()) - set(tube_codes))
        for chunk in _chunks(others, LOOKUP_CHUNK):
            tube_codes.update(Tube.objects.filter(pk__in=chunk).values_list("pk", "code"))
        earlier = {key: tube_codes[tube_id] for key, tube_id in earlier.items()}
    unit_ids = set()
    for id_type, numbers in documents.items():
        for chunk in _chunks(sorted(set(numbers)), LOOKUP_CHUNK):
            # Only the id_number index: a join or an ordering let PostgreSQL, and "merged_into IS NULL" in the
            # query let SQLite, walk another index over the whole table for every chunk. Merged records are
            # skipped here instead.
            for row in (Person.objects.filter(id_type=id_type, id_number__in=chunk)
                        .values_list("id_type", "id_number", "pk", "unit_id", "name", "phone", "merged_into_id")
                        .order_by()):
                if row[6] is None:
                    persons.setdefault((row[0], row[1]), row[2:6])
                    unit_ids.add(row[3])
    unit_paths = {}
    for chunk in _chunks(sorted(unit_ids)):
        unit_paths.update(Unit.objects.filter(pk__in=chunk).values_list("pk", "path"))
    node_paths = list(round_.nodes.values_list("path", flat=True))
    extras = set(RoundExtra.objects.filter(round=round_).values_list("person_id", flat=True))
    in_nodes = {unit_id for unit_id, path in unit_paths.items() if any(is_within(path, n) for n in node_paths)}
    targets = {key for key, person in persons.items() if person[1] in in_nodes or person[0] in extras}
    target_units = {persons[key][1] for key in targets}
    cell_of_path = services.cells_for_paths(unit_paths[unit_id] for unit_id in target_units)
    cells = {unit_id: cell_of_path[unit_paths[unit_id]] for unit_id in target_units}

    states: dict[str, _TubeState] = {}
    in_file: dict[tuple, tuple[int, str]] = {}
    for line, code, id_type, number, name, phone, sampled_at, point in parsed:
        state = states.get(code)
        if state is None:
            state = states[code] = _tube_state(code, existing.get(code), round_, point, line)
        if state.refused:
            report.reject(line, state.refused)
            continue
        if state.point_id != point.pk:
            report.reject(line, _("point_code: tube %(code)s is at another sampling point (line %(line)d)")
                          % {"code": code, "line": state.first_line})
            continue
        key = (id_type, number)
        before = earlier.get(key)
        if before is not None:
            if before == code:
                report.unchanged += 1
            else:
                at = (Sample.objects.filter(round=round_, id_type=id_type, id_number=number)
                      .values_list("sampled_at", flat=True).first())
                report.reject(line, _("id_number: %(id)s was already sampled in this round, in tube %(tube)s at "
                                      "%(at)s.") % {"id": mask_id_number(number), "tube": before,
                                                    "at": _local(at) if at else "—"})
            continue
        seen = in_file.get(key)
        if seen is not None:
            if seen[1] == code:
                report.unchanged += 1
            else:
                report.reject(line, _("id_number: %(id)s is already on line %(line)d, in tube %(tube)s.")
                              % {"id": mask_id_number(number), "line": seen[0], "tube": seen[1]})
            continue
        person = persons.get(key)
        if not name and person is not None:
            name = person[2]
        if not name:
            report.reject(line, _("name: %(id)s is not on file: give the person's name.")
                          % {"id": mask_id_number(number)})
            continue
        if state.status not in (Tube.Status.OPEN, Tube.Status.CLOSED):
            report.reject(line, _("tube_code: tube %(code)s was already handed to a lab; its samples cannot "
                                  "change.") % {"code": code})
            continue
        if state.size >= state.capacity:
            report.reject(line, _("tube_code: tube %(code)s is full (%(size)d of %(capacity)d).")
                          % {"code": code, "size": state.size, "capacity": state.capacity})
            continue
        in_file[key] = (line, code)
        state.size += 1
        if person is not None:
            person_id, unit_id = person[0], person[1]
            cell = cells.get(unit_id) if key in targets else None
            phone = phone or person[3]
        else:
            person_id, unit_id, cell = None, point.unit_id, None
        state.rows.append((line, person_id, id_type, number, name, phone, unit_id, cell, sampled_at))
    return states


def _tube_state(code: str, tube: dict | None, round_: Round, point: SamplingPoint, line: int) -> _TubeState:
    if tube is None:
        return _TubeState(code=code, pk=None, point_id=point.pk, capacity=round_.pool_size, size=0,
                          status=Tube.Status.CLOSED, first_line=line)
    state = _TubeState(code=code, pk=tube["pk"], point_id=tube["point_id"], capacity=tube["capacity"],
                       size=tube["size"], status=tube["status"], opened_at=tube["opened_at"],
                       closed_at=tube["closed_at"], first_line=line)
    if tube["round_id"] != round_.pk:
        where = tube["round__name"] if tube["round_id"] else _("a single-tube re-check")
        state.refused = (_("tube_code: tube %(code)s was already used in %(where)s; a barcode is never used twice.")
                         % {"code": code, "where": where})
    elif tube["point_id"] != point.pk:
        state.refused = (_("point_code: tube %(code)s belongs to sampling point %(point)s.")
                         % {"code": code, "point": tube["point__code"] or "—"})
    return state


def _samples_write(states: dict[str, _TubeState], round_: Round, actor, report: TestingImportReport, progress,
                   total: int) -> None:
    """Whole tubes per transaction, a few thousand samples each."""
    user_id = actor.pk if actor is not None and actor.is_authenticated else None
    chunk: list[_TubeState] = []
    count = written = 0
    for state in (s for s in states.values() if s.rows):
        chunk.append(state)
        count += len(state.rows)
        if count >= CHUNK:
            written += _samples_write_chunk(chunk, round_, user_id, report)
            chunk, count = [], 0
            progress(report.rows + written, total)
    if chunk:
        _samples_write_chunk(chunk, round_, user_id, report)


class _Collision(IntegrityError):
    """Someone else wrote one of the chunk's tubes or people between our reads and our writes."""


def _samples_write_chunk(chunk: list[_TubeState], round_: Round, user_id, report: TestingImportReport) -> int:
    """One transaction: the new tubes, the existing ones grown, the samples, the coverage counters. A chunk that
    collides with a concurrent writer is rolled back whole and its rows reported: importing the file again then
    finds the new state."""
    rows = sum(len(s.rows) for s in chunk)
    new = [s for s in chunk if s.pk is None]
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # The chunk is safe to lose in a crash (the file imports again, idempotently): do not wait for
                # the WAL flush at each of a million rows' two hundred commits.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            point_units = dict(SamplingPoint.objects.filter(pk__in={s.point_id for s in new})
                               .values_list("pk", "unit_id"))
            insert_tubes([(s.code, round_.pk, Tube.Purpose.ROUND, s.point_id, point_units[s.point_id], s.capacity,
                           s.size, Tube.Status.CLOSED, min(r[8] for r in s.rows), user_id, max(r[8] for r in s.rows))
                          for s in new])
            tube_ids = {}
            for codes in _chunks([s.code for s in new]):
                tube_ids.update(Tube.objects.filter(code__in=codes).values_list("code", "pk"))
            for state in chunk:
                if state.pk is not None:
                    _existing_tube_grow(state)
            by_cell: dict[int, int] = {}
            samples = []
            for state in chunk:
                tube_id = state.pk or tube_ids[state.code]
                for _line, person_id, id_type, number, name, phone, unit_id, cell, at in state.rows:
                    samples.append((tube_id, round_.pk, person_id, id_type, number, name, phone, unit_id, cell, at,
                                    user_id))
                    if cell is not None:
                        by_cell[cell] = by_cell.get(cell, 0) + 1
            insert_samples(samples)
            if by_cell:
                services.coverage_add(round_=round_, sampled_by_cell=by_cell)
    except IntegrityError:
        for state in chunk:
            for row in state.rows:
                report.reject(row[0], _("tube_code: tube %(code)s or one of its people was written by someone "
                                        "else while this file was imported; import the file again.")
                              % {"code": state.code})
        return rows
    report.created += rows
    report.tubes_created += len(new)
    return rows


def _existing_tube_grow(state: _TubeState) -> None:
    """A tube already in the round (opened at the point, or by an earlier file) takes the new rows; it closes
    when full, an open one stays open for the sampler otherwise."""
    before = state.size - len(state.rows)
    last = max(r[8] for r in state.rows)
    fields = {"size": state.size}
    if state.status == Tube.Status.CLOSED:
        fields["closed_at"] = max(last, state.closed_at) if state.closed_at else last
    elif state.size >= state.capacity:
        fields["status"], fields["closed_at"] = Tube.Status.CLOSED, last
    if not Tube.objects.filter(pk=state.pk, size=before, status=state.status).update(**fields):
        raise _Collision(f"tube {state.code} changed")


_TUBE_FIELDS = ["code", "round", "purpose", "point", "unit", "capacity", "size", "status", "opened_at", "opened_by",
                "closed_at"]


def insert_tubes(rows: list[tuple]) -> None:
    """New closed tubes, in the order of _TUBE_FIELDS; every other column at its default (no lab, no result)."""
    _insert(Tube, _TUBE_FIELDS, rows)


_SAMPLE_FIELDS = ["tube", "round", "person", "id_type", "id_number", "name", "phone", "unit", "cell", "sampled_at",
                  "recorded_by"]


def insert_samples(rows: list[tuple]) -> None:
    """Rows in the order of _SAMPLE_FIELDS. They were checked; the table's constraints still guard against a
    concurrent writer."""
    _insert(Sample, _SAMPLE_FIELDS, rows)


def _insert(model, fields: list[str], rows: list[tuple]) -> None:
    """Straight into the table: COPY on PostgreSQL, one prepared INSERT over all rows (executemany) on SQLite,
    where bulk_create spent most of the import's time preparing fields. Columns not in `fields` (but the id) get
    the model's defaults."""
    if not rows:
        return
    meta = model._meta
    model_fields = [meta.get_field(name) for name in fields]
    rest = [f for f in meta.concrete_fields if f not in model_fields and not f.primary_key]
    defaults = tuple(f.get_db_prep_save(f.get_default(), connection) for f in rest)
    columns = [f.column for f in model_fields] + [f.column for f in rest]
    table = connection.ops.quote_name(meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row + defaults)
            return
        adapt = connection.ops.adapt_datetimefield_value
        times = [i for i, f in enumerate(model_fields) if f.get_internal_type() == "DateTimeField"]
        if times:
            rows = [tuple(adapt(v) if i in times else v for i, v in enumerate(row)) for row in rows]
        placeholders = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", [row + defaults for row in rows])


# --- lab results ---------------------------------------------------------------------------------------------


@_without_gc
def lab_results_import(*, source, actor, filename: str = "", progress=None) -> TestingImportReport:
    """Import a lab's results (see the module docstring). `created`: tubes given their result now."""
    progress = progress or _no_progress
    report = TestingImportReport()
    from fangkong.accounts.scope import ensure_capability

    ensure_capability(actor, "testing.result")
    columns, rows = _read(source, filename, required=RESULT_REQUIRED, expected=RESULT_COLUMNS, report=report)
    if rows is None:
        return report
    total = len(rows)
    progress(0, total)
    parsed = _results_parse(rows, columns, actor, report)
    negatives, one_by_one = _results_check(parsed, report)
    done = len(rows) - len(negatives) - len(one_by_one)
    progress(done, total)
    for chunk in _chunks(negatives, CHUNK):
        _negatives_write(chunk, actor, report, filename)
        done += len(chunk)
        progress(done, total)
    for item in one_by_one:
        _result_one(item, actor, report)
        done += 1
        if done % 100 == 0:
            progress(done, total)
    report.errors.sort(key=lambda e: e.line)
    progress(total, total)
    return report


def _results_parse(rows, columns, actor, report) -> list[dict]:
    tz = timezone.get_current_timezone()
    latest = timezone.now() + datetime.timedelta(minutes=10)
    known = set(RESULT_COLUMNS)
    extra_cols = [header for name, header in columns.items() if name not in known]
    code_col, result_col, lab_col = columns["tube_code"], columns["result"], columns["lab_code"]
    ct1_col, ctn_col, time_col = columns.get("ct_orf1ab"), columns.get("ct_n"), columns.get("tested_at")
    lab_codes = sorted({row.get(lab_col, "") for _line, row in rows} - {""})
    labs = {lab.code: lab for lab in Lab.objects.filter(code__in=lab_codes).select_related("unit")}
    mine = None if actor is None else set(LabStaff.objects.filter(user=actor).values_list("lab_id", flat=True))
    parsed = []
    label = _("tube code")
    for line, row in rows:
        errors = []
        try:
            code = services.clean_code(row.get(code_col, ""), field="tube_code", label=label)
        except ValidationError as exc:
            errors.append(_messages(exc))
            code = ""
        try:
            result = services.clean_result(row.get(result_col, ""))
        except ValidationError as exc:
            errors.append(_messages(exc))
            result = ""
        cts = []
        for name, col in (("ct_orf1ab", ct1_col), ("ct_n", ctn_col)):
            try:
                cts.append(services.clean_ct(row.get(col, "") if col else "", name))
            except ValidationError as exc:
                errors.append(_messages(exc))
        tested_at = None
        raw_time = row.get(time_col, "") if time_col else ""
        if raw_time:
            tested_at = parse_time(raw_time, tz)
            if tested_at is None:
                errors.append(_("tested_at: “%(value)s” is not a time (YYYY-MM-DD HH:MM)") % {"value": raw_time[:30]})
            elif tested_at > latest:
                errors.append(_("tested_at: %(at)s is in the future") % {"at": _local(tested_at)})
        lab_code = row.get(lab_col, "")
        lab = labs.get(lab_code)
        if lab is None:
            errors.append(_("lab_code: unknown lab “%(code)s”") % {"code": lab_code[:40]})
        elif mine is not None and lab.pk not in mine:
            errors.append(_("lab_code: you do not work for lab “%(code)s”") % {"code": lab_code})
        if errors:
            report.reject(line, "; ".join(errors))
            continue
        parsed.append({"line": line, "code": code, "result": result, "ct_orf1ab": cts[0], "ct_n": cts[1],
                       "tested_at": tested_at, "lab": lab, "extra": {h: row.get(h, "") for h in extra_cols}})
    return parsed


def _results_check(parsed: list[dict], report: TestingImportReport) -> tuple[list[dict], list[dict]]:
    """The checks of tube_result_record, on all rows at once: (negatives of round tubes to write in bulk, the
    rest to record one by one)."""
    if len(parsed) >= ANALYZE_ROWS:
        _analyze(Tube)
    tubes = {}
    for chunk in _chunks(sorted({p["code"] for p in parsed})):
        for tube in (Tube.objects.filter(code__in=chunk)
                     .values("pk", "code", "purpose", "status", "size", "result", "ct_orf1ab", "ct_n", "lab_id",
                             "opened_at", "result_recorded_at").order_by()):
            tubes[tube["code"]] = tube
    lab_names = dict(Lab.objects.values_list("pk", "name"))
    seen: dict[str, dict] = {}
    negatives, one_by_one = [], []
    for item in parsed:
        line, code = item["line"], item["code"]
        tube = tubes.get(code)
        if tube is None:
            report.reject(line, _("tube_code: no tube %(code)s was sampled.") % {"code": code})
            continue
        same = (item["result"], item["ct_orf1ab"], item["ct_n"])
        earlier = seen.get(code)
        if earlier is not None:
            if (earlier["result"], earlier["ct_orf1ab"], earlier["ct_n"]) == same:
                report.unchanged += 1
            else:
                report.reject(line, _("result: line %(line)d gives tube %(code)s another result.")
                              % {"line": earlier["line"], "code": code})
            continue
        seen[code] = item
        lab = item["lab"]
        if tube["lab_id"] and tube["lab_id"] != lab.pk:
            report.reject(line, _("tube_code: tube %(code)s was sent to %(lab)s, not to %(other)s.")
                          % {"code": code, "lab": lab_names.get(tube["lab_id"], ""), "other": lab.name})
            continue
        if tube["status"] == Tube.Status.OPEN or tube["size"] == 0:
            report.reject(line, _("tube_code: tube %(code)s is still being filled; it cannot have a result yet.")
                          % {"code": code})
            continue
        if item["tested_at"] is not None and item["tested_at"] < services.minute_of(tube["opened_at"]):
            report.reject(line, _("tested_at: %(at)s is before tube %(code)s was sampled.")
                          % {"at": _local(item["tested_at"]), "code": code})
            continue
        if tube["result"]:
            if (tube["result"], tube["ct_orf1ab"], tube["ct_n"]) == same:
                report.unchanged += 1
            else:
                report.reject(line, _("result: tube %(code)s already has the result “%(result)s” (recorded "
                                      "%(at)s); a different result needs the HQ to correct it.")
                              % {"code": code, "result": Result(tube["result"]).label,
                                 "at": _local(tube["result_recorded_at"])})
            continue
        item["pk"] = tube["pk"]
        if item["result"] == Result.NEGATIVE and tube["purpose"] == Tube.Purpose.ROUND:
            negatives.append(item)
        else:
            one_by_one.append(item)
    return negatives, one_by_one


def _negatives_write(chunk: list[dict], actor, report: TestingImportReport, filename: str = "") -> None:
    """One UPDATE for the chunk, only of tubes still without a result; if another writer got to one of them
    first, the chunk is rolled back and its rows recorded one by one instead."""
    from fangkong.audit.services import audit_record

    now = timezone.now()
    try:
        with transaction.atomic():
            updated = _update_negatives(chunk, now)
            if updated != len(chunk):
                raise _Collision("a tube got its result meanwhile")
            # One audit row per lab and chunk, not per tube: at 100,000 negatives a row each was most of the
            # import's time. The tubes themselves keep the lab and result_recorded_at.
            by_lab: dict[int, list[dict]] = {}
            for item in chunk:
                by_lab.setdefault(item["lab"].pk, []).append(item)
            for items in by_lab.values():
                lab = items[0]["lab"]
                audit_record(actor=actor, obj=lab, action="results_import", unit_path=lab.unit.path,
                             changes={"negative": (None, len(items))},
                             note=f"{filename[:100]}: {items[0]['code']} … {items[-1]['code']}")
    except _Collision:
        for item in chunk:
            _result_one(item, actor, report)
        return
    report.created += len(chunk)


def _update_negatives(chunk: list[dict], now: datetime.datetime) -> int:
    """One UPDATE of the chunk's tubes that still have no result; returns how many it changed."""
    table = connection.ops.quote_name(Tube._meta.db_table)
    sets = (f"result = %s, status = %s, ct_orf1ab = v.column2, ct_n = v.column3, tested_at = v.column4, "
            f"lab_id = v.column5, received_at = COALESCE({table}.received_at, v.column4), result_recorded_at = %s, "
            f"lab_extra = v.column6")
    extras = [json.dumps(item["extra"], ensure_ascii=False) for item in chunk]
    if connection.vendor == "postgresql":
        # Six arrays rather than six parameters a row: the driver no longer splices 30,000 placeholders.
        sql = (f"UPDATE {table} SET {sets} FROM unnest(%s::bigint[], %s::numeric[], %s::numeric[], "
               f"%s::timestamptz[], %s::bigint[], %s::jsonb[]) AS v(column1, column2, column3, column4, column5, "
               f"column6) WHERE {table}.id = v.column1 AND {table}.result = ''")
        params = [Result.NEGATIVE, Tube.Status.RESULTED, now, [item["pk"] for item in chunk],
                  [item["ct_orf1ab"] for item in chunk], [item["ct_n"] for item in chunk],
                  [item["tested_at"] or now for item in chunk], [item["lab"].pk for item in chunk], extras]
    else:
        adapt_time, adapt_decimal = connection.ops.adapt_datetimefield_value, connection.ops.adapt_decimalfield_value
        # VALUES columns are column1, column2, ... (SQLite takes no column list after the alias).
        values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(chunk))
        sql = (f"UPDATE {table} SET {sets} FROM (VALUES {values}) AS v "
               f"WHERE {table}.id = v.column1 AND {table}.result = ''")
        params = [Result.NEGATIVE, Tube.Status.RESULTED, adapt_time(now)]
        for item, extra in zip(chunk, extras, strict=True):
            params += [item["pk"], adapt_decimal(item["ct_orf1ab"], 4, 1), adapt_decimal(item["ct_n"], 4, 1),
                       adapt_time(item["tested_at"] or now), item["lab"].pk, extra]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _result_one(item: dict, actor, report: TestingImportReport) -> None:
    tube = Tube.objects.get(pk=item["pk"])
    try:
        tube, changed = services.tube_result_record(tube=tube, result=item["result"], actor=actor,
                                                    ct_orf1ab=item["ct_orf1ab"], ct_n=item["ct_n"],
                                                    tested_at=item["tested_at"], lab=item["lab"],
                                                    extra=item["extra"])
    except ValidationError as exc:
        report.reject(item["line"], _messages(exc))
        return
    except PermissionDenied:
        report.reject(item["line"], _("lab_code: you do not work for lab “%(code)s”") % {"code": item["lab"].code})
        return
    if not changed:
        report.unchanged += 1
        return
    report.created += 1
    if tube.result != Result.NEGATIVE:
        report.recalls.append(tube.code)


# --- background jobs -----------------------------------------------------------------------------------------


def import_summary(report: TestingImportReport) -> str:
    if report.unreadable:
        return report.errors[0].message if report.errors else _("The file could not be read.")
    return (_("%(created)d rows imported, %(unchanged)d unchanged, %(rejected)d rejected.")
            % {"created": report.created, "unchanged": report.unchanged, "rejected": len(report.errors)})


def job_result(report: TestingImportReport) -> dict:
    """What the progress box shows: the counts, one line, and the first rejected rows with their lines."""
    return {"created": report.created, "updated": report.updated, "unchanged": report.unchanged,
            "rejected": len(report.errors), "rows": report.rows, "unreadable": report.unreadable,
            "recalls": report.recalls[:200], "message": import_summary(report),
            "errors": [{"line": e.line, "message": e.message} for e in report.errors[:JOB_ERRORS_SHOWN]]}


def _actor(actor_id):
    from fangkong.accounts.models import User

    return User.objects.filter(pk=actor_id).first() if actor_id else None


def samples_import_job(*, progress, path: str, round_id: int, filename: str = "", actor_id: int | None = None) -> dict:
    """samples_import as a background job (ops.start_job); running it again after a killed worker is harmless."""
    round_ = Round.objects.get(pk=round_id)
    with open(path, "rb") as fh:
        data = fh.read()
    report = samples_import(source=data, round_=round_, actor=_actor(actor_id), filename=filename or path,
                            progress=progress)
    return job_result(report)


def lab_results_import_job(*, progress, path: str, filename: str = "", actor_id: int | None = None) -> dict:
    with open(path, "rb") as fh:
        data = fh.read()
    report = lab_results_import(source=data, actor=_actor(actor_id), filename=filename or path, progress=progress)
    return job_result(report)


def _save_upload(upload, kind: str) -> str:
    from django.utils.crypto import get_random_string

    folder = settings.MEDIA_ROOT / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    suffix = os.path.splitext(upload.name or "")[1].lower()
    if suffix not in (".csv", ".xlsx", ".parquet"):
        suffix = ".csv"
    path = folder / f"{kind}-{timezone.now():%Y%m%d-%H%M%S}-{get_random_string(8)}{suffix}"
    with open(path, "wb") as fh:
        for chunk in upload.chunks():
            fh.write(chunk)
    return str(path)


def samples_import_start(*, upload, round_: Round, actor):
    """Keeps the uploaded file under MEDIA_ROOT/imports and queues samples_import_job for it; returns the Job."""
    from fangkong.ops.services import start_job

    ensure_may_import_samples(actor, round_)
    path = _save_upload(upload, "samples")
    label = _("Import sampling records into %(round)s: %(name)s") % {"round": round_.name, "name": upload.name[:100]}
    return start_job(kind="testing_samples_import", label=label, actor=actor,
                     func_path="fangkong.testing.imports.samples_import_job",
                     kwargs={"path": path, "round_id": round_.pk, "filename": upload.name[:200],
                             "actor_id": actor.pk if actor else None})


def lab_results_import_start(*, upload, actor):
    from fangkong.accounts.scope import ensure_capability
    from fangkong.ops.services import start_job

    ensure_capability(actor, "testing.result")
    path = _save_upload(upload, "lab-results")
    label = _("Import lab results: %(name)s") % {"name": upload.name[:100]}
    return start_job(kind="testing_lab_results_import", label=label, actor=actor,
                     func_path="fangkong.testing.imports.lab_results_import_job",
                     kwargs={"path": path, "filename": upload.name[:200], "actor_id": actor.pk if actor else None})
