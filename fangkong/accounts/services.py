"""Writes for users, API tokens and the access log."""

import re

from axes.utils import reset as axes_reset
from django.contrib.auth.password_validation import validate_password
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.models import AccessLog, ApiToken, User
from fangkong.accounts.roles import Role
from fangkong.accounts.scope import ensure_capability
from fangkong.audit.services import audit_record
from fangkong.core.paths import is_within

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
USERNAME_RE = re.compile(r"^[\w.@+-]{3,150}$")


def _ensure_manages(actor, user: User) -> None:
    """An admin acts only on users whose scope lies inside their own; anything else looks missing."""
    if actor is None:
        return
    ensure_capability(actor, "accounts.manage")
    if not User.objects.visible_to(actor, "manage").filter(pk=user.pk).exists():
        raise PermissionDenied("outside your jurisdiction")


def _clean_phone(phone: str) -> str:
    phone = (phone or "").strip().replace(" ", "").replace("-", "")
    if phone and not PHONE_RE.match(phone):
        raise ValidationError({"phone": _("A mobile number has 11 digits and starts with 1.")})
    return phone


@transaction.atomic
def user_create(*, username: str, password: str, role: str, scope, actor, display_name: str = "",
                phone: str = "") -> User:
    """A new account. An admin can only grant a scope node inside their own scope."""
    ensure_capability(actor, "accounts.manage")
    username = (username or "").strip()
    errors = {}
    if not USERNAME_RE.match(username):
        errors["username"] = _("A username has 3 to 150 letters, digits or the characters . @ + - _.")
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = _("The username %(username)s is already taken.") % {"username": username}
    if role not in Role.values:
        errors["role"] = _("Choose a role from the list.")
    if scope is None:
        errors["scope"] = _("Choose the jurisdiction node this user works in.")
    elif actor is not None and not (actor.scope_path and is_within(scope.path, actor.scope_path)):
        errors["scope"] = _("You can only grant a node inside your own jurisdiction.")
    try:
        phone = _clean_phone(phone)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    user = User(username=username, role=role, scope=scope, display_name=(display_name or "").strip(), phone=phone)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.save()
    audit_record(actor=actor, obj=user, action="create", unit_path=scope.path,
                 changes={"username": (None, username), "role": (None, role), "scope": (None, scope.name)})
    return user


@transaction.atomic
def user_deactivate(*, user: User, actor) -> User:
    """The user can no longer log in, and their API tokens stop working (ApiToken.user_for needs is_active)."""
    _ensure_manages(actor, user)
    if actor is not None and actor.pk == user.pk:
        raise ValidationError(_("You cannot deactivate your own account."))
    if not user.is_active:
        return user
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit_record(actor=actor, obj=user, action="deactivate", unit_path=user.scope_path or "/",
                 changes={"is_active": (True, False)})
    return user


@transaction.atomic
def user_unlock(*, user: User, actor) -> int:
    """Clears the login lockout (django-axes) for this username; returns how many failures were cleared."""
    _ensure_manages(actor, user)
    cleared = axes_reset(username=user.username)
    audit_record(actor=actor, obj=user, action="unlock", unit_path=user.scope_path or "/",
                 note=f"{cleared} failed attempts cleared")
    return cleared


@transaction.atomic
def user_profile_update(*, user: User, display_name: str, phone: str, actor) -> User:
    """A user edits their own name and phone."""
    if actor is None or actor.pk != user.pk:
        raise PermissionDenied("own profile only")
    display_name = (display_name or "").strip()
    if len(display_name) > 50:
        raise ValidationError({"display_name": _("A name has at most 50 characters.")})
    user.display_name = display_name
    user.phone = _clean_phone(phone)
    user.save(update_fields=["display_name", "phone"])
    return user


@transaction.atomic
def token_issue(*, user: User, name: str, actor) -> tuple[ApiToken, str]:
    """A device token for `user`; the raw value is returned once and never stored."""
    if actor is not None and actor.pk != user.pk:
        raise PermissionDenied("own tokens only")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Name the device, e.g. “Zhang's phone”.")})
    if len(name) > 100:
        raise ValidationError({"name": _("A device name has at most 100 characters.")})
    return ApiToken.issue(user=user, name=name)


@transaction.atomic
def token_revoke(*, token: ApiToken, actor) -> ApiToken:
    """The owner revokes their own token; an admin may revoke tokens of users in their scope."""
    if actor is not None and actor.pk != token.user_id:
        _ensure_manages(actor, token.user)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def access_log_record(*, actor, kind: str, obj=None, fields: str | list | tuple = "", reason: str,
                      ip: str | None = None, row_count: int = 1, operator: str = "") -> AccessLog:
    """One reveal or export of personal data (PIPL): who, whom, what, why. Call it in the same transaction.

    actor=None only for a shell command, which names the system user running it in `operator`."""
    if kind not in AccessLog.Kind.values:
        raise ValueError(f"unknown access kind {kind!r}")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason.")})
    if actor is None and not operator:
        raise ValueError("an access without an account must name its operator")
    if isinstance(fields, list | tuple):
        fields = ",".join(fields)
    return AccessLog.objects.create(
        actor=actor,
        operator=operator[:100],
        kind=kind,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False) if obj is not None else None,
        object_id=obj.pk if obj is not None else None,
        object_repr=str(obj)[:200] if obj is not None else "",
        fields=fields[:200],
        reason=reason[:200],
        row_count=row_count,
        ip=ip or None,
    )


def access_log_redact(*, model, object_ids) -> int:
    """PIPL erasure: reveals and exports of these objects stay logged (who, when, why), without the name."""
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
    return AccessLog.objects.filter(content_type=content_type, object_id__in=list(object_ids)).update(object_repr="")

