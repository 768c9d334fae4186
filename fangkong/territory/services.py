import csv
import json
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, F, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat, Substr
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fangkong.accounts.scope import ensure_capability, ensure_unit_in_scope, unit_in_scope
from fangkong.audit.services import audit_record, diff
from fangkong.core.imports import ImportRejected, ImportReport, read_csv_rows, report_as_json, save_upload
from fangkong.core.masking import mask_phone
from fangkong.core.paths import child_path, is_within, subtree_q
from fangkong.territory.models import Level, Responsibility, Unit

_NO_CHANGE = object()
CODE_MAX = Unit._meta.get_field("code").max_length
# 0931-8123456, 12345, 400-123-4567, 13812345678.
HOTLINE_RE = re.compile(r"\d{3,4}(-\d{3,8}){0,2}|\d{5,12}")
NAME_MAX = Unit._meta.get_field("name").max_length
GEOJSON_TYPES = {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
                 "GeometryCollection", "Feature", "FeatureCollection"}


@transaction.atomic
def unit_create(*, parent: Unit | None, level: int, name: str, code: str, actor=None,
                geometry: dict | None = None) -> Unit:
    """Add a node under `parent` (None makes a root). Its path is known only once it has an id."""
    if parent is None:
        if actor is not None:
            raise ValidationError(_("Only the system can create a root node."))
    else:
        ensure_unit_in_scope(actor, parent, app_label="territory")
        if level <= parent.level:
            raise ValidationError(
                _("A %(child)s cannot sit under a %(parent)s.")
                % {"child": Level(level).label, "parent": Level(parent.level).label}
            )
    name, code = name.strip(), code.strip()
    if not name or not code:
        raise ValidationError(_("A node needs a name and a code."))
    if Unit.objects.filter(code=code).exists():
        raise ValidationError(_("The code %(code)s is already used.") % {"code": code})
    unit = Unit(parent=parent, level=level, name=name, code=code, geometry=geometry,
                path=f"/new-{code}/", depth=(parent.depth + 1) if parent else 0)
    unit.save()
    unit.path = child_path(parent.path if parent else "", unit.pk)
    unit.save(update_fields=["path"])
    audit_record(actor=actor, obj=unit, action="create", unit_path=unit.path,
                 changes={"name": (None, name), "code": (None, code), "level": (None, level)})
    return unit


def geometry_error(value) -> str | None:
    """Why `value` is not a GeoJSON object, or None when it is one."""
    if not isinstance(value, dict):
        return _("The geometry must be a GeoJSON object.")
    kind = value.get("type")
    if kind not in GEOJSON_TYPES:
        return _("The geometry has no valid GeoJSON type.")
    if kind == "Feature":
        return None if value.get("geometry") is None else geometry_error(value["geometry"])
    if kind == "FeatureCollection":
        return None if isinstance(value.get("features"), list) else _("A FeatureCollection needs features.")
    if kind == "GeometryCollection":
        return None if isinstance(value.get("geometries"), list) else _("A GeometryCollection needs geometries.")
    if not isinstance(value.get("coordinates"), list):
        return _("The geometry needs a list of coordinates.")
    return None


def _locked(unit: Unit) -> Unit:
    return Unit.objects.select_for_update().get(pk=unit.pk)


