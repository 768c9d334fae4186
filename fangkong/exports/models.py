"""Export jobs and what they let out (ExportLog), and saved column choices (ColumnPreset)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.accounts.roles import Role
from fangkong.accounts.scope import ScopedQuerySet
from fangkong.core.paths import PathField


class Format(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", _("Excel (XLSX)")
    PARQUET = "parquet", "Parquet"


class ExportLog(models.Model):
    """One export a user asked for: the list, its filter, columns, masked or not, and — once written — how
    many rows and bytes left. The file itself is kept for EXPORTS_RETENTION_DAYS, for its owner only."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("exported by"))
    # The user's scope when they exported: HQ reads the log of its subtree.
    scope_path = PathField(max_length=255, db_index=True)
    source = models.CharField(_("list"), max_length=20)
    format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    filters = models.JSONField(_("filter"), default=dict, blank=True)
    columns = models.JSONField(_("columns"), default=list)
    revealed = models.BooleanField(_("unmasked"), default=False)
    reason = models.CharField(pgettext_lazy("exports", "reason"), max_length=200, blank=True)
    language = models.CharField(max_length=10, blank=True)
    job = models.ForeignKey("ops.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    row_count = models.PositiveBigIntegerField(_("rows"), null=True, blank=True)
    file_size = models.PositiveBigIntegerField(_("file size"), null=True, blank=True)
    # Relative to EXPORTS_DIR; "" until written, and again once the retention job removed the file.
    file_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(pgettext_lazy("exports", "asked at"), auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(_("written at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("kept until"))
    file_deleted_at = models.DateTimeField(null=True, blank=True)
    downloads = models.PositiveIntegerField(_("downloads"), default=0)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "scope_path"

    class Meta:
        verbose_name = _("export")
        indexes = [models.Index(fields=["user", "id"]), models.Index(fields=["expires_at"])]

    def __str__(self):
        return f"{self.source} #{self.pk}"

    @property
    def is_downloadable(self) -> bool:
        return bool(self.file_name) and self.file_deleted_at is None

    @property
    def state(self) -> str:
        """queued, running, succeeded, failed, cancelled (the job's), or expired once the file is removed."""
        if self.file_deleted_at is not None:
            return "expired"
        return self.job.status if self.job_id else "queued"

    @property
    def state_label(self) -> str:
        if self.file_deleted_at is not None:
            return str(pgettext_lazy("exports", "Removed"))
        return self.job.get_status_display() if self.job_id else str(pgettext_lazy("exports", "Queued"))

    @property
    def source_label(self) -> str:
        from fangkong.exports.sources import all_sources

        return next((str(s.label) for s in all_sources() if s.code == self.source), self.source)


class ColumnPreset(models.Model):
    """A named choice of columns for one list: a role's (set by an admin) or a user's own."""

    source = models.CharField(_("list"), max_length=20)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+")
    name = models.CharField(pgettext_lazy("exports", "name"), max_length=60)
    columns = models.JSONField(_("columns"), default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("column preset")
        constraints = [
            models.CheckConstraint(
                condition=(Q(role="") & Q(user__isnull=False)) | (~Q(role="") & Q(user__isnull=True)),
                name="exports_preset_role_xor_user"),
            models.UniqueConstraint(fields=["source", "role", "name"], condition=Q(user__isnull=True),
                                    name="exports_preset_unique_role_name"),
            models.UniqueConstraint(fields=["source", "user", "name"], condition=Q(user__isnull=False),
                                    name="exports_preset_unique_user_name"),
        ]

    def __str__(self):
        return self.name
