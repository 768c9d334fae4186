"""外地协查名单: lists of travellers another city asks us to find, as CSV (UTF-8, BOM, GB18030) or Excel.

Columns: name,id_number,phone,origin,left_on,destination,address
(or 姓名,身份证号,手机,来源地,离开日期,目的地编码,目的地址). `destination` is the code of a street, community or
grid. All or nothing: any bad row and nothing is written; every bad row is reported with its line and field.

Two phases. The import proper checks every row, then writes the list's arrivals in bulk in one transaction (a
traveller already arriving through another channel within 14 days gets the channel added, not a second arrival).
Then the hand-over: each new arrival is put on file and given the protocol's measures and first-contact task,
a chunk per transaction, with progress — a background job for a large list (ops.start_job).
"""

import datetime
import io

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fangkong.accounts.scope import unit_in_scope
from fangkong.arrivals.models import Arrival, ArrivalSource, Channel, ImportBatch
from fangkong.arrivals.origins import assess_origin, parse_day
from fangkong.arrivals.services import DEDUPE_DAYS, arrival_start_measures
from fangkong.audit.services import audit_record_many
from fangkong.core.imports import (
    ImportRejected,
    ImportReport,
    file_checksum,
    import_job_result,
    previous_import,
    read_csv_rows,
    record_import,
    rows_by_column,
)
from fangkong.core.masking import mask_id_number, mask_phone
from fangkong.territory.models import Level, Unit

KIND = "arrivals_coordination_list"
COLUMNS = ["name", "id_number", "phone", "origin", "left_on", "destination", "address"]
REQUIRED = ["name", "id_number", "origin", "left_on", "destination"]
CHINESE_COLUMNS = {
    "姓名": "name", "身份证号": "id_number", "身份证号码": "id_number", "证件号码": "id_number", "手机": "phone",
    "手机号": "phone", "电话": "phone", "联系电话": "phone", "来源地": "origin", "出发地": "origin",
    "来自": "origin", "风险地区": "origin", "离开日期": "left_on", "离开时间": "left_on", "离开风险地区日期": "left_on",
    "目的地编码": "destination", "节点编码": "destination", "网格编码": "destination", "目的地址": "address",
    "目的地地址": "address", "地址": "address", "现住址": "address",
}
# Files up to this size are imported while the page waits; larger ones go to the worker with progress.
IMPORT_INLINE_MAX_BYTES = 128 * 1024
_CHUNK = 1000


def read_rows(source, filename: str = "") -> tuple[list[str], list[tuple[int, dict]]]:
    """(header, [(line, row)]) from CSV bytes/text or an .xlsx workbook (first sheet)."""
    data = source.read() if hasattr(source, "read") else source
    if isinstance(data, bytes) and (filename.lower().endswith(".xlsx") or data[:2] == b"PK"):
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [str(h or "").strip() for h in next(rows, ())]
        out = []
        for index, values in enumerate(rows):
            if values is None or all(v in (None, "") for v in values):
                continue
            out.append((index + 2, {h: _cell(v) for h, v in zip(header, values, strict=False) if h}))
        return header, out
    return read_csv_rows(data)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime | datetime.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _no_progress(done, total=None):
    pass


def coordination_list_import(*, source, actor, filename: str = "", progress=None, once: bool = False,
                             hand_over: bool = True) -> ImportReport:
    """Import a list; with `hand_over` also start each new arrival's measures (see the module docstring)."""
    progress = progress or _no_progress
    report = ImportReport()
    data = source.read() if hasattr(source, "read") else source
    if once:
        checksum = file_checksum(data if isinstance(data, bytes) else data.encode("utf-8"))
        previous = previous_import(KIND, checksum)
        if previous is not None:
            report.already_imported_at = previous.created_at
            return report
    try:
        header, rows = read_rows(data, filename)
    except (UnicodeDecodeError, ValueError, KeyError, OSError) as exc:
        report.reject(1, _("The file could not be read: %(error)s") % {"error": exc})
        return report
    rows = rows_by_column(header, rows, aliases=CHINESE_COLUMNS, required=REQUIRED, expected=COLUMNS, report=report)
    if rows is None:
        return report
    total = len(rows)
    parsed = _validate(rows, actor, report, progress)
    if not report.ok:
        return report
    try:
        with transaction.atomic():
            batch = ImportBatch.objects.create(label=(filename or _("coordination list"))[:200], rows=total,
                                               created_by=actor if actor and actor.is_authenticated else None)
            new_ids = _write(parsed, batch, actor, report)
            if once:
                record_import(KIND, checksum, report.created)
    except ImportRejected as exc:
        return exc.report
    progress(total, total * 2 if hand_over else total)
    if hand_over:
        hand_over_arrivals(arrival_ids=new_ids, progress=lambda done, _t=None: progress(total + done, total * 2))
    return report


