from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.scope import ScopedQuerySet
from fangkong.core.paths import PathField


class AuditEntry(models.Model):
    """One change to a person, status, task or assignment: who, when, before and after."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.BigIntegerField()
    object_repr = models.CharField(max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=30)
    # {"field": [before, after]}; personal fields are stored masked.
    changes = models.JSONField(default=dict)
    note = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    # The unit path of the record at the time of the change, so audit reads are scoped like everything else.
    unit_path = PathField(max_length=255)
    at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path_lookup = "unit_path"

    class Meta:
        indexes = [models.Index(fields=["content_type", "object_id", "at"])]
        ordering = ["-at", "-id"]
