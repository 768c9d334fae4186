"""Writes of the exports app: queue an export, write it (the background job), keep and expire its file,
save column presets. Every export is logged: ExportLog, the access log (PIPL) and the audit log."""

import logging
import secrets
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fangkong.accounts.roles import has_capability
from fangkong.accounts.scope import ensure_capability
from fangkong.exports import sqlcsv
from fangkong.exports.models import ColumnPreset, ExportLog, Format
from fangkong.exports.presets import default_columns
from fangkong.exports.rows import column_steps, output_type, row_batches
from fangkong.exports.sources import Source, get_source
from fangkong.exports.writers import WRITERS
from fangkong.ops.models import Job
from fangkong.ops.progress import no_progress

logger = logging.getLogger(__name__)

JOB_KIND = "export"


def exports_dir() -> Path:
    path = Path(getattr(settings, "EXPORTS_DIR", settings.DATA_DIR / "exports"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def retention_days() -> int:
    return int(getattr(settings, "EXPORTS_RETENTION_DAYS", 7))


def _ensure_may_export(actor, source: Source) -> None:
    """Lacking exports.run or the list's own capability: the list is not there for this user (404)."""
    if actor is None or not has_capability(actor, "exports.run") or not has_capability(actor, source.capability):
        raise PermissionDenied(source.capability)


def clean_columns(source: Source, columns) -> list[str]:
    if isinstance(columns, str):
        columns = [c for c in columns.split(",") if c.strip()]
    columns = [str(c).strip() for c in columns or []]
    unknown = [c for c in columns if c not in source.column_keys]
    if unknown:
        raise ValidationError({"columns": _("Unknown columns: %(columns)s") % {"columns": ", ".join(unknown)[:200]}})
    if not columns:
        raise ValidationError({"columns": _("Choose at least one column.")})
    # Stable order: the source's, whatever order they were ticked in; each column once.
    chosen = set(columns)
    return [key for key in source.column_keys if key in chosen]


def _clean_reveal(source: Source, actor, columns: list[str], reveal: bool, reason: str) -> tuple[bool, str]:
    reason = " ".join((reason or "").split())[:200]
    if not reveal:
        return False, reason
    if not has_capability(actor, "people.reveal"):
        raise ValidationError({"reveal": _("You may not export unmasked personal data.")})
    if len(reason) < 2:
        raise ValidationError({"reason": _("Say why you need the personal data unmasked.")})
    identifying = any(source.column(key).identifying for key in columns)
    return identifying, reason


@transaction.atomic
def export_start(*, actor, source_code: str, format: str, params=None, columns=None, reveal: bool = False,
                 reason: str = "") -> ExportLog:
    """Checks everything, then queues the export as a background job. Bad input queues nothing."""
    source = get_source(source_code)
    _ensure_may_export(actor, source)
    if format not in Format.values:
        raise ValidationError({"format": _("Unknown format: %(format)s") % {"format": str(format)[:20]}})
    columns = clean_columns(source, columns if columns is not None else default_columns(source, actor.role))
    try:
        filters = source.clean_filters(params or {})
    except ValidationError as exc:
        raise ValidationError({"filters": exc.messages}) from exc
    revealed, reason = _clean_reveal(source, actor, columns, reveal, reason)
    limit = int(getattr(settings, "EXPORTS_MAX_RUNNING_PER_USER", 3))
    running = ExportLog.objects.filter(user=actor, job__status__in=[Job.Status.QUEUED, Job.Status.RUNNING]).count()
    if running >= limit:
        raise ValidationError(_("You have %(count)d exports running; wait for one to finish.") % {"count": running})
    export = ExportLog.objects.create(
        user=actor, scope_path=actor.scope_path, source=source.code, format=format, filters=filters,
        columns=columns, revealed=revealed, reason=reason, language=translation.get_language() or "",
        expires_at=timezone.now() + timedelta(days=retention_days()),
    )
    from fangkong.ops.services import start_job

    label = _("Export: %(list)s") % {"list": source.label}
    job = start_job(kind=JOB_KIND, label=label, actor=actor, func_path="fangkong.exports.jobs.export_job",
                    kwargs={"export_id": export.pk})
    ExportLog.objects.filter(pk=export.pk).update(job=job)
    export.refresh_from_db()
    return export


def _chunk_size() -> int:
    return max(1, int(getattr(settings, "EXPORTS_CHUNK_SIZE", 5000)))


def export_write(*, export_id: int, progress=no_progress) -> ExportLog:
    """Writes the file of a queued export, batch by batch, reporting progress; then logs what left.

    Runs with the rights the user has now: one who lost them meanwhile gets nothing. A failed or
    cancelled run leaves no file behind; running it again writes it anew."""
    export = ExportLog.objects.select_related("user").get(pk=export_id)
    user = export.user
    source = get_source(export.source)
    _ensure_may_export(user, source)
    if export.revealed:
        ensure_capability(user, "people.reveal")
    columns = [source.column(key) for key in export.columns]
    with translation.override(export.language or settings.LANGUAGE_CODE):
        labels = [str(c.label) for c in columns]
        steps = column_steps(source, columns, revealed=export.revealed)
        expressions = sqlcsv.column_expressions(source, columns, revealed=export.revealed) \
            if export.format == Format.CSV else None
        log_reason = export.reason or _("Line-list export, personal data masked")
    queryset = source.rows_for(user=user, filters=export.filters)
    total = queryset.count()
    progress(0, total)
    name = f"{source.code}-{export.pk}-{secrets.token_hex(6)}.{WRITERS[export.format].extension}"
    path = exports_dir() / name
    try:
        if expressions is not None and sqlcsv.enabled(queryset):
            done = sqlcsv.write_csv(queryset, expressions, path, labels=labels,
                                    progress=lambda rows: progress(rows, max(total, rows)))
        else:
            done = _write_batches(export, queryset, columns, path, labels=labels, steps=steps, progress=progress,
                                  total=total)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    with transaction.atomic():
        _export_finish(export, path=path, rows=done, reason=log_reason)
    return export


def _write_batches(export, queryset, columns, path, *, labels, steps, progress, total) -> int:
    """The Python path: keyset batches through exports.rows and a writer of exports.writers."""
    types = [output_type(c, revealed=export.revealed) for c in columns]
    done = 0
    writer = WRITERS[export.format](path, keys=[c.key for c in columns], labels=labels, types=types, steps=steps)
    try:
        for batch in row_batches(queryset, [c.path for c in columns], chunk_size=_chunk_size()):
            writer.write_batch(batch)
            done += len(batch)
            progress(done, max(total, done))
    finally:
        writer.close()
    return done


def _export_finish(export: ExportLog, *, path: Path, rows: int, reason: str) -> None:
    from fangkong.accounts.models import AccessLog
    from fangkong.accounts.services import access_log_record
    from fangkong.audit.services import audit_record

    export.row_count = rows
    export.file_size = path.stat().st_size
    export.file_name = path.name
    export.finished_at = timezone.now()
    export.save(update_fields=["row_count", "file_size", "file_name", "finished_at"])
    access_log_record(actor=export.user, kind=AccessLog.Kind.EXPORT, obj=export, fields=export.columns,
                      reason=reason, row_count=min(rows, 2**31 - 1))
    audit_record(actor=export.user, obj=export, action="export", unit_path=export.scope_path,
                 changes={"rows": (None, rows), "revealed": (None, export.revealed)},
                 # Filter names only: a search term may be someone's name or phone; ExportLog keeps the values.
                 note=f"{export.source} {export.format} {','.join(sorted(export.filters))}"[:300])


def export_result(export: ExportLog) -> dict:
    """What the ops job page shows when the export is written."""
    message = ngettext("%(count)d row written.", "%(count)d rows written.", export.row_count or 0)
    return {"url": reverse("exports:download", kwargs={"export_id": export.pk}),
            "message": message % {"count": export.row_count or 0}, "export_id": export.pk}


@transaction.atomic
def export_downloaded(*, export: ExportLog, actor) -> ExportLog:
    """Counts a download by the owner (downloads are the owner's only: see selectors.export_get)."""
    if actor is None or actor.pk != export.user_id:
        raise PermissionDenied("not your export")
    ExportLog.objects.filter(pk=export.pk).update(downloads=F("downloads") + 1)
    export.refresh_from_db(fields=["downloads"])
    return export


def exports_expire(*, now=None) -> int:
    """Removes the files kept past their retention; the log rows stay. Safe to run twice."""
    now = now or timezone.now()
    folder = exports_dir()
    removed = 0
    for export in ExportLog.objects.filter(expires_at__lte=now, file_deleted_at__isnull=True).exclude(file_name=""):
        (folder / export.file_name).unlink(missing_ok=True)
        removed += ExportLog.objects.filter(pk=export.pk, file_deleted_at__isnull=True).update(
            file_deleted_at=now, file_name="")
    return removed


# --- column presets -----------------------------------------------------------------------------------


@transaction.atomic
def preset_save(*, actor, source_code: str, name: str, columns, role: str = "") -> ColumnPreset:
    """A user's own preset, or — for someone with accounts.manage — one for every user of a role."""
    source = get_source(source_code)
    _ensure_may_export(actor, source)
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Name the preset.")})
    if len(name) > 60:
        raise ValidationError({"name": _("A preset name has at most 60 characters.")})
    columns = clean_columns(source, columns)
    if role:
        ensure_capability(actor, "accounts.manage")
        from fangkong.accounts.roles import Role

        if role not in Role.values:
            raise ValidationError({"role": _("Unknown role.")})
        preset, _created = ColumnPreset.objects.update_or_create(
            source=source.code, role=role, user=None, name=name, defaults={"columns": columns})
    else:
        preset, _created = ColumnPreset.objects.update_or_create(
            source=source.code, role="", user=actor, name=name, defaults={"columns": columns})
    return preset


@transaction.atomic
def preset_delete(*, actor, preset: ColumnPreset) -> None:
    if preset.user_id is not None:
        if actor is None or actor.pk != preset.user_id:
            raise PermissionDenied("not your preset")
    else:
        ensure_capability(actor, "accounts.manage")
    preset.delete()
