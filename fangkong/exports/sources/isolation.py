"""Stays in centralised isolation, scoped to whoever answers for the site (isolation has no list selector)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.exports.sources import Column, Source, one_of, positive_int, register
from fangkong.isolation.models import Stay


def _stays(*, user, filters: dict):
    qs = Stay.objects.visible_to(user, "view")
    if filters.get("site"):
        qs = qs.filter(site_id=filters["site"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    return qs


SOURCE = register(Source(
    code="stays",
    label=_("Isolation stays"),
    capability="isolation.view",
    model=Stay,
    queryset=_stays,
    filters={"site": positive_int, "status": one_of(Stay.Status.values)},
    columns=(
        Column("id", pgettext_lazy("exports", "Record number"), "pk", type="int"),
        Column("name", pgettext_lazy("exports", "Name"), "person__name", identifying="name"),
        Column("id_number", pgettext_lazy("exports", "ID number"), "person__id_number", identifying="id_number"),
        Column("phone", pgettext_lazy("exports", "Phone"), "person__phone", identifying="phone"),
        Column("home", pgettext_lazy("exports", "Home node"), "unit__name"),
        Column("site", pgettext_lazy("exports", "Isolation site"), "site__name"),
        Column("room", pgettext_lazy("exports", "Room"), "room__number"),
        Column("category", pgettext_lazy("exports", "Category"), "category", choices=True),
        Column("status", pgettext_lazy("exports", "Stay status"), "status", choices=True),
        Column("queued_at", pgettext_lazy("exports", "In the queue since"), "queued_at", type="datetime"),
        Column("arrived_at", pgettext_lazy("exports", "Handed over at"), "arrived_at", type="datetime"),
        Column("ended_at", pgettext_lazy("exports", "Left at"), "ended_at", type="datetime"),
    ),
))