def _validate(rows, actor, report: ImportReport, progress) -> list[dict]:
    from fangkong.people.identity import normalize_phone, validate_document
    from fangkong.people.models import IdType

    codes = {row.get("destination", "") for _line, row in rows}
    units = {}
    code_list = sorted(c for c in codes if c)
    for start in range(0, len(code_list), 500):
        units.update({u.code: u for u in Unit.objects.filter(code__in=code_list[start:start + 500])})
    today = timezone.localdate()
    cache: dict = {}
    seen: dict[str, int] = {}
    parsed = []
    for index, (line, row) in enumerate(rows):
        if index % _CHUNK == 0:
            progress(index, len(rows) * 2)
        errors = []
        name = " ".join(row.get("name", "").split())
        if not name:
            errors.append(_("name: empty"))
        identity = None
        try:
            identity = validate_document(IdType.RESIDENT, row.get("id_number", ""))
        except ValidationError as exc:
            errors.append(_("id_number: %(error)s") % {"error": " ".join(exc.messages)})
        try:
            phone = normalize_phone(row.get("phone", ""))
        except ValidationError as exc:
            phone = ""
            errors.append(_("phone: %(error)s") % {"error": " ".join(exc.messages)})
        origin_text = row.get("origin", "").strip()
        if not origin_text:
            errors.append(_("origin: empty"))
        left_on = parse_day(row.get("left_on", ""))
        if left_on is None:
            errors.append(_("left_on: “%(value)s” is not a date (YYYY-MM-DD)") % {"value": row.get("left_on", "")})
        elif left_on > today:
            errors.append(_("left_on: %(value)s is in the future") % {"value": left_on.isoformat()})
        code = row.get("destination", "").strip()
        unit = units.get(code)
        if not code:
            errors.append(_("destination: empty"))
        elif unit is None or unit.level < Level.STREET or unit.level == Level.BUILDING:
            errors.append(_("destination: unknown street, community or grid code “%(code)s”") % {"code": code})
        elif actor is not None and not unit_in_scope(actor, unit, "import", capability_app="arrivals"):
            errors.append(_("destination: “%(code)s” is outside your jurisdiction") % {"code": code})
        if identity is not None:
            if identity.number in seen:
                errors.append(_("id_number: the same ID number is on line %(line)d") % {"line": seen[identity.number]})
            else:
                seen[identity.number] = line
        if errors:
            report.reject(line, "; ".join(errors))
            continue
        # An origin nobody can resolve is kept and flagged for a human, never a reason to drop the row.
        origin = assess_origin(origin_text, cache=cache)
        parsed.append({"line": line, "name": name[:50], "id_type": identity.id_type, "id_number": identity.number,
                       "phone": phone, "origin": origin, "left_on": left_on, "unit": unit,
                       "address": row.get("address", "").strip()[:200]})
    return parsed


