"""逐户建档 from a CSV file: households and their members, all or nothing.

Header: name,id_type,id_number,phone,building_code,door,address,tags
(or 姓名,证件类型,证件号码,电话,楼栋编码,门牌,地址,标签). Tags are separated by ";", "、" or "|".
"""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fangkong.accounts.scope import unit_in_scope
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
    save_upload,
)
from fangkong.core.masking import mask_address, mask_id_number, mask_phone
from fangkong.people.identity import normalize_phone, validate_document
from fangkong.people.models import Household, IdType, ManagementStatus, Person, PersonTag, StatusChange, Tag
from fangkong.people.search import name_keys, reversed_key
from fangkong.territory.models import Level, Unit

COLUMNS = ["name", "id_type", "id_number", "phone", "building_code", "door", "address", "tags"]
REQUIRED = ["name", "id_number", "building_code", "door"]
CHINESE_COLUMNS = {
    "姓名": "name", "证件类型": "id_type", "证件号码": "id_number", "身份证号": "id_number", "电话": "phone",
    "手机": "phone", "楼栋编码": "building_code", "门牌": "door", "门牌号": "door", "地址": "address", "标签": "tags",
}
_ID_TYPE_WORDS = {
    "": IdType.RESIDENT, "身份证": IdType.RESIDENT, "居民身份证": IdType.RESIDENT, "护照": IdType.PASSPORT,
    "港澳居民来往内地通行证": IdType.HK_MACAO, "回乡证": IdType.HK_MACAO, "港澳": IdType.HK_MACAO,
    "台湾居民来往大陆通行证": IdType.TAIWAN, "台胞证": IdType.TAIWAN, "台湾": IdType.TAIWAN, "其他": IdType.OTHER,
}
_TAG_WORDS = {
    "独居老人": Tag.ELDERLY_ALONE, "空巢老人": Tag.ELDERLY_ALONE, "慢性病": Tag.CHRONIC, "慢病": Tag.CHRONIC,
    "孕妇": Tag.PREGNANT, "孕产妇": Tag.PREGNANT, "婴幼儿": Tag.INFANT, "儿童": Tag.INFANT, "残疾": Tag.DISABLED,
    "残疾人": Tag.DISABLED, "医务人员": Tag.MEDICAL, "冷链": Tag.COLD_CHAIN, "冷链从业人员": Tag.COLD_CHAIN,
    "交通运输": Tag.TRANSPORT, "交通运输从业人员": Tag.TRANSPORT, "隔离点工作人员": Tag.QUARANTINE_STAFF,
}
_TAG_SPLIT = re.compile(r"[;；、|]")
_CHUNK = 500


def _choice_lookup(choices, extra: dict) -> dict[str, str]:
    """Codes, English labels and Chinese labels of a choice set, all mapping to the code."""
    lookup = {code.lower(): code for code in choices.values}
    for lang in ("en", "zh-hans", "zh-hant"):
        with translation.override(lang):
            lookup.update({str(label).strip().lower(): code for code, label in choices.choices})
    lookup.update(extra)
    return lookup


def people_import_csv(*, source, actor, progress=None, once: bool = False) -> ImportReport:
    """Read the file, check every row, then write everything in one transaction — or nothing.

    Rejected rows (bad ID, unknown building, building outside the importer's scope, an ID twice in the
    file or already on file) come back in the report with their line numbers. With `once`, a file whose
    exact content was imported before is not imported again (a background job run a second time after
    its worker died).
    """
    report = ImportReport()
    if once:
        data = source if isinstance(source, bytes) else source.encode("utf-8")
        checksum = file_checksum(data)
        previous = previous_import(KIND, checksum)
        if previous is not None:
            report.already_imported_at = previous.created_at
            return report
    try:
        header, rows = read_csv_rows(source)
    except (UnicodeDecodeError, ValueError) as exc:
        report.reject(1, _("The file could not be read as CSV: %(error)s") % {"error": exc})
        return report
    rows = rows_by_column(header, rows, aliases=CHINESE_COLUMNS, required=REQUIRED, expected=COLUMNS, report=report)
    if rows is None:
        return report
    try:
        # Checking reads only, outside the write transaction: the import's progress is visible meanwhile
        # and the database stays writable for everyone else until the rows are known to be good.
        parsed, seen = _validate(rows, actor, report, progress or _no_progress)
        with transaction.atomic():
            _reject_on_file(parsed, seen, report)
            _write(parsed, actor, report)
            if once:
                record_import(KIND, checksum, report.created)
    except ImportRejected as exc:
        return exc.report
    if progress:
        progress(len(rows), len(rows))
    return report


