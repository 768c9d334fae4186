"""Reads for accounts; each starts from visible_to, except a user's own tokens."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from fangkong.accounts.models import AccessLog, ApiToken, User
from fangkong.accounts.scope import get_visible_or_404
from fangkong.territory.models import Level, Unit


@dataclass(frozen=True)
class UserFilters:
    q: str = ""
    role: str = ""


@dataclass(frozen=True)
class AccessLogFilters:
    actor: str = ""
    kind: str = ""
    date_from: date | None = None
    date_to: date | None = None


def user_list(*, user, filters: UserFilters = UserFilters()) -> QuerySet[User]:
    qs = User.objects.visible_to(user, "manage").select_related("scope")
    if filters.q:
        qs = qs.filter(Q(username__icontains=filters.q) | Q(display_name__icontains=filters.q))
    if filters.role:
        qs = qs.filter(role=filters.role)
    return qs


def user_get(*, user, pk: int) -> User:
    return get_visible_or_404(User.objects.select_related("scope"), user=user, action="manage", pk=pk)


def scope_choices(*, user) -> QuerySet[Unit]:
    """Nodes an admin may grant: their own subtree, down to grids (nobody is scoped to one building)."""
    return Unit.objects.visible_to(user, "view").filter(level__lte=Level.GRID).order_by("path")


def locked_usernames(usernames) -> set[str]:
    limit = settings.AXES_FAILURE_LIMIT
    return set(
        AccessAttempt.objects.filter(username__in=list(usernames), failures_since_start__gte=limit)
        .values_list("username", flat=True)
    )


def token_list(*, user) -> QuerySet[ApiToken]:
    """A user's own device tokens; nobody lists anyone else's."""
    if user is None or not user.is_authenticated:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at")


def token_get(*, user, pk: int) -> ApiToken:
    token = token_list(user=user).filter(pk=pk).first()
    if token is None:
        raise Http404
    return token


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def access_log_list(*, user, filters: AccessLogFilters = AccessLogFilters()) -> QuerySet[AccessLog]:
    """Reveals and exports by actors inside the viewer's scope, newest first."""
    qs = AccessLog.objects.visible_to(user, "view_access_log").select_related("actor", "actor__scope",
                                                                              "content_type")
    if filters.actor:
        qs = qs.filter(actor__username=filters.actor)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.date_from:
        qs = qs.filter(at__gte=_day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(at__lt=_day_start(filters.date_to + timedelta(days=1)))
    return qs