def _write(parsed: list[dict], batch: ImportBatch, actor, report: ImportReport) -> list[int]:
    today = timezone.localdate()
    user = actor if actor is not None and actor.is_authenticated else None
    numbers = [p["id_number"] for p in parsed]
    open_by_number = {}
    since = today - datetime.timedelta(days=DEDUPE_DAYS)
    for start in range(0, len(numbers), _CHUNK):
        for arrival in (Arrival.objects.select_for_update()
                        .filter(id_number__in=numbers[start:start + _CHUNK], status=Arrival.Status.OPEN,
                                arrived_on__gte=since).order_by("arrived_on", "pk")):
            open_by_number[arrival.id_number] = arrival
    persons = _persons_by_number(numbers)
    joined, new, channel_added = [], [], []
    for p in parsed:
        existing = open_by_number.get(p["id_number"])
        if existing is not None:
            joined.append(existing)
            if Channel.COORDINATION_LIST not in existing.channels:
                existing.channels = [*existing.channels, Channel.COORDINATION_LIST]
                channel_added.append(existing)
            continue
        person = persons.get(p["id_number"])
        origin = p["origin"]
        new.append(Arrival(
            person_id=person, name=p["name"], id_type=p["id_type"], id_number=p["id_number"], phone=p["phone"],
            origin_code=origin.code, origin_name=origin.text[:200], origin_level=origin.level or "",
            left_origin_on=p["left_on"], arrived_on=today, destination=p["unit"], destination_address=p["address"],
            channels=[Channel.COORDINATION_LIST], created_by=user,
        ))
    if channel_added:
        Arrival.objects.bulk_update(channel_added, ["channels"], batch_size=_CHUNK)
    Arrival.objects.bulk_create(new, batch_size=_CHUNK)
    if any(a.pk is None for a in new):
        # Backends that do not return ids from a bulk insert: read them back by document.
        ids = dict(Arrival.objects.filter(id_number__in=[a.id_number for a in new], status=Arrival.Status.OPEN,
                                          arrived_on=today).values_list("id_number", "pk"))
        for arrival in new:
            arrival.pk = ids[arrival.id_number]
    ArrivalSource.objects.bulk_create(
        [ArrivalSource(arrival=a, channel=Channel.COORDINATION_LIST, batch=batch, recorded_by=user)
         for a in [*new, *joined]], batch_size=_CHUNK)
    audit_record_many(actor=actor, model=Arrival, action="import", entries=(
        (a, a.destination.path, {"channel": [None, Channel.COORDINATION_LIST], "origin": [None, a.origin_name],
                                 "level": [None, a.origin_level], "id_number": [None, mask_id_number(a.id_number)],
                                 "phone": [None, mask_phone(a.phone)]})
        for a in new))
    report.created, report.updated = len(new), len(joined)
    return [a.pk for a in new]


def _persons_by_number(numbers: list[str]) -> dict[str, int]:
    from fangkong.people.models import IdType
    from fangkong.people.selectors import persons_by_documents

    return persons_by_documents(id_type=IdType.RESIDENT, id_numbers=numbers, chunk=_CHUNK)


def hand_over_arrivals(*, arrival_ids: list[int], progress=None, chunk: int = 200) -> int:
    """Put each arrival's person on file and start the protocol's measures: a chunk per transaction, resumable
    (an arrival that already has its first-contact task is skipped)."""
    from fangkong.arrivals.services import _person_for

    progress = progress or _no_progress
    done = 0
    for start in range(0, len(arrival_ids), chunk):
        with transaction.atomic():
            for arrival in (Arrival.objects.select_related("destination")
                            .filter(pk__in=arrival_ids[start:start + chunk], first_contact_task__isnull=True)):
                if arrival.person_id is None:
                    arrival.person = _person_for(name=arrival.name, id_type=arrival.id_type,
                                                 id_number=arrival.id_number, phone=arrival.phone,
                                                 destination=arrival.destination,
                                                 destination_address=arrival.destination_address, actor=None)
                    arrival.save(update_fields=["person"])
                arrival_start_measures(arrival=arrival)
        done = min(len(arrival_ids), start + chunk)
        progress(done, len(arrival_ids))
    return done


def coordination_list_job(*, progress, path: str, filename: str = "", actor_id: int | None = None) -> dict:
    """The import as a background job (ops.start_job); safe to run again after its worker was killed."""
    from fangkong.accounts.models import User

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    with open(path, "rb") as fh:
        data = fh.read()
    report = coordination_list_import(source=data, actor=actor, filename=filename, progress=progress, once=True)
    imported = ngettext("%(count)d arrival imported.", "%(count)d arrivals imported.", report.created)
    imported %= {"count": report.created}
    return import_job_result(report, imported)


def coordination_list_start(*, upload, actor):
    """Keeps the uploaded file under MEDIA_ROOT/imports and queues coordination_list_job for it."""
    from django.conf import settings
    from django.utils.crypto import get_random_string

    from fangkong.ops.services import start_job

    folder = settings.MEDIA_ROOT / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ".xlsx" if upload.name.lower().endswith(".xlsx") else ".csv"
    path = folder / f"arrivals-{timezone.now():%Y%m%d-%H%M%S}-{get_random_string(8)}{suffix}"
    with open(path, "wb") as fh:
        for chunk in upload.chunks():
            fh.write(chunk)
    label = _("Import coordination list: %(name)s") % {"name": upload.name[:100]}
    return start_job(kind="arrivals_import", label=label, actor=actor,
                     func_path="fangkong.arrivals.imports.coordination_list_job",
                     kwargs={"path": str(path), "filename": upload.name[:200], "actor_id": actor.pk if actor else None})