def people_import_job(*, progress, path: str, actor_id: int | None = None) -> dict:
    """The import as a background job (ops.start_job): safe to run again after its worker was killed."""
    from fangkong.accounts.models import User

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    with open(path, "rb") as fh:
        data = fh.read()
    report = people_import_csv(source=data, actor=actor, progress=progress, once=True)
    imported = ngettext("%(count)d person imported.", "%(count)d persons imported.", report.created)
    imported %= {"count": report.created}
    return import_job_result(report, imported)


KIND = "people"


def people_import_start(*, upload, actor):
    """Keeps the uploaded file and queues people_import_job for it."""
    from fangkong.ops.services import start_job

    path = save_upload(upload, kind="people")
    return start_job(kind="people_import", label=_("Import people: %(name)s") % {"name": upload.name[:100]},
                     actor=actor, func_path="fangkong.people.imports.people_import_job",
                     kwargs={"path": path, "actor_id": actor.pk if actor else None})


def _no_progress(done, total=None):
    pass


def _validate(rows, actor, report: ImportReport, progress):
    id_types = _choice_lookup(IdType, _ID_TYPE_WORDS)
    tag_names = _choice_lookup(Tag, _TAG_WORDS)
    codes = {row.get("building_code", "") for _line, row in rows}
    buildings = {u.code: u for u in Unit.objects.filter(code__in=codes)}
    seen: dict[tuple[str, str], int] = {}
    parsed = []
    total = len(rows)
    for index, (line, row) in enumerate(rows):
        if index % _CHUNK == 0:
            progress(index, total)
        errors = []
        name = " ".join(row.get("name", "").split())
        if not name:
            errors.append(_("name is empty"))
        id_type = id_types.get(row.get("id_type", "").strip().lower())
        identity = None
        if id_type is None:
            errors.append(_("unknown ID type “%(type)s”") % {"type": row.get("id_type")})
        else:
            try:
                identity = validate_document(id_type, row.get("id_number", ""))
            except ValidationError as exc:
                errors.append(" ".join(exc.messages))
        try:
            phone = normalize_phone(row.get("phone", ""))
        except ValidationError as exc:
            errors.append(" ".join(exc.messages))
            phone = ""
        code = row.get("building_code", "")
        building = buildings.get(code)
        if not code:
            errors.append(_("building code is empty"))
        elif building is None or building.level != Level.BUILDING:
            errors.append(_("unknown building code “%(code)s”") % {"code": code})
        elif actor is not None and not unit_in_scope(actor, building, "change", capability_app="people"):
            errors.append(_("building “%(code)s” is outside your jurisdiction") % {"code": code})
        door = row.get("door", "").strip()
        if not door:
            errors.append(_("door is empty"))
        tags = set()
        for word in filter(None, (w.strip() for w in _TAG_SPLIT.split(row.get("tags", "")))):
            tag = tag_names.get(word.lower())
            if tag is None:
                errors.append(_("unknown tag “%(tag)s”") % {"tag": word})
            tags.add(tag)
        if identity is not None:
            key = (identity.id_type, identity.number)
            if key in seen:
                errors.append(_("the same ID number is on line %(line)d") % {"line": seen[key]})
            else:
                seen[key] = line
        if errors:
            report.reject(line, "; ".join(errors))
            continue
        parsed.append((line, name, identity, phone, building, door, row.get("address", "").strip()[:200], tags))

    return parsed, seen


