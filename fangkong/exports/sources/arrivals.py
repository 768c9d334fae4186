"""Arrivals, as the arrivals list shows them (arrivals.selectors.arrival_list)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.arrivals import selectors
from fangkong.arrivals.models import Arrival, RiskLevel
from fangkong.exports.sources import Column, Source, one_of, register

CHANNELS = ("checkpoint", "community", "self_report", "coordination_list")


def _arrivals(*, user, filters: dict):
    return selectors.arrival_list(user=user, filters=selectors.ArrivalFilters(
        level=filters.get("level", ""), status=filters.get("status", ""), channel=filters.get("channel", "")))


SOURCE = register(Source(
    code="arrivals",
    label=_("Arrivals"),
    capability="arrivals.view",
    model=Arrival,
    queryset=_arrivals,
    filters={"level": one_of(RiskLevel.values), "status": one_of(Arrival.Status.values), "channel": one_of(CHANNELS)},
    columns=(
        Column("id", pgettext_lazy("exports", "Record number"), "pk", type="int"),
        Column("name", pgettext_lazy("exports", "Name"), "name", identifying="name"),
        Column("id_number", pgettext_lazy("exports", "ID number"), "id_number", identifying="id_number"),
        Column("phone", pgettext_lazy("exports", "Phone"), "phone", identifying="phone"),
        Column("origin", pgettext_lazy("exports", "Origin"), "origin_name"),
        Column("origin_level", pgettext_lazy("exports", "Risk level"), "origin_level", choices=True),
        Column("left_origin_on", pgettext_lazy("exports", "Left the origin on"), "left_origin_on", type="date"),
        Column("arrived_on", pgettext_lazy("exports", "Arrived on"), "arrived_on", type="date"),
        Column("destination", pgettext_lazy("exports", "Destination"), "destination__name"),
        Column("destination_address", pgettext_lazy("exports", "Destination address"), "destination_address",
               identifying="address"),
        Column("status", pgettext_lazy("exports", "Arrival status"), "status", choices=True),
        Column("created_at", pgettext_lazy("exports", "Registered"), "created_at", type="datetime"),
    ),
))