@transaction.atomic
def unit_update(*, unit: Unit, actor, name: str | None = None, code: str | None = None,
                geometry=_NO_CHANGE, hotline: str | None = None) -> Unit:
    """Rename a node, change its code, its hotline or its polygon (pass geometry=None to clear it)."""
    unit = _locked(unit)
    ensure_unit_in_scope(actor, unit, app_label="territory")
    before = {"name": unit.name, "code": unit.code, "geometry": unit.geometry, "hotline": unit.hotline}
    if name is not None:
        name = name.strip()
        if not name:
            raise ValidationError({"name": _("A node needs a name.")})
        if len(name) > NAME_MAX:
            raise ValidationError({"name": _("The name is longer than %(max)d characters.") % {"max": NAME_MAX}})
        unit.name = name
    if code is not None:
        code = code.strip()
        if not code:
            raise ValidationError({"code": _("A node needs a code.")})
        if len(code) > CODE_MAX:
            raise ValidationError({"code": _("The code is longer than %(max)d characters.") % {"max": CODE_MAX}})
        if Unit.objects.filter(code=code).exclude(pk=unit.pk).exists():
            raise ValidationError({"code": _("The code %(code)s is already used.") % {"code": code}})
        unit.code = code
    if geometry is not _NO_CHANGE:
        if geometry is not None and (error := geometry_error(geometry)):
            raise ValidationError({"geometry": error})
        unit.geometry = geometry
    if hotline is not None:
        hotline = hotline.strip()
        if hotline and not HOTLINE_RE.fullmatch(hotline):
            raise ValidationError({"hotline": _("A hotline is digits, with an optional area code and dash.")})
        unit.hotline = hotline
    after = {"name": unit.name, "code": unit.code, "geometry": unit.geometry, "hotline": unit.hotline}
    changes = diff(before, after)
    if changes:
        unit.save(update_fields=list(changes))
        if "geometry" in changes:
            changes["geometry"] = ("…" if before["geometry"] else None, "…" if unit.geometry else None)
        audit_record(actor=actor, obj=unit, action="update", unit_path=unit.path, changes=changes)
    return unit


@transaction.atomic
def unit_move(*, unit: Unit, new_parent: Unit, actor) -> Unit:
    """Re-parent `unit` with its whole subtree: one UPDATE rewrites every path and depth below it."""
    unit, new_parent = _locked(unit), _locked(new_parent)
    ensure_unit_in_scope(actor, unit, app_label="territory")
    ensure_unit_in_scope(actor, new_parent, app_label="territory")
    if unit.parent_id is None:
        raise ValidationError(_("The root node cannot be moved."))
    if actor is not None and unit.path == actor.scope_path:
        raise ValidationError(_("You cannot move the node you are responsible for."))
    if is_within(new_parent.path, unit.path):
        raise ValidationError(_("A node cannot move under itself or one of its descendants."))
    if unit.level <= new_parent.level:
        raise ValidationError(
            _("A %(child)s cannot sit under a %(parent)s.")
            % {"child": Level(unit.level).label, "parent": Level(new_parent.level).label}
        )
    if unit.parent_id == new_parent.pk:
        return unit
    old_parent_id, old_path = unit.parent_id, unit.path
    new_path = child_path(new_parent.path, unit.pk)
    depth_shift = new_parent.depth + 1 - unit.depth
    Unit.objects.filter(subtree_q("path", old_path)).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1), output_field=CharField()),
        depth=F("depth") + depth_shift,
    )
    Unit.objects.filter(pk=unit.pk).update(parent=new_parent)
    unit.refresh_from_db()
    audit_record(actor=actor, obj=unit, action="move", unit_path=unit.path,
                 changes={"parent": (old_parent_id, new_parent.pk), "path": (old_path, unit.path)})
    return unit


# --- CSV import -----------------------------------------------------------------------------------------

TREE_CSV_HEADER = ["code", "parent_code", "level", "name", "geometry"]
_LEVEL_NAMES = {
    "city": Level.CITY, "district": Level.DISTRICT, "county": Level.DISTRICT, "street": Level.STREET,
    "township": Level.STREET, "community": Level.COMMUNITY, "village": Level.COMMUNITY, "grid": Level.GRID,
    "building": Level.BUILDING, "compound": Level.BUILDING,
    "市": Level.CITY, "区县": Level.DISTRICT, "区": Level.DISTRICT, "县": Level.DISTRICT,
    "乡镇街道": Level.STREET, "街道": Level.STREET, "乡镇": Level.STREET, "乡": Level.STREET, "镇": Level.STREET,
    "村社区": Level.COMMUNITY, "社区": Level.COMMUNITY, "村": Level.COMMUNITY, "网格": Level.GRID,
    "楼栋": Level.BUILDING, "院落": Level.BUILDING, "楼栋/院落": Level.BUILDING,
}
_BATCH = 1000
_LEVEL_VALUES = frozenset(Level.values)


