"""The inflection-point target (拿下拐点): the day a node's HQ means to have new cases falling by, set on the
dashboard by a user with command.report over the node, read by the dashboard and the daily report."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.scope import acting_user, ensure_may
from fangkong.audit.services import audit_record
from fangkong.command import analysis
from fangkong.command.models import InflectionTarget
from fangkong.territory.models import Unit

MAX_DAYS_AHEAD = 180


def target_of(unit: Unit) -> InflectionTarget | None:
    """The node's own target, else the nearest one above it (the city's is the city-wide target)."""
    targets = {t.unit_id: t for t in InflectionTarget.objects.filter(unit_id__in=unit.ancestor_ids)
               .select_related("unit", "set_by")}
    return next((targets[pk] for pk in reversed(unit.ancestor_ids) if pk in targets), None)


def target_status(unit: Unit, node_analysis: dict | None, *, today: datetime.date | None = None) -> dict | None:
    """None without a target; else analysis.target_lines' figures with the target row (own or inherited)."""
    target = target_of(unit)
    if target is None:
        return None
    today = today or timezone.localdate()
    status = analysis.target_lines(target=target.target_date, today=today,
                                   trend=(node_analysis or {}).get("trend"))
    return status | {"row": target, "own": target.unit_id == unit.pk, "note": target.note}


def target_set(*, unit: Unit, target_date, note: str = "", actor) -> InflectionTarget:
    ensure_may(actor, "command.report", unit)
    today = timezone.localdate()
    if not isinstance(target_date, datetime.date):
        raise ValidationError({"target_date": _("Enter the target date as YYYY-MM-DD.")})
    if target_date < today:
        raise ValidationError({"target_date": _("The target date cannot be in the past.")})
    if target_date > today + datetime.timedelta(days=MAX_DAYS_AHEAD):
        raise ValidationError({"target_date": _("The target date must be within %(n)d days.") % {
            "n": MAX_DAYS_AHEAD}})
    note = (note or "").strip()
    if len(note) > 200:
        raise ValidationError({"note": _("The note must be at most 200 characters.")})
    with transaction.atomic():
        before = InflectionTarget.objects.select_for_update().filter(unit=unit).first()
        target, _created = InflectionTarget.objects.update_or_create(
            unit=unit, defaults={"target_date": target_date, "note": note, "set_by": acting_user(actor)})
        audit_record(actor=actor, obj=target, action="update" if before else "create", unit_path=unit.path,
                     changes={"target_date": [before.target_date if before else None, target_date],
                              "note": [before.note if before else "", note]})
    return target


def target_clear(*, unit: Unit, actor) -> bool:
    """Drops the node's own target (a target set above it still applies); False when it had none."""
    ensure_may(actor, "command.report", unit)
    with transaction.atomic():
        target = InflectionTarget.objects.select_for_update().filter(unit=unit).first()
        if target is None:
            return False
        audit_record(actor=actor, obj=target, action="delete", unit_path=unit.path,
                     changes={"target_date": [target.target_date, None]})
        target.delete()
    return True
