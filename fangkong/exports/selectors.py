"""Reads of the exports app. An export's file is its owner's alone; the log is for those who read the access log."""

from django.db.models import Q, QuerySet
from django.http import Http404

from fangkong.accounts.roles import has_capability
from fangkong.exports.models import ColumnPreset, ExportLog
from fangkong.exports.presets import PresetChoice, builtin_choices
from fangkong.exports.sources import Source


def export_list(*, user) -> QuerySet[ExportLog]:
    """The user's own exports, newest first (keyset by pk)."""
    if user is None or not user.is_authenticated:
        return ExportLog.objects.none()
    return ExportLog.objects.filter(user=user).select_related("job").order_by("-pk")


def export_get(*, user, export_id: int) -> ExportLog:
    """One of the user's own exports; anyone else's looks missing, whoever they are."""
    export = export_list(user=user).filter(pk=export_id).first()
    if export is None:
        raise Http404
    return export


def export_log_list(*, user, source: str = "", revealed: bool | None = None) -> QuerySet[ExportLog]:
    """Every export of the user's subtree, for holders of accounts.view_access_log; nothing for anyone else."""
    if not has_capability(user, "accounts.view_access_log"):
        return ExportLog.objects.none()
    qs = ExportLog.objects.visible_to(user, "run").select_related("user", "job")
    if source:
        qs = qs.filter(source=source)
    if revealed is not None:
        qs = qs.filter(revealed=revealed)
    return qs.order_by("-pk")


def preset_choices(*, user, source: Source) -> list[PresetChoice]:
    """The built-in choices for the user's role, then presets an admin set for the role, then the user's own."""
    choices = builtin_choices(source, user.role)
    saved = ColumnPreset.objects.filter(source=source.code).filter(Q(role=user.role, user=None) | Q(user=user))
    for preset in saved.order_by("user_id", "name"):
        columns = [c for c in preset.columns if c in source.column_keys]
        if columns:
            choices.append(PresetChoice(str(preset.pk), preset.name, columns, own=preset.user_id == user.pk))
    return choices


def preset_get(*, user, preset_id: int) -> ColumnPreset:
    preset = ColumnPreset.objects.filter(pk=preset_id).filter(Q(user=user) | Q(role=user.role, user=None)).first()
    if preset is None:
        raise Http404
    return preset
