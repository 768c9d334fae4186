"""Public notices (通告) of the HQ or a district, applying to territory nodes and their subtrees, versioned;
and the gates of closed compounds (只留一个进出口)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.accounts.scope import ScopedQuerySet


class Notice(models.Model):
    class Status(models.TextChoices):
        PUBLISHED = "published", _("In force")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        SUPERSEDED = "superseded", _("Superseded")

    # The public number (TG + 8 digits) in the notice's address /notices/<number>/.
    number = models.CharField(_("notice number"), max_length=20, unique=True, null=True)
    # The publisher's node: who may edit, withdraw or supersede it.
    unit = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("published by"))
    status = models.CharField(pgettext_lazy("notices", "status"), max_length=10, choices=Status.choices,
                              default=Status.PUBLISHED)
    # The current version's content; every version, this one included, is also in NoticeVersion.
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    effective_at = models.DateTimeField(_("effective from"), db_index=True)
    targets = models.ManyToManyField("territory.Unit", through="NoticeTarget", related_name="+",
                                     verbose_name=_("applies to"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    published_at = models.DateTimeField(_("published"))
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    withdraw_reason = models.CharField(_("reason for withdrawal"), max_length=300, blank=True)
    superseded_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="supersedes", verbose_name=_("superseded by"))
    superseded_at = models.DateTimeField(_("superseded"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        verbose_name = _("public notice")
        indexes = [models.Index(fields=["status", "effective_at"])]

    def __str__(self):
        return f"{self.number} {self.title}"


class NoticeTarget(models.Model):
    """A node the notice applies to, and so to its whole subtree."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="target_rows")
    unit = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notice", "unit"], name="notices_target_once")]
        indexes = [models.Index(fields=["unit", "notice"])]


class NoticeVersion(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    effective_at = models.DateTimeField(_("effective from"))
    # The nodes' names when this version was published ("东城区、西城区").
    target_names = models.CharField(_("applies to"), max_length=500)
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    edited_at = models.DateTimeField(_("published"))

    class Meta:
        ordering = ["notice", "-number"]
        constraints = [models.UniqueConstraint(fields=["notice", "number"], name="notices_version_once")]


class Attachment(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="notices/%Y/%m/")
    name = models.CharField(_("file name"), max_length=150)
    size = models.PositiveIntegerField(_("size"))
    content_type = models.CharField(max_length=100)
    version = models.PositiveSmallIntegerField(_("added in version"), default=1)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["notice", "pk"]

    def __str__(self):
        return self.name


class Gate(models.Model):
    """An entrance of a community or compound, open or closed (只留一个进出口)."""

    unit = models.ForeignKey("territory.Unit", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("community or compound"))
    name = models.CharField(_("name"), max_length=100)
    is_open = models.BooleanField(pgettext_lazy("notices", "open"), default=True)
    since = models.DateTimeField(_("since"))
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "unit__path"

    class Meta:
        verbose_name = _("gate")
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="notices_gate_name_once")]

    def __str__(self):
        return f"{self.unit.name} {self.name}"
