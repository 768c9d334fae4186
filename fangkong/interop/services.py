"""Writes of interop. The lab inbox lives in lab_inbox.py; here: the DHIS2 mapping and pushes."""

import datetime
import logging

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.accounts.scope import acting_user, ensure_capability, ensure_may
from fangkong.audit.services import audit_record
from fangkong.interop import dhis2, selectors
from fangkong.interop.models import DataElementMapping, Dhis2Push, OrgUnitMapping

logger = logging.getLogger(__name__)


def _uid(value: str, field: str, *, required: bool = True) -> str:
    value = (value or "").strip()
    if not value and not required:
        return ""
    if not dhis2.UID.match(value):
        raise ValidationError({field: _("“%(value)s” is not a DHIS2 UID: 11 letters and digits, starting with a "
                                        "letter.") % {"value": value[:20]}})
    return value


@transaction.atomic(durable=True)
def data_element_set(*, figure: str, data_element: str, category_option_combo: str = "",
                     actor) -> DataElementMapping | None:
    """Maps a figure to a data element; an empty data element removes the mapping."""
    ensure_capability(actor, "interop.dhis2")
    if figure not in dhis2.figure_keys():
        raise ValidationError({"figure": _("Unknown figure %(figure)s.") % {"figure": figure[:60]}})
    if not (data_element or "").strip():
        DataElementMapping.objects.filter(figure=figure).delete()
        return None
    mapping, _created = DataElementMapping.objects.update_or_create(
        figure=figure, defaults={"data_element": _uid(data_element, "data_element"),
                                 "category_option_combo": _uid(category_option_combo, "category_option_combo",
                                                               required=False)})
    return mapping


@transaction.atomic(durable=True)
def org_unit_set(*, unit, org_unit: str, actor) -> OrgUnitMapping | None:
    """Maps a node to a DHIS2 organisation unit (a UID, or a code under DHIS2_ORG_UNIT_ID_SCHEME=CODE); empty
    removes the mapping."""
    ensure_may(actor, "interop.dhis2", unit)
    value = (org_unit or "").strip()
    if not value:
        OrgUnitMapping.objects.filter(unit=unit).delete()
        return None
    if getattr(settings, "DHIS2_ORG_UNIT_ID_SCHEME", "UID") == "UID":
        value = _uid(value, "org_unit")
    elif len(value) > 50:
        raise ValidationError({"org_unit": _("An organisation unit code has at most 50 characters.")})
    mapping, _created = OrgUnitMapping.objects.update_or_create(unit=unit, defaults={"org_unit": value})
    audit_record(actor=actor, obj=mapping, action="map", unit_path=unit.path, changes={"org_unit": (None, value)})
    return mapping


def data_value_set(*, day: datetime.date, user=None) -> dhis2.DataValueSet:
    """The day's dataValueSet over the nodes the user may map (all of them for the system)."""
    return dhis2.build(day=day, data_elements=selectors.data_element_mappings(),
                       org_units=selectors.org_unit_mappings(user=user))


def dhis2_push(*, day: datetime.date, actor=None) -> Dhis2Push:
    """Builds the day's dataValueSet and sends it to settings.DHIS2_URL, recording DHIS2's import summary. With no
    DHIS2 configured the payload is kept, not sent. A failed send is recorded and raised (the job retries)."""
    if actor is not None:
        ensure_capability(actor, "interop.dhis2")
    built = data_value_set(day=day)
    push = Dhis2Push(day=day, payload=built.payload, snapshot_taken_at=built.snapshot_taken_at,
                     pushed_by=acting_user(actor))
    if not built.payload["dataValues"]:
        push.status, push.error = Dhis2Push.Status.FAILED, _("Nothing to send: map figures and nodes first, and "
                                                            "wait for the dashboard's figures.")
        push.save()
        return push
    if not dhis2.configured():
        push.status = Dhis2Push.Status.KEPT
        push.save()
        return push
    try:
        summary = dhis2.send(built.payload)
    except (httpx.HTTPError, ValueError) as exc:
        push.status, push.error = Dhis2Push.Status.FAILED, f"{type(exc).__name__}: {exc}"[:500]
        push.save()
        logger.warning("DHIS2 push of %s failed: %s", day, push.error)
        raise
    push.status = Dhis2Push.Status.SENT if summary.status.upper() != "ERROR" else Dhis2Push.Status.FAILED
    push.imported, push.updated, push.ignored, push.deleted = (summary.imported, summary.updated, summary.ignored,
                                                               summary.deleted)
    push.conflicts, push.error = summary.conflicts or [], summary.description if push.status == "failed" else ""
    push.save()
    return push