def parse_level(value: str) -> int | None:
    value = (value or "").strip()
    if value.isdigit():
        return int(value) if int(value) in _LEVEL_VALUES else None
    return _LEVEL_NAMES.get(value.lower())


@dataclass(slots=True)
class _Known:
    """An existing node as the importer needs it: plain values, no model instance (50k of those are slow)."""

    pk: int
    code: str
    name: str
    level: int
    path: str
    depth: int
    geometry: dict | None
    parent_code: str


class _Row:
    """One CSV row on its way into the tree."""

    __slots__ = ("line", "code", "parent_code", "level", "name", "geometry", "has_geometry", "existing",
                 "parent_row", "parent_unit", "generation", "unit")

    def __init__(self, line: int, raw: dict):
        self.line = line
        self.code = raw.get("code", "")
        self.parent_code = raw.get("parent_code", "")
        self.level = parse_level(raw.get("level", ""))
        self.name = raw.get("name", "")
        self.has_geometry = bool(raw.get("geometry"))
        self.geometry = None
        self.existing: _Known | None = None
        self.parent_row: _Row | None = None
        self.parent_unit: _Known | Unit | None = None
        self.generation: int | None = None
        self.unit: Unit | None = None


def tree_import_csv(*, source, actor, root: Unit | None = None, progress=None) -> ImportReport:
    """Create or update jurisdiction nodes from a CSV file, all or nothing.

    Columns: code, parent_code, level, name, optional geometry (GeoJSON). Rows may come in any order.
    Existing codes get their name and geometry updated (an empty geometry keeps the stored one); new codes
    are created under their parent: another row of the file, an existing node in the importer's scope, or
    `root` when parent_code is empty. Any rejected row rejects the whole file and nothing is written;
    the report lists every rejected row with its line number. `progress(done, total)` (ops.progress) counts
    each row twice: once checked, once written.
    """
    ensure_capability(actor, "territory.import")
    if root is not None:
        ensure_unit_in_scope(actor, root, app_label="territory")
    try:
        with transaction.atomic():
            return _import(source=source, actor=actor, root=root, progress=progress or _no_progress)
    except ImportRejected as rejected:
        return rejected.report


def tree_import_start(*, upload, actor, root: Unit | None = None):
    """A large tree file goes to the worker; the page shows the job's progress and its report."""
    from fangkong.ops.services import start_job

    ensure_capability(actor, "territory.import")
    path = save_upload(upload, kind="tree")
    label = _("Import the jurisdiction tree: %(name)s") % {"name": upload.name[:100]}
    return start_job(kind="tree_import", label=label, actor=actor,
                     func_path="fangkong.territory.services.tree_import_job",
                     kwargs={"path": path, "actor_id": actor.pk, "root_id": root.pk if root else None})


def tree_import_job(*, progress, path: str, actor_id: int, root_id: int | None = None) -> dict:
    """All or nothing in one transaction, and creating or updating by code: running it twice is harmless."""
    from fangkong.accounts.models import User

    actor = User.objects.get(pk=actor_id)
    root = Unit.objects.filter(pk=root_id).first() if root_id else None
    with open(path, "rb") as fh:
        report = tree_import_csv(source=fh.read(), actor=actor, root=root, progress=progress)
    result = report_as_json(report)
    if report.ok:
        result["message"] = _("Import done: %(created)d nodes created, %(updated)d updated.") % {
            "created": report.created, "updated": report.updated}
    else:
        result["message"] = ngettext("%(counter)s row was rejected; nothing was imported.",
                                     "%(counter)s rows were rejected; nothing was imported.",
                                     len(report.errors)) % {"counter": len(report.errors)}
    return result


