import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.roles import Role
from fangkong.accounts.scope import ScopedQuerySet

# last_used_at is refreshed at most this often, so that API reads do not all write.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=5)


class UserManager(DjangoUserManager.from_queryset(ScopedQuerySet)):
    """create_user() as usual, plus visible_to(): users whose scope node lies in the viewer's subtree."""


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.GRID_WORKER)
    scope = models.ForeignKey(
        "territory.Unit", verbose_name=_("scope"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text=_("The jurisdiction node this user works in; they see its subtree only."),
    )
    display_name = models.CharField(_("name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    objects = UserManager()
    scope_path_lookup = "scope__path"

    @property
    def scope_path(self) -> str | None:
        # Cached per instance: scope checks run many times per request.
        if not hasattr(self, "_scope_path"):
            self._scope_path = self.scope.path if self.scope_id else None
        return self._scope_path

    def __str__(self):
        return self.display_name or self.username


class AccessLogQuerySet(ScopedQuerySet):
    def visible_to(self, user, action: str = "view"):
        rows = super().visible_to(user, action)
        if rows.query.is_empty() or user.scope is None or user.scope.parent_id is not None:
            return rows
        return rows | self.filter(actor__isnull=True)


class AccessLog(models.Model):
    """Every reveal of personal data and every export: who, whom, when, why (PIPL)."""

    class Kind(models.TextChoices):
        REVEAL = "reveal", _("Revealed")
        EXPORT = "export", _("Exported")

    # None for an export run from the shell (`fangkong testing recall`): `operator` names the system user then.
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="access_logs")
    operator = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    content_type = models.ForeignKey(ContentType, null=True, on_delete=models.PROTECT)
    object_id = models.BigIntegerField(null=True)
    object_repr = models.CharField(max_length=200, blank=True)
    fields = models.CharField(max_length=200, blank=True)
    reason = models.CharField(_("reason"), max_length=200)
    row_count = models.PositiveIntegerField(default=1)
    ip = models.GenericIPAddressField(null=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    # AccessLog has no unit of its own: a row is in scope when its actor is; shell exports belong to the city root.
    objects = AccessLogQuerySet.as_manager()
    scope_path_lookup = "actor__scope__path"

    class Meta:
        indexes = [models.Index(fields=["content_type", "object_id"])]
        ordering = ["-at"]


def _token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A device's bearer token. Only its digest is stored; the raw value is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("device"), max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    @classmethod
    def issue(cls, *, user: User, name: str) -> tuple["ApiToken", str]:
        raw = "fk_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, digest=_token_digest(raw), prefix=raw[:8])
        return token, raw

    @classmethod
    def user_for(cls, raw: str) -> User | None:
        token = (
            cls.objects.select_related("user", "user__scope")
            .filter(digest=_token_digest(raw), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if token is None:
            return None
        now = timezone.now()
        if token.last_used_at is None or token.last_used_at < now - TOKEN_TOUCH_INTERVAL:
            cls.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
