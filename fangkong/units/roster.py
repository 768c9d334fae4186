"""The staff roster: people of the archive, matched by resident ID number, added one by one or from the unit's own
Excel/CSV list.

The import is all-or-nothing: every row is checked first (name, GB 11643 ID number with its check digit, the same
ID twice in the file, whereabouts, yes/no columns), and if any row is wrong nothing is written and every wrong row
is listed. A person not on file yet is put on file (people.services.person_create) at the unit's node, since the
unit's list is a source the archive accepts for name and ID; a person already on file under another name is
refused rather than guessed at.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.accounts.roles import has_capability
from fangkong.audit.services import audit_record
from fangkong.core.imports import ImportRejected, ImportReport, read_table, rows_by_column
from fangkong.units.access import ROSTER, ensure_org_may
from fangkong.units.models import Organisation, StaffMember

ALIASES = {
    "姓名": "name", "身份证号": "id_number", "身份证号码": "id_number", "证件号码": "id_number", "身份证": "id_number",
    "手机": "phone", "手机号": "phone", "联系电话": "phone", "电话": "phone",
    "岗位": "role", "职务": "role", "部门岗位": "role",
    "状态": "presence", "在岗状态": "presence", "所在": "presence",
    "住宿舍": "dormitory", "是否住宿舍": "dormitory", "住宿": "dormitory",
    "来自风险地区": "from_risk", "是否来自风险地区": "from_risk", "风险地区": "from_risk",
}
EXPECTED = ["姓名", "身份证号", "手机", "岗位", "状态", "住宿舍", "来自风险地区"]
PRESENCE_WORDS = {
    "": StaffMember.Presence.ON_SITE, "在岗": StaffMember.Presence.ON_SITE, "在厂": StaffMember.Presence.ON_SITE,
    "在校": StaffMember.Presence.ON_SITE, "on_site": StaffMember.Presence.ON_SITE,
    "外出": StaffMember.Presence.AWAY, "在外地": StaffMember.Presence.AWAY, "不在本地": StaffMember.Presence.AWAY,
    "未返岗": StaffMember.Presence.AWAY, "away": StaffMember.Presence.AWAY,
    "居家": StaffMember.Presence.AT_HOME, "在家": StaffMember.Presence.AT_HOME, "at_home": StaffMember.Presence.AT_HOME,
    "离职": StaffMember.Presence.LEFT, "left": StaffMember.Presence.LEFT,
}
YES = {"是", "y", "yes", "1", "true", "√", "住", "有"}
NO = {"", "否", "n", "no", "0", "false", "×", "不住", "无"}


def max_rows() -> int:
    return int(getattr(settings, "UNITS_ROSTER_MAX_ROWS", 5000))


@dataclass
class StaffRow:
    line: int
    name: str
    id_number: str
    phone: str = ""
    role: str = ""
    presence: str = StaffMember.Presence.ON_SITE
    in_dormitory: bool = False
    from_risk_area: bool = False


def _yes_no(value: str) -> bool | None:
    value = (value or "").strip().lower()
    if value in YES:
        return True
    if value in NO:
        return False
    return None


def _person_actor(actor):
    """person_create checks people.change over the node; a unit contact keeps the roster without it, so the
    person is filed by the system on the unit's behalf (the roster write itself is checked and audited here)."""
    return actor if actor is not None and has_capability(actor, "people.change") else None


def _check_row(line: int, row: dict, seen: dict[str, int], report: ImportReport) -> StaffRow | None:
    from fangkong.people.identity import normalize_phone, validate_resident_id

    problems = []
    name = " ".join((row.get("name") or "").split())
    if not name:
        problems.append(_("the name is missing"))
    identity = None
    try:
        identity = validate_resident_id(row.get("id_number") or "")
    except ValidationError as exc:
        problems.append(" ".join(exc.messages))
    if identity is not None:
        if identity.number in seen:
            problems.append(_("the same ID number as line %(line)d") % {"line": seen[identity.number]})
        else:
            seen[identity.number] = line
    phone = ""
    try:
        phone = normalize_phone(row.get("phone") or "")
    except ValidationError as exc:
        problems.append(" ".join(exc.messages))
    presence = PRESENCE_WORDS.get((row.get("presence") or "").strip())
    if presence is None:
        problems.append(_("whereabouts “%(value)s” is not one of 在岗, 外出, 居家, 离职")
                        % {"value": row.get("presence")})
    dormitory, risk = _yes_no(row.get("dormitory")), _yes_no(row.get("from_risk"))
    if dormitory is None:
        problems.append(_("“dormitory” must be 是 or 否"))
    if risk is None:
        problems.append(_("“from a risk area” must be 是 or 否"))
    if problems:
        report.reject(line, "; ".join(str(p) for p in problems))
        return None
    return StaffRow(line=line, name=name, id_number=identity.number, phone=phone,
                    role=" ".join((row.get("role") or "").split())[:60], presence=presence, in_dormitory=dormitory,
                    from_risk_area=risk)


