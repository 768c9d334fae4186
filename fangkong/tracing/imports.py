"""A case's contact list from a file (CSV or Excel, Chinese or English headers): all rows or none.

Every row is checked first (category, time, ID or name and phone); if any row is refused nothing is written and
the report names each refused line. Otherwise each row is classified as `services.contact_add` does, starting
its measure, in one transaction.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from fangkong.core.imports import ImportRejected, ImportReport, read_table, rows_by_column
from fangkong.people.models import IdType
from fangkong.tracing import services
from fangkong.tracing.models import Case, Contact

ALIASES = {"姓名": "name", "身份证号": "id_number", "证件号码": "id_number", "手机": "phone", "电话": "phone",
           "类别": "category", "末次暴露时间": "exposure_at", "暴露时间": "exposure_at", "原因": "reason",
           "地址": "address", "经由": "via", "经由密接身份证号": "via"}
EXPECTED = ["name", "id_number", "phone", "category", "exposure_at", "reason", "address"]
CATEGORIES = {"密接": Contact.Category.CLOSE, "密切接触者": Contact.Category.CLOSE, "close": Contact.Category.CLOSE,
              "close_contact": Contact.Category.CLOSE, "次密接": Contact.Category.SECONDARY,
              "secondary": Contact.Category.SECONDARY, "secondary_contact": Contact.Category.SECONDARY,
              "时空伴随": Contact.Category.CO_PRESENT, "时空伴随者": Contact.Category.CO_PRESENT,
              "co_present": Contact.Category.CO_PRESENT}


def _parse_time(value: str) -> datetime.datetime | None:
    value = (value or "").strip().replace("/", "-")
    parsed = parse_datetime(value.replace(" ", "T")) if value else None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _message(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def contacts_import(*, case: Case, data, filename: str, actor) -> ImportReport:
    report = ImportReport()
    try:
        header, rows = read_table(data, filename)
    except Exception:
        report.reject(1, _("This file cannot be read as CSV or Excel."))
        return report
    keyed = rows_by_column(header, rows, aliases=ALIASES, required=["category", "exposure_at", "reason"],
                           expected=EXPECTED, report=report)
    if keyed is None:
        return report
    close_by_id = {c.person.id_number: c for c in Contact.objects.filter(
        case=case, category=Contact.Category.CLOSE, person__isnull=False).select_related("person")}
    planned = []
    seen = set()
    for line, row in keyed:
        category = CATEGORIES.get((row.get("category") or "").strip().lower())
        if category is None:
            report.reject(line, _("Category “%(value)s”: use 密接, 次密接 or 时空伴随.") % {
                "value": row.get("category", "")})
            continue
        exposure_at = _parse_time(row.get("exposure_at", ""))
        if exposure_at is None:
            report.reject(line, _("Exposure time “%(value)s” is not a date and time (2022-04-02 18:30).") % {
                "value": row.get("exposure_at", "")})
            continue
        person, outside = None, None
        id_number = (row.get("id_number") or "").strip()
        try:
            if id_number:
                person = services.person_for_contact(id_type=IdType.RESIDENT, id_number=id_number)
            if person is None:
                outside = {"name": row.get("name", ""), "id_type": IdType.RESIDENT, "id_number": id_number,
                           "phone": row.get("phone", ""), "address": row.get("address", "")}
                if not outside["name"]:
                    raise ValidationError(_("Not on file here: give the name for an assist request."))
        except ValidationError as exc:
            report.reject(line, _message(exc))
            continue
        key = person.pk if person else (id_number or row.get("phone"))
        if key in seen:
            report.reject(line, _("This person is listed twice."))
            continue
        seen.add(key)
        via = None
        if category == Contact.Category.SECONDARY:
            via = close_by_id.get((row.get("via") or "").strip().upper())
            if via is None:
                report.reject(line, _("A secondary contact needs the ID number of a close contact of this case in "
                                      "the “via” column."))
                continue
        planned.append((line, dict(category=category, exposure_at=exposure_at, reason=row.get("reason", ""),
                                   person=person, outside=outside, via=via)))
    if not report.ok:
        return report
    try:
        with transaction.atomic():
            for line, kwargs in planned:
                try:
                    services.contact_add(case=case, actor=actor, source=Contact.Source.LIST, **kwargs)
                except ValidationError as exc:
                    report.reject(line, _message(exc))
            if not report.ok:
                raise ImportRejected(report)
    except ImportRejected:
        return report
    report.created = len(planned)
    return report
