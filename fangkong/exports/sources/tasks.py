"""The task backlog of a node (tasks.selectors.backlog): the tasks the user may report on."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.exports.sources import Column, Source, flag, positive_int, register, text
from fangkong.tasks import selectors
from fangkong.tasks.models import Task
from fangkong.territory.models import Unit


def _tasks(*, user, filters: dict):
    unit = None
    if filters.get("unit"):
        unit = Unit.objects.visible_to(user).filter(pk=filters["unit"]).first()
        if unit is None:
            return Task.objects.none()
    return selectors.backlog(user=user, unit=unit, filters=filters)


def _status(raw: str) -> str:
    if raw != "active" and raw not in Task.Status.values:
        raise ValidationError(_g("“%(value)s” is not one of the choices.") % {"value": raw[:40]})
    return raw


SOURCE = register(Source(
    code="tasks",
    label=_("Task backlog"),
    # The backlog page's own capability: it lists every task of a node, not only one's own.
    capability="tasks.report",
    model=Task,
    queryset=_tasks,
    filters={"kind": text, "status": _status, "overdue": flag, "escalated": flag, "unit": positive_int},
    columns=(
        Column("id", pgettext_lazy("exports", "Record number"), "pk", type="int"),
        Column("kind", pgettext_lazy("exports", "Kind"), "kind"),
        Column("title", pgettext_lazy("exports", "Title"), "title"),
        Column("node", pgettext_lazy("exports", "Jurisdiction node"), "unit__name"),
        Column("person", pgettext_lazy("exports", "Person"), "person__name", identifying="name"),
        Column("owner", pgettext_lazy("exports", "Owner"), "owner__display_name"),
        Column("status", pgettext_lazy("exports", "Task status"), "status", choices=True),
        Column("due_at", pgettext_lazy("exports", "Due"), "due_at", type="datetime"),
        Column("created_at", pgettext_lazy("exports", "Created"), "created_at", type="datetime"),
        Column("closed_at", pgettext_lazy("exports", "Closed at"), "closed_at", type="datetime"),
        Column("outcome", pgettext_lazy("exports", "Outcome"), "outcome"),
        Column("escalation_level", pgettext_lazy("exports", "Escalation level"), "escalation_level", type="int"),
    ),
))
