"""Reads of notices: what applies to a node (public, and for residents and staff), the staff's scoped list, one
notice by its public number; and the gates of compounds."""

import datetime

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from fangkong.accounts.scope import get_visible_or_404, may_act
from fangkong.core.paths import path_ids, subtree_q
from fangkong.notices.models import Gate, Notice, NoticeTarget
from fangkong.territory.models import Level, Unit


def notices_for_node(unit: Unit, *, include_inactive: bool = False) -> QuerySet:
    """The notices that apply to `unit`: one of their target nodes is the unit or one of its ancestors. In force
    only, unless `include_inactive` (withdrawn and superseded ones too). Newest effective first. Public data: no
    user is needed, so the residents app can call it for a resident's node."""
    applying = NoticeTarget.objects.filter(unit_id__in=path_ids(unit.path)).values("notice_id")
    rows = Notice.objects.filter(pk__in=applying).select_related("unit")
    if not include_inactive:
        rows = rows.filter(status=Notice.Status.PUBLISHED)
    return rows.order_by("-effective_at", "-pk")


def staff_notices(*, user, status: str = "") -> QuerySet:
    """What a staff user sees under /notices/: the notices that apply to their node (from above), and those
    published or applying anywhere in their scope."""
    if not may_act(user, "notices", "view"):
        return Notice.objects.none()
    scope = user.scope_path
    applying = NoticeTarget.objects.filter(Q(unit_id__in=path_ids(scope)) | subtree_q("unit__path", scope))
    rows = Notice.objects.filter(subtree_q("unit__path", scope) | Q(pk__in=applying.values("notice_id")))
    if status:
        rows = rows.filter(status=status)
    return rows.select_related("unit")


def staff_notice_get(*, user, notice_id: int) -> Notice:
    try:
        return staff_notices(user=user).get(pk=notice_id)
    except Notice.DoesNotExist as exc:
        raise Http404 from exc


def public_notice_get(*, number: str) -> Notice:
    """Any notice ever published, by its public number (withdrawn and superseded ones say so on their page)."""
    return get_object_or_404(Notice.objects.select_related("unit", "superseded_by"), number=number)


def versions(*, notice: Notice) -> list:
    return list(notice.versions.order_by("-number"))


def targets_of(*, notice: Notice) -> list[Unit]:
    return list(Unit.objects.filter(pk__in=notice.target_rows.values("unit_id")).order_by("path"))


def attachments_of(*, notice: Notice) -> list:
    return list(notice.attachments.order_by("pk"))


def attachment_get(*, notice: Notice, position: int):
    files = attachments_of(notice=notice)
    if not 1 <= position <= len(files):
        raise Http404
    return files[position - 1]


def target_choices(*, user, limit: int = 500) -> list[Unit]:
    """Nodes a publisher may name: their scope down to the communities."""
    return list(Unit.objects.visible_to(user).filter(level__lte=Level.COMMUNITY).order_by("path")[:limit])


def public_node_get(*, node: int) -> Unit:
    return get_object_or_404(Unit, pk=node)


# --- gates ------------------------------------------------------------------------------------------------------


def gate_list(*, user, unit: Unit | None = None) -> QuerySet:
    rows = Gate.objects.visible_to(user).select_related("unit")
    if unit is not None:
        rows = rows.filter(subtree_q("unit__path", unit.path))
    return rows.order_by("unit__path", "name")


def gate_get(*, user, gate_id: int) -> Gate:
    return get_visible_or_404(Gate.objects.select_related("unit"), user=user, pk=gate_id)


def gate_units(*, user, unit: Unit | None = None, limit: int = 500) -> list[Unit]:
    """Communities, grids and compounds a gate may be recorded for, in the user's scope."""
    rows = Unit.objects.visible_to(user).filter(level__gte=Level.COMMUNITY)
    if unit is not None:
        rows = rows.filter(subtree_q("path", unit.path))
    return list(rows.order_by("path")[:limit])


def gates_geojson(*, user, unit: Unit, now: datetime.datetime | None = None) -> dict:
    """A FeatureCollection of the gates with coordinates in `unit`'s subtree, for the command map."""
    features = []
    for gate in gate_list(user=user, unit=unit).filter(lat__isnull=False, lng__isnull=False):
        features.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [float(gate.lng), float(gate.lat)]},
            "properties": {"id": gate.pk, "name": gate.name, "unit": gate.unit.name, "unit_id": gate.unit_id,
                           "open": gate.is_open, "since": gate.since.isoformat(), "note": gate.note},
        })
    return {"type": "FeatureCollection", "features": features}
