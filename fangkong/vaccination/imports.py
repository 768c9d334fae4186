"""Doses from a file (CSV, GB18030 or UTF-8, or Excel): 身份证号,姓名,疫苗,剂次,接种日期,接种单位[,接种单位编码,批号]
(or id_number,name,product,dose,date,site,site_code,batch; an optional 证件类型 / id_type column).

Good rows are imported, bad rows are reported with their line and reason and nothing of them is written, as the
testing imports do: a district cannot wait for a file of 200,000 doses to be perfect. A file that cannot be used
at all (unreadable, a required column missing, no rows) is refused whole and writes nothing.

A row is rejected when the ID number is invalid (GB 11643, python-stdnum), no person with it is on file in the
importer's jurisdiction (a dose never creates a person), the name differs from the person on file, the product
is unknown, the dose is not 1–5, the date is in the future or before 2020-07-22 (the start of emergency use in
China), the site is missing, the same person's dose is twice in the file, the person's doses would be out of
order, or the dose on file for that number has another date or product. A row equal to the dose on file is
"unchanged": importing the same file twice changes nothing.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fangkong.accounts.scope import ensure_capability
from fangkong.audit.services import audit_record
from fangkong.core.imports import ImportReport, read_table, rows_by_column, save_upload
from fangkong.core.paths import subtree_q
from fangkong.people.identity import resident_id_ok, validate_document
from fangkong.people.models import IdType, Person
from fangkong.people.search import name_keys
from fangkong.vaccination.models import MAX_DOSE, Dose, DoseImport, Product

COLUMNS = ["id_number", "name", "product", "dose", "date", "site", "site_code", "batch"]
REQUIRED = ["id_number", "name", "product", "dose", "date"]
ALIASES = {
    "身份证号": "id_number", "身份证号码": "id_number", "证件号码": "id_number", "证件号": "id_number",
    "证件类型": "id_type", "姓名": "name", "疫苗": "product", "疫苗名称": "product", "疫苗种类": "product",
    "疫苗厂家": "product", "生产企业": "product", "剂次": "dose", "针次": "dose", "接种剂次": "dose",
    "接种日期": "date", "接种时间": "date", "日期": "date", "接种单位": "site", "接种点": "site",
    "接种地点": "site", "接种单位编码": "site_code", "接种点编码": "site_code", "接种单位代码": "site_code",
    "批号": "batch", "疫苗批号": "batch",
}
ID_TYPES = {"": IdType.RESIDENT, "身份证": IdType.RESIDENT, "居民身份证": IdType.RESIDENT,
            "resident": IdType.RESIDENT, "护照": IdType.PASSPORT, "passport": IdType.PASSPORT,
            "港澳居民来往内地通行证": IdType.HK_MACAO, "台湾居民来往大陆通行证": IdType.TAIWAN, "其他": IdType.OTHER}
# The first COVID-19 vaccinations in China (emergency use, key groups) began on 22 July 2020.
EARLIEST_DATE = datetime.date(2020, 7, 22)
LOOKUP_CHUNK = 2000
WRITE_CHUNK = 2000
KIND = "vaccination_doses"


@dataclass
class DoseImportReport(ImportReport):
    """created / unchanged / rejected rows; `unreadable` when the file as a whole could not be used."""

    unchanged: int = 0
    rows: int = 0
    unreadable: bool = False
    rejected_values: dict[int, dict] = field(default_factory=dict)
    record: DoseImport | None = None

    def refuse_file(self, message: str) -> "DoseImportReport":
        self.reject(1, message)
        self.unreadable = True
        return self


@dataclass(frozen=True)
class _Row:
    line: int
    person_id: int
    product_id: int
    dose_number: int
    given_on: datetime.date
    site_name: str
    site_code: str
    batch: str


def _no_progress(done, total=None):
    pass


def _squash(text: str) -> str:
    return "".join((text or "").split()).casefold()


def _product_lookup() -> dict[str, Product]:
    lookup = {}
    for product in Product.objects.all():
        for name in product.names():
            if name:
                lookup.setdefault(_squash(name), product)
    return lookup


_CHINESE_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5}


def parse_dose(text: str) -> int | None:
    """"2", "第2剂", "第二针", "加强针" (3), "第二剂加强" (4); None when it says no dose number."""
    text = _squash(text)
    digits = re.findall(r"\d+", text) or [str(_CHINESE_DIGITS[c]) for c in text if c in _CHINESE_DIGITS]
    booster = "加强" in text or "booster" in text
    if booster:
        # "加强针" alone is the first booster, the third dose; "第二剂加强" the second booster.
        number = 2 + (int(digits[0]) if digits else 1)
    elif len(digits) == 1:
        number = int(digits[0])
    else:
        return None
    return number if 1 <= number <= MAX_DOSE else None


_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T].*)?$")


def parse_date(text: str) -> datetime.date | None:
    """"2021-05-01", "2021/5/1", "2021.5.1", "2021年5月1日", "20210501", and a workbook's "2021-05-01 00:00:00"."""
    text = (text or "").strip()
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    match = _DATE.match(text)
    if match is None:
        return None
    try:
        return datetime.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def _root_unit():
    from fangkong.territory.models import Unit

    return Unit.objects.filter(parent__isnull=True).order_by("pk").first()