def _reject_on_file(parsed, seen, report: ImportReport) -> None:
    on_file = _already_on_file(seen)
    for line, _name, identity, *_rest in parsed:
        if (identity.id_type, identity.number) in on_file:
            report.reject(line, _("this ID number is already on file"))
    if not report.ok:
        report.errors.sort(key=lambda e: e.line)
        raise ImportRejected(report)


def _write(parsed, actor, report: ImportReport) -> None:
    households = _households_for(parsed)
    now = timezone.now()
    persons = []
    for _line, name, identity, phone, building, door, address, _tags in parsed:
        household = households[(building.pk, door)]
        keys = name_keys(name)
        persons.append(Person(
            name=name, name_simplified=keys.simplified[:50], name_pinyin=keys.pinyin[:200],
            name_initials=keys.initials[:50], id_type=identity.id_type, id_number=identity.number,
            id_number_rev=reversed_key(identity.number), birth_date=identity.birth_date, sex=identity.sex,
            phone=phone, phone_rev=reversed_key(phone), household=household, unit=building,
            address=address or household.address, status=ManagementStatus.NORMAL, status_since=now,
        ))
    Person.objects.bulk_create(persons, batch_size=1000)
    if any(p.pk is None for p in persons):
        # Backends that do not return ids from a bulk insert: read them back by document.
        ids = dict(Person.objects.filter(created_at__gte=now, merged_into__isnull=True)
                   .values_list("id_number", "pk"))
        for person in persons:
            person.pk = ids[person.id_number]
    PersonTag.objects.bulk_create(
        [PersonTag(person=p, tag=t) for p, row in zip(persons, parsed, strict=True) for t in sorted(row[7])],
        batch_size=1000,
    )
    user = actor if actor is not None and actor.is_authenticated else None
    StatusChange.objects.bulk_create(
        [StatusChange(person=p, from_status="", to_status=p.status, at=now, cause=_("Imported"), actor=user)
         for p in persons], batch_size=1000,
    )
    # One audit row per person, as person_create writes, in bulk.
    audit_record_many(actor=actor, model=Person, action="import", entries=(
        (p, p.unit.path, {"name": [None, p.name], "id_type": [None, p.id_type],
                          "id_number": [None, mask_id_number(p.id_number)], "phone": [None, mask_phone(p.phone)],
                          "address": [None, mask_address(p.address)], "household": [None, p.household_id]})
        for p in persons))
    report.created = len(persons)


def _already_on_file(keys: dict) -> set[tuple[str, str]]:
    found = set()
    numbers = sorted({number for _type, number in keys})
    for start in range(0, len(numbers), _CHUNK):
        chunk = numbers[start:start + _CHUNK]
        found.update(Person.objects.filter(id_number__in=chunk, merged_into__isnull=True)
                     .values_list("id_type", "id_number"))
    return found & set(keys)


def _households_for(parsed) -> dict[tuple[int, str], Household]:
    wanted = {(row[4].pk, row[5]): row for row in parsed}
    buildings = {row[4].pk: row[4] for row in parsed}
    existing = {}
    for household in Household.objects.filter(unit_id__in=buildings).select_related("unit"):
        if (household.unit_id, household.number) in wanted:
            existing[(household.unit_id, household.number)] = household
    new = [Household(unit=buildings[unit_id], number=door, address=wanted[(unit_id, door)][6])
           for unit_id, door in wanted if (unit_id, door) not in existing]
    if new:
        Household.objects.bulk_create(new, batch_size=1000)
        existing = {(h.unit_id, h.number): h for h in Household.objects.filter(unit_id__in=buildings)
                    .select_related("unit") if (h.unit_id, h.number) in wanted}
    return existing
