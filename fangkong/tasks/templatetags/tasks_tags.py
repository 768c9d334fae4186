from datetime import timedelta

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from fangkong.tasks.kinds import find_kind, kind_label
from fangkong.tasks.presenters import subject_label

register = template.Library()


@register.filter
def task_kind(task_or_code) -> str:
    code = getattr(task_or_code, "kind", task_or_code)
    return kind_label(code)


@register.filter
def outcome_label(task) -> str:
    kind = find_kind(task.kind)
    outcome = kind.outcome(task.outcome) if kind and task.outcome else None
    return outcome.label if outcome else task.outcome


@register.simple_tag
def task_subject(task, user) -> str:
    return subject_label(task, user)


@register.filter
def duration(value: timedelta | None) -> str:
    if value is None:
        return "—"
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    return _("%(m)d min") % {"m": minutes}


@register.filter
def longer_than(value: timedelta | None, limit: timedelta | None) -> bool:
    return value is not None and limit is not None and value > limit


@register.filter
def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


_ACTIONS = {
    "create": _lazy("Created"),
    "accept": _lazy("Accepted"),
    "complete": _lazy("Completed"),
    "fail": _lazy("Marked as failed"),
    "cancel": _lazy("Cancelled"),
    "reassign": _lazy("Reassigned"),
    "escalate": _lazy("Escalated"),
}


@register.filter
def audit_action(action: str) -> str:
    return _ACTIONS.get(action, action)