def import_record_create(*, actor, filename: str) -> DoseImport:
    unit = getattr(actor, "scope", None) if actor is not None else None
    return DoseImport.objects.create(unit=unit or _root_unit(), filename=(filename or "")[:200],
                                     started_by=actor if getattr(actor, "is_authenticated", False) else None)


def doses_import(*, data, filename: str = "", actor, progress=None, record: DoseImport | None = None
                 ) -> DoseImportReport:
    """Import a file of doses; returns the report (also kept on its DoseImport row unless the file is refused
    before a row was read, when no row is written at all)."""
    ensure_capability(actor, "vaccination.import")
    progress = progress or _no_progress
    report = DoseImportReport()
    if hasattr(data, "read"):
        data = data.read()
    try:
        header, raw_rows = read_table(data, filename)
    except Exception as exc:  # noqa: BLE001 — any reader's failure is one message on line 1
        return _finish(report.refuse_file(_("The file could not be read: %(error)s") % {"error": str(exc)[:300]}),
                       record)
    keyed = rows_by_column(header, raw_rows, aliases=ALIASES, required=REQUIRED, expected=COLUMNS, report=report)
    if keyed is None:
        report.unreadable = True
        return _finish(report, record)
    report.rows = len(keyed)
    if record is None:
        record = import_record_create(actor=actor, filename=filename)
    report.record = record
    record.header = [h for h in header if h]
    originals = {line: row for line, row in raw_rows}
    good = _validate(keyed, actor, report, progress)
    for error in report.errors:
        report.rejected_values[error.line] = originals.get(error.line, {})
    _write(good, record, report, progress)
    return _finish(report, record, actor=actor)


def _persons(numbers: set[tuple[str, str]], actor) -> dict[tuple[str, str], tuple[int, str]]:
    """{(id_type, number): (person id, squashed simplified name)} of living records in the importer's scope."""
    base = Person.objects.filter(merged_into__isnull=True)
    if actor is not None:
        base = base.filter(subtree_q("unit__path", actor.scope_path))
    found = {}
    ordered = sorted(numbers)
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        chunk = ordered[start:start + LOOKUP_CHUNK]
        rows = base.filter(id_number__in=[n for _t, n in chunk]).values_list("id_type", "id_number", "pk", "name")
        for id_type, number, pk, name in rows:
            if (id_type, number) in numbers:
                found[(id_type, number)] = (pk, _squash(name_keys(name).simplified))
    return found


def _doses_on_file(person_ids) -> dict[int, dict[int, tuple[int, datetime.date]]]:
    on_file: dict[int, dict[int, tuple[int, datetime.date]]] = {}
    ids = sorted(set(person_ids))
    for start in range(0, len(ids), LOOKUP_CHUNK):
        rows = (Dose.objects.filter(person_id__in=ids[start:start + LOOKUP_CHUNK])
                .values_list("person_id", "dose_number", "product_id", "given_on"))
        for person_id, number, product_id, given_on in rows:
            on_file.setdefault(person_id, {})[number] = (product_id, given_on)
    return on_file