def _no_progress(done, total=None):
    pass


def _import(*, source, actor, root, progress) -> ImportReport:
    report = ImportReport()
    try:
        header, raw_rows = read_csv_rows(source)
    except (UnicodeDecodeError, ValueError, csv.Error) as exc:
        report.reject(1, _("The file cannot be read as CSV: %(error)s") % {"error": exc})
        raise ImportRejected(report) from exc
    missing = [name for name in TREE_CSV_HEADER[:4] if name not in header]
    if missing:
        report.reject(1, _("Missing columns: %(columns)s (expected %(header)s).")
                      % {"columns": ", ".join(missing), "header": ",".join(TREE_CSV_HEADER)})
        raise ImportRejected(report)
    if not raw_rows:
        report.reject(1, _("The file has no rows."))
        raise ImportRejected(report)

    rows = _validated_rows(raw_rows, report)
    by_code = {row.code: row for row in rows}
    known = _existing_units(set(by_code) | {row.parent_code for row in rows if row.parent_code})
    for row in rows:
        row.existing = known.get(row.code)
    total = 2 * len(rows)
    for index, row in enumerate(rows):
        if index % _BATCH == 0:
            progress(index, total)
        _check_against_tree(row, by_code, known, actor, root, report)
    generations = _generations(rows, report)
    if report.errors:
        report.errors.sort(key=lambda error: error.line)
        raise ImportRejected(report)

    progress(len(rows), total)
    _write(rows, generations, report, lambda written: progress(len(rows) + written, total))
    top = next((row for row in rows if row.parent_row is None), None)
    if top is not None and (report.created or report.updated):
        anchor = root or top.unit or Unit.objects.get(pk=top.existing.pk)
        audit_record(actor=actor, obj=anchor, action="import", unit_path=anchor.path,
                     changes={"created": (None, report.created), "updated": (None, report.updated)})
    return report


def _validated_rows(raw_rows, report: ImportReport) -> list[_Row]:
    """Checks each row on its own; the first row of each code goes on (later duplicates are rejected)."""
    rows, first_line = [], {}
    for line, raw in raw_rows:
        row = _Row(line, raw)
        problems = []
        if not row.code:
            problems.append(_("the code is empty"))
        elif len(row.code) > CODE_MAX:
            problems.append(_("the code is longer than %(max)d characters") % {"max": CODE_MAX})
        elif row.code in first_line:
            problems.append(_("the code %(code)s already appears on line %(line)d")
                            % {"code": row.code, "line": first_line[row.code]})
        if row.parent_code and row.parent_code == row.code:
            problems.append(_("the node is its own parent"))
        if row.level is None:
            problems.append(_("unknown level “%(level)s” (use 1-6 or city, district, street, community, grid, "
                              "building)") % {"level": raw.get("level", "")})
        if not row.name:
            problems.append(_("the name is empty"))
        elif len(row.name) > NAME_MAX:
            problems.append(_("the name is longer than %(max)d characters") % {"max": NAME_MAX})
        if row.has_geometry:
            try:
                row.geometry = json.loads(raw["geometry"])
            except ValueError:
                problems.append(_("the geometry is not valid GeoJSON"))
            else:
                if error := geometry_error(row.geometry):
                    problems.append(error)
        if problems:
            report.reject(line, "; ".join(str(problem) for problem in problems))
        if row.code and row.code not in first_line:
            first_line[row.code] = line
            rows.append(row)
    return rows


def _existing_units(codes: set[str]) -> dict[str, _Known]:
    codes, found = sorted(codes), {}
    for start in range(0, len(codes), _BATCH):
        rows = Unit.objects.filter(code__in=codes[start:start + _BATCH]).values_list(
            "pk", "code", "name", "level", "path", "depth", "geometry", "parent__code")
        found.update((row[1], _Known(*row[:7], parent_code=row[7] or "")) for row in rows)
    return found


