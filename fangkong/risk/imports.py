"""Import of the official list of risk areas (outside regions) from CSV or Excel, all or nothing.

Columns (English or Chinese headers): region_code (地区编码/区划代码), name (名称/地区), level (风险等级/等级:
高/中/低, 高风险/中风险/低风险, 封控区/管控区/防范区, high/medium/low), date (日期/公布日期). A row with a
name and no code is resolved with cpca; a row that cannot be resolved is rejected with its line. Importing
the same list again changes nothing: an area already active is kept (its level updated if the list says so).
"""

import io
import re
from dataclasses import dataclass
from datetime import date, datetime, time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.imports import ImportRejected, ImportReport, read_csv_rows
from fangkong.risk.models import RiskArea, RiskLevel
from fangkong.risk.regions import known_region, normalize_code, region_key, resolve_origin
from fangkong.risk.services import may_change_outside, region_display_name, risk_area_change_level, risk_area_declare

COLUMNS = {
    "region_code": "code", "code": "code", "地区编码": "code", "区划代码": "code", "行政区划代码": "code",
    "name": "name", "名称": "name", "地区": "name", "区域": "name", "地区名称": "name",
    "level": "level", "风险等级": "level", "等级": "level",
    "date": "date", "日期": "date", "公布日期": "date",
}
LEVEL_WORDS = {
    "high": RiskLevel.HIGH, "medium": RiskLevel.MEDIUM, "low": RiskLevel.LOW,
    "高": RiskLevel.HIGH, "中": RiskLevel.MEDIUM, "低": RiskLevel.LOW,
    "高风险": RiskLevel.HIGH, "中风险": RiskLevel.MEDIUM, "低风险": RiskLevel.LOW,
    "高风险区": RiskLevel.HIGH, "中风险区": RiskLevel.MEDIUM, "低风险区": RiskLevel.LOW,
    "高风险地区": RiskLevel.HIGH, "中风险地区": RiskLevel.MEDIUM, "低风险地区": RiskLevel.LOW,
    "封控区": RiskLevel.HIGH, "管控区": RiskLevel.MEDIUM, "防范区": RiskLevel.LOW,
}
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
MAX_BYTES = 5 * 1024 * 1024


@dataclass
class _Row:
    line: int
    code: str
    match_name: str
    name: str
    level: str
    on: date | None


def read_rows(data: bytes, filename: str = "") -> tuple[list[str], list[tuple[int, dict]]]:
    """(header, [(line, row)]) from CSV (UTF-8 with or without BOM, GB18030) or an .xlsx workbook's first sheet."""
    if data[:2] == b"PK" or filename.lower().endswith(".xlsx"):
        return _read_xlsx(data)
    return read_csv_rows(data)


def _read_xlsx(data: bytes):
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        header, rows = None, []
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = ["" if v is None else v for v in values]
            if header is None:
                if any(str(c).strip() for c in cells):
                    header = [str(c).strip() for c in cells]
                continue
            if not any(str(c).strip() for c in cells):
                continue
            rows.append((line, {h: (c if isinstance(c, datetime | date) else str(c).strip())
                                for h, c in zip(header, cells, strict=False) if h}))
        return header or [], rows
    finally:
        book.close()


def _parse_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    value = (value or "").strip()
    if not value:
        return None
    if " " in value:
        value = value.split(" ", 1)[0]
    match = _DATE.match(value)
    if not match:
        raise ValueError(value)
    return date(*(int(g) for g in match.groups()))


def risk_import(*, data: bytes, actor, filename: str = "") -> ImportReport:
    """Check every row, then write all of them in one transaction — or nothing, with every bad row reported."""
    if actor is not None and not may_change_outside(actor):
        raise PermissionDenied("only the HQ imports the risk-area list")
    report = ImportReport()
    try:
        header, raw = read_rows(data, filename)
    except Exception as exc:  # a corrupt workbook raises whatever zipfile/openpyxl raise
        report.reject(1, _("The file could not be read as CSV or Excel: %(error)s") % {"error": exc})
        return report
    columns = [COLUMNS.get(str(h).strip().lower(), COLUMNS.get(str(h).strip(), "")) for h in header]
    missing = [c for c in ("name", "level") if c not in columns]
    if missing:
        report.reject(1, _("Missing columns: %(columns)s. Expected: region code (地区编码), name (名称), "
                           "level (风险等级), date (日期).") % {"columns": ", ".join(missing)})
        return report
    rows = [(line, {columns[header.index(k)]: v for k, v in row.items() if k in header and columns[header.index(k)]})
            for line, row in raw]
    if not rows:
        report.reject(1, _("The file has no rows."))
        return report
    parsed = _validate(rows, report)
    if not report.ok:
        return report
    try:
        with transaction.atomic():
            _write(parsed, actor, report)
    except ImportRejected as exc:
        return exc.report
    return report


def _validate(rows, report: ImportReport) -> list[_Row]:
    parsed, seen = [], {}
    for line, row in rows:
        errors = []
        name = " ".join(str(row.get("name", "")).split())
        code = str(row.get("code", "")).strip()
        key = None
        if code:
            if not normalize_code(code) or not known_region(normalize_code(code)):
                errors.append(_("region code: “%(code)s” is not a GB/T 2260 code") % {"code": code})
            else:
                key = region_key(code=code, name=name)
        elif not name:
            errors.append(_("name: empty, and no region code"))
        else:
            origin = resolve_origin(name)
            if origin is None:
                errors.append(_("name: “%(name)s” could not be resolved to a county; add its region code")
                              % {"name": name})
            else:
                key = region_key(code=origin.code, name=name)
        word = str(row.get("level", "")).strip().lower()
        level = LEVEL_WORDS.get(word)
        if level is None:
            errors.append(_("level: “%(level)s” is not 高/中/低, 高风险/中风险/低风险 or 封控区/管控区/防范区")
                          % {"level": row.get("level", "")})
        on = None
        try:
            on = _parse_date(row.get("date", ""))
        except ValueError:
            errors.append(_("date: “%(date)s” is not a date (2022-08-05)") % {"date": row.get("date", "")})
        if key is not None:
            if (key.code, key.match_name) in seen:
                errors.append(_("the same area is on line %(line)d") % {"line": seen[(key.code, key.match_name)]})
            else:
                seen[(key.code, key.match_name)] = line
        if errors:
            report.reject(line, "; ".join(errors))
            continue
        parsed.append(_Row(line, key.code, key.match_name, name or region_display_name(key.code), level, on))
    return parsed


def _write(parsed: list[_Row], actor, report: ImportReport) -> None:
    active = {(a.code, a.match_name): a for a in RiskArea.objects.active().filter(
        unit__isnull=True, code__in={r.code for r in parsed})}
    now = timezone.now()
    for row in parsed:
        when = timezone.make_aware(datetime.combine(row.on, time(0))) if row.on else now
        when = min(when, now)
        reason = _("Official risk-area list of %(date)s") % {"date": timezone.localdate(when).isoformat()}
        existing = active.get((row.code, row.match_name))
        try:
            if existing is None:
                risk_area_declare(level=row.level, actor=actor, reason=reason, code=row.code, name=row.name,
                                  declared_at=when, source="import")
                report.created += 1
            elif existing.level != row.level:
                risk_area_change_level(area=existing, level=row.level, reason=reason, actor=actor, at=now)
                report.updated += 1
        except ValidationError as exc:
            report.reject(row.line, " ".join(exc.messages))
    if not report.ok:
        raise ImportRejected(report)