def _validate(keyed, actor, report: DoseImportReport, progress) -> list[_Row]:
    today = timezone.localdate()
    products = _product_lookup()
    product_names = {p.pk: p.name for p in products.values()}
    id_types = {_squash(k): v for k, v in ID_TYPES.items()}
    # First pass: the documents, to look their people up in bulk.
    parsed = []
    documents = set()
    for line, row in keyed:
        errors = []
        id_type = id_types.get(_squash(row.get("id_type", "")))
        number = row.get("id_number", "").strip()
        if id_type is None:
            errors.append(_("unknown ID type “%(type)s”") % {"type": row.get("id_type")})
        elif id_type == IdType.RESIDENT and resident_id_ok(number, today):
            pass
        else:
            try:
                number = validate_document(id_type, number).number
            except ValidationError as exc:
                errors.append(" ".join(exc.messages))
        if not errors:
            documents.add((id_type, number))
        parsed.append((line, row, id_type, number, errors))
    persons = _persons(documents, actor)
    on_file = _doses_on_file(pk for pk, _name in persons.values())
    seen: dict[tuple[int, int], int] = {}
    good: list[_Row] = []
    total = len(parsed)
    for index, (line, row, id_type, number, errors) in enumerate(parsed):
        if index % 1000 == 0:
            progress(index, total)
        person = persons.get((id_type, number)) if not errors else None
        if not errors and person is None:
            errors.append(_("no person with this ID number is on file in your jurisdiction"))
        name = row.get("name", "")
        if not name.strip():
            errors.append(_("name is empty"))
        elif person is not None and _squash(name_keys(name).simplified) != person[1]:
            errors.append(_("the name “%(name)s” does not match the person on file with this ID number")
                          % {"name": name.strip()[:50]})
        product = products.get(_squash(row.get("product", "")))
        if product is None:
            errors.append(_("unknown vaccine “%(name)s”; known: %(known)s") % {
                "name": row.get("product", "")[:50], "known": "、".join(sorted(set(product_names.values())))})
        dose = parse_dose(row.get("dose", ""))
        if dose is None:
            errors.append(_("the dose must be 1 to %(max)d (or 加强针), not “%(dose)s”")
                          % {"max": MAX_DOSE, "dose": row.get("dose", "")[:20]})
        given_on = parse_date(row.get("date", ""))
        if given_on is None:
            errors.append(_("“%(date)s” is not a date (2021-05-01)") % {"date": row.get("date", "")[:30]})
        elif given_on > today:
            errors.append(_("the date %(date)s is in the future") % {"date": given_on.isoformat()})
        elif given_on < EARLIEST_DATE:
            errors.append(_("the date %(date)s is before vaccination began (%(first)s)")
                          % {"date": given_on.isoformat(), "first": EARLIEST_DATE.isoformat()})
        site, site_code = row.get("site", "").strip(), row.get("site_code", "").strip()
        if not site and not site_code:
            errors.append(_("the vaccination site is empty"))
        if not errors:
            errors.extend(_consistency(person[0], dose, product.pk, given_on, line, seen, on_file, product_names))
        if errors:
            report.reject(line, "; ".join(errors))
            continue
        if on_file.get(person[0], {}).get(dose) == (product.pk, given_on):
            report.unchanged += 1
            continue
        on_file.setdefault(person[0], {})[dose] = (product.pk, given_on)
        good.append(_Row(line, person[0], product.pk, dose, given_on, site[:100], site_code[:40],
                         row.get("batch", "").strip()[:40]))
    return good


def _consistency(person_id, dose, product_id, given_on, line, seen, on_file, product_names) -> list[str]:
    """The same dose twice in the file, a dose on file with other values, doses out of order."""
    if (person_id, dose) in seen:
        return [_("the same person's dose %(dose)d is also on line %(line)d") % {
            "dose": dose, "line": seen[(person_id, dose)]}]
    seen[(person_id, dose)] = line
    doses = on_file.get(person_id, {})
    if dose in doses and doses[dose] != (product_id, given_on):
        product, day = doses[dose]
        return [_("dose %(dose)d of this person is on file as %(date)s %(product)s") % {
            "dose": dose, "date": day.isoformat(), "product": product_names.get(product, "")}]
    for other, (_product, day) in doses.items():
        if other == dose:
            continue
        if (other < dose and day > given_on) or (other > dose and day < given_on) or day == given_on:
            return [_("dose %(dose)d on %(date)s does not fit dose %(other)d on %(other_date)s") % {
                "dose": dose, "date": given_on.isoformat(), "other": other, "other_date": day.isoformat()}]
    return []