def _check_against_tree(row: _Row, by_code, known, actor, root, report: ImportReport) -> None:
    existing = row.existing
    if existing is not None:
        if actor is not None and not unit_in_scope(actor, existing):
            report.reject(row.line, _("The code %(code)s is already used outside your jurisdiction.")
                          % {"code": row.code})
            return
        current_parent = existing.parent_code
        if row.parent_code and row.parent_code != current_parent:
            report.reject(row.line, _("The node %(code)s exists under %(current)s; an import does not move nodes.")
                          % {"code": row.code, "current": current_parent or "—"})
        if row.level is not None and row.level != existing.level:
            report.reject(row.line, _("The node %(code)s exists at level %(level)s; an import does not change "
                                      "levels.") % {"code": row.code, "level": Level(existing.level).label})
        return

    if not row.parent_code:
        if root is None:
            if actor is not None:
                report.reject(row.line, _("The parent code is empty; only the system can create a root node."))
            return
        row.parent_unit = root
        parent_level = root.level
    elif row.parent_code in by_code:
        row.parent_row = by_code[row.parent_code]
        row.parent_unit = row.parent_row.existing
        parent_level = row.parent_row.level
    elif row.parent_code in known:
        row.parent_unit = known[row.parent_code]
        if actor is not None and not unit_in_scope(actor, row.parent_unit):
            report.reject(row.line, _("The parent %(code)s is outside your jurisdiction.")
                          % {"code": row.parent_code})
            return
        parent_level = row.parent_unit.level
    else:
        report.reject(row.line, _("Unknown parent code %(code)s (neither in the file nor in the tree).")
                      % {"code": row.parent_code})
        return
    if row.level is not None and parent_level is not None and row.level <= parent_level:
        report.reject(row.line, _("A %(child)s cannot sit under a %(parent)s.")
                      % {"child": Level(row.level).label, "parent": Level(parent_level).label})


def _generations(rows: list[_Row], report: ImportReport) -> list[list[_Row]]:
    """New rows grouped by distance from a node that already exists: a parent is always a generation earlier.

    Walks up iteratively (no recursion, so a 50k-deep chain cannot blow the stack) and rejects cycles.
    """
    generations: list[list[_Row]] = []
    for start in rows:
        if start.existing is not None or start.generation is not None:
            continue
        chain, on_chain, node = [], set(), start
        while node is not None and node.existing is None and node.generation is None:
            if node.code in on_chain:
                cycle = chain[[member.code for member in chain].index(node.code):]
                for member in cycle:
                    report.reject(member.line, _("The parent codes of this row form a cycle."))
                node = None
                break
            on_chain.add(node.code)
            chain.append(node)
            node = node.parent_row
        generation = node.generation if node is not None and node.generation is not None else -1
        for member in reversed(chain):
            generation += 1
            member.generation = generation
            while len(generations) <= generation:
                generations.append([])
            generations[generation].append(member)
    return generations


_PLACEHOLDER = "~import/"


def _write(rows: list[_Row], generations: list[list[_Row]], report: ImportReport, progress) -> None:
    changed = []
    for row in rows:
        existing = row.existing
        if existing is None:
            continue
        geometry = row.geometry if row.has_geometry else existing.geometry
        if existing.name != row.name or existing.geometry != geometry:
            changed.append(Unit(pk=existing.pk, name=row.name, geometry=geometry))
    Unit.objects.bulk_update(changed, ["name", "geometry"], batch_size=_BATCH)
    report.updated = len(changed)
    # Rows of existing nodes are written with the update above.
    updated_rows = sum(1 for row in rows if row.existing is not None)
    progress(updated_rows)

    for generation in generations:
        units, parents = [], []
        for row in generation:
            parent = row.parent_row.unit or row.parent_row.existing if row.parent_row else row.parent_unit
            row.unit = Unit(parent_id=parent.pk if parent else None, level=row.level, name=row.name, code=row.code,
                            geometry=row.geometry, path=f"{_PLACEHOLDER}{row.code}/",
                            depth=parent.depth + 1 if parent else 0)
            parents.append(parent)
            units.append(row.unit)
        Unit.objects.bulk_create(units, batch_size=_BATCH)
        # One UPDATE per generation: each new node takes its parent's (already final) path plus its own id.
        parent_path = Subquery(Unit.objects.filter(pk=OuterRef("parent_id")).values("path")[:1])
        Unit.objects.filter(subtree_q("path", _PLACEHOLDER)).update(
            path=Concat(Coalesce(parent_path, Value("/")), Cast("id", CharField()), Value("/"),
                        output_field=CharField())
        )
        for unit, parent in zip(units, parents, strict=True):
            unit.path = child_path(parent.path if parent else "", unit.pk)
        report.created += len(units)
        progress(updated_rows + report.created)