def _write(organisation: Organisation, rows: list[StaffRow], actor, report: ImportReport) -> None:
    from fangkong.people.models import IdType, Person
    from fangkong.people.selectors import persons_by_documents
    from fangkong.people.services import person_create

    on_file = persons_by_documents(id_type=IdType.RESIDENT, id_numbers=[r.id_number for r in rows])
    names = dict(Person.objects.filter(pk__in=on_file.values()).values_list("pk", "name"))
    existing = {s.person_id: s for s in StaffMember.objects.filter(organisation=organisation)}
    for row in rows:
        person_id = on_file.get(row.id_number)
        if person_id is not None and names.get(person_id) != row.name:
            report.reject(row.line, _("the archive has this ID number under another name"))
            continue
        if person_id is None:
            try:
                person = person_create(name=row.name, id_number=row.id_number, unit=organisation.unit,
                                       phone=row.phone, actor=_person_actor(actor),
                                       cause=_("On the staff roster of %(unit)s") % {"unit": organisation.name})
            except ValidationError as exc:
                report.reject(row.line, "; ".join(exc.messages))
                continue
            person_id = person.pk
        fields = {"role": row.role, "presence": row.presence, "in_dormitory": row.in_dormitory,
                  "from_risk_area": row.from_risk_area}
        staff = existing.get(person_id)
        if staff is None:
            StaffMember.objects.create(organisation=organisation, person_id=person_id, **fields)
            report.created += 1
        elif any(getattr(staff, k) != v for k, v in fields.items()):
            for key, value in fields.items():
                setattr(staff, key, value)
            staff.save()
            report.updated += 1


def roster_import(*, organisation: Organisation, data, filename: str = "", actor) -> ImportReport:
    """Add or update the roster from a table; returns the report (nothing written when it lists errors)."""
    ensure_org_may(actor, ROSTER, organisation)
    report = ImportReport()
    try:
        header, raw = read_table(data, filename)
    except Exception:  # noqa: BLE001 (any reader's error: the file is not a table we can read)
        report.reject(1, _("This file cannot be read; save it as .xlsx or .csv (UTF-8)."))
        return report
    keyed = rows_by_column(header, raw, aliases=ALIASES, required=["name", "id_number"], expected=EXPECTED,
                           report=report)
    if keyed is None:
        return report
    if len(keyed) > max_rows():
        report.reject(1, _("At most %(count)d rows at once.") % {"count": max_rows()})
        return report
    seen: dict[str, int] = {}
    rows = [r for r in (_check_row(line, row, seen, report) for line, row in keyed) if r is not None]
    if not report.ok:
        report.errors.sort(key=lambda e: e.line)
        return report
    try:
        with transaction.atomic():
            _write(organisation, rows, actor, report)
            if not report.ok:
                raise ImportRejected(report)
            audit_record(actor=actor, obj=organisation, action="import", unit_path=organisation.unit.path,
                         changes={"staff": (None, f"+{report.created} ~{report.updated}")}, note=filename[:100])
    except ImportRejected:
        report.created = report.updated = 0
    return report


@transaction.atomic
def staff_add(*, organisation: Organisation, name: str, id_number: str, role: str = "",
              presence: str = StaffMember.Presence.ON_SITE, in_dormitory: bool = False,
              from_risk_area: bool = False, actor) -> StaffMember:
    """One person onto the roster (the same checks as a row of the import)."""
    ensure_org_may(actor, ROSTER, organisation)
    report = ImportReport()
    reverse = {v: k for k, v in PRESENCE_WORDS.items() if k in StaffMember.Presence.values}
    row = _check_row(0, {"name": name, "id_number": id_number, "role": role, "presence": reverse.get(presence, "?"),
                         "dormitory": "是" if in_dormitory else "否", "from_risk": "是" if from_risk_area else "否"},
                     {}, report)
    if row is not None:
        _write(organisation, [row], actor, report)
    if not report.ok:
        raise ValidationError({"id_number": [e.message for e in report.errors]})
    staff = StaffMember.objects.select_related("person").get(organisation=organisation,
                                                              person__id_number=row.id_number,
                                                              person__merged_into__isnull=True)
    audit_record(actor=actor, obj=organisation, action="change", unit_path=organisation.unit.path,
                 changes={"staff": (None, f"+{staff.person_id}")})
    return staff


@transaction.atomic
def staff_update(*, staff: StaffMember, presence: str, in_dormitory: bool, from_risk_area: bool, role: str = "",
                 actor) -> StaffMember:
    ensure_org_may(actor, ROSTER, staff.organisation)
    if presence not in StaffMember.Presence.values:
        raise ValidationError({"presence": _("Choose where the person is.")})
    fields = {"presence": presence, "in_dormitory": bool(in_dormitory), "from_risk_area": bool(from_risk_area),
              "role": " ".join((role or "").split())[:60]}
    changes = {k: (getattr(staff, k), v) for k, v in fields.items() if getattr(staff, k) != v}
    if changes:
        for key, (_old, new) in changes.items():
            setattr(staff, key, new)
        staff.save()
        audit_record(actor=actor, obj=staff, action="change", unit_path=staff.organisation.unit.path,
                     changes=changes)
    return staff