def _write(good: list[_Row], record: DoseImport, report: DoseImportReport, progress) -> None:
    total = report.rows
    for start in range(0, len(good), WRITE_CHUNK):
        chunk = good[start:start + WRITE_CHUNK]
        with transaction.atomic():
            # A dose another import wrote meanwhile is left as it is (the unique constraint decides).
            Dose.objects.bulk_create([
                Dose(person_id=r.person_id, product_id=r.product_id, dose_number=r.dose_number, given_on=r.given_on,
                     site_name=r.site_name, site_code=r.site_code, batch=r.batch, source_import=record)
                for r in chunk], ignore_conflicts=True)
        progress(min(total, start + len(chunk)), total)
    report.created = Dose.objects.filter(source_import=record).count() if good else 0
    report.unchanged += len(good) - report.created


def _finish(report: DoseImportReport, record: DoseImport | None, actor=None) -> DoseImportReport:
    report.errors.sort(key=lambda e: e.line)
    if record is None:
        return report
    kept = getattr(settings, "VACCINATION_REJECTED_KEPT", 50_000)
    record.status = DoseImport.Status.REFUSED if report.unreadable else DoseImport.Status.DONE
    record.rows, record.created, record.unchanged = report.rows, report.created, report.unchanged
    record.rejected_count = len(report.errors)
    record.rejected = [{"line": e.line, "message": e.message, "values": report.rejected_values.get(e.line, {})}
                       for e in report.errors[:kept]]
    record.finished_at = timezone.now()
    with transaction.atomic():
        record.save()
        audit_record(actor=actor, obj=record, action="import", unit_path=record.unit.path,
                     changes={"created": (None, report.created), "unchanged": (None, report.unchanged),
                              "rejected": (None, len(report.errors))}, note=record.filename)
    report.record = record
    return report


# --- as a background job ------------------------------------------------------------------------------------------


def doses_import_start(*, upload, actor) -> DoseImport:
    """Keeps the uploaded file and queues doses_import_job for it; the report page follows the job."""
    from fangkong.ops.services import start_job

    ensure_capability(actor, "vaccination.import")
    record = import_record_create(actor=actor, filename=upload.name)
    path = save_upload(upload, kind="vaccination")
    job = start_job(kind="vaccination_import", label=_("Import doses: %(name)s") % {"name": upload.name[:100]},
                    actor=actor, func_path="fangkong.vaccination.imports.doses_import_job",
                    kwargs={"path": path, "filename": upload.name[:200], "dose_import_id": record.pk,
                            "actor_id": actor.pk if actor else None})
    DoseImport.objects.filter(pk=record.pk).update(job=job)
    record.job = job
    return record


def doses_import_job(*, progress, path: str, filename: str, dose_import_id: int,
                     actor_id: int | None = None) -> dict:
    """Safe to run again after its worker died: every dose already written is found "unchanged"."""
    from django.urls import reverse

    from fangkong.accounts.models import User

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    record = DoseImport.objects.get(pk=dose_import_id)
    with open(path, "rb") as fh:
        data = fh.read()
    report = doses_import(data=data, filename=filename, actor=actor, progress=progress, record=record)
    if report.unreadable:
        message = report.errors[0].message
    else:
        message = ngettext("%(count)d dose imported.", "%(count)d doses imported.", report.created) % {
            "count": report.created}
        if report.errors:
            message += " " + ngettext("%(count)d row rejected.", "%(count)d rows rejected.", len(report.errors)) % {
                "count": len(report.errors)}
    return {"message": message, "created": report.created, "unchanged": report.unchanged,
            "rejected": len(report.errors),
            "url": reverse("vaccination:import_detail", kwargs={"dose_import_id": dose_import_id})}