def tree_csv_row(*, code: str, parent_code: str | None, level: int, name: str, geometry) -> list[str]:
    return [code, parent_code or "", str(level), name,
            json.dumps(geometry, ensure_ascii=False, separators=(",", ":")) if geometry else ""]


# --- Responsibility (四方责任, 责任到人) ------------------------------------------------------------------

_PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")


@transaction.atomic
def responsibility_assign(*, unit: Unit, role: str, name: str, phone: str = "", user=None, household=None,
                          actor) -> Responsibility:
    """Name someone answerable for `unit` (or for one household under it) in `role`."""
    unit = Unit.objects.get(pk=unit.pk)
    ensure_unit_in_scope(actor, unit, app_label="territory")
    errors = {}
    if role not in Responsibility.Role.values:
        errors["role"] = _("Unknown role “%(role)s”.") % {"role": role}
    name = (name or "").strip() or (str(user) if user is not None else "")
    if not name:
        errors["name"] = _("Enter the name of the person responsible.")
    elif len(name) > Responsibility._meta.get_field("name").max_length:
        errors["name"] = _("The name is too long.")
    phone = re.sub(r"[\s]", "", phone or "")
    if phone and not _PHONE.match(phone):
        errors["phone"] = _("Enter an 11-digit mobile number or a landline with its area code.")
    if user is not None and not _user_may_answer_for(user, unit, actor):
        errors["user"] = _("This user is not in your jurisdiction.")
    if household is not None and not is_within(household.unit.path, unit.path):
        errors["household"] = _("This household is not under %(unit)s.") % {"unit": unit.name}
    if errors:
        raise ValidationError(errors)
    if Responsibility.objects.filter(unit=unit, role=role, household=household, name=name, phone=phone).exists():
        raise ValidationError({"name": _("%(name)s already has this role here.") % {"name": name}})
    responsibility = Responsibility.objects.create(unit=unit, role=role, name=name, phone=phone, user=user,
                                                   household=household)
    audit_record(actor=actor, obj=responsibility, action="assign", unit_path=unit.path,
                 changes={"role": (None, role), "name": (None, name), "phone": (None, mask_phone(phone)),
                          "household": (None, household.pk if household else None),
                          "user": (None, user.pk if user else None)})
    return responsibility


def _user_may_answer_for(user, unit: Unit, actor) -> bool:
    """An account linked to a responsibility works inside the actor's jurisdiction, or above the unit."""
    if not user.is_active or not user.scope_id:
        return False
    return actor is None or is_within(user.scope_path, actor.scope_path) or is_within(unit.path, user.scope_path)


@transaction.atomic
def responsibility_remove(*, responsibility: Responsibility, actor) -> None:
    responsibility = Responsibility.objects.select_related("unit").select_for_update().get(pk=responsibility.pk)
    ensure_unit_in_scope(actor, responsibility.unit, app_label="territory")
    audit_record(actor=actor, obj=responsibility, action="remove", unit_path=responsibility.unit.path,
                 changes={"role": (responsibility.role, None), "name": (responsibility.name, None),
                          "phone": (mask_phone(responsibility.phone), None)})
    responsibility.delete()
