"""Samples (one person's swab in a tube), scoped as testing scopes them (lab staff: the tubes sent to their labs).

testing has no scoped list selector of samples; Sample.objects.visible_to is the one the app's own reads use."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.core.paths import subtree_q
from fangkong.exports.sources import Column, Source, node_path, one_of, positive_int, register
from fangkong.testing.models import Result, Sample, Tube


def _samples(*, user, filters: dict):
    qs = Sample.objects.visible_to(user, "view")
    if filters.get("round"):
        qs = qs.filter(round_id=filters["round"])
    if filters.get("result"):
        qs = qs.filter(tube__result=filters["result"])
    if filters.get("status"):
        qs = qs.filter(tube__status=filters["status"])
    if filters.get("node"):
        path = node_path(user, filters["node"])
        qs = qs.filter(subtree_q("unit__path", path)) if path else qs.none()
    return qs


SOURCE = register(Source(
    code="samples",
    label=_("Samples"),
    capability="testing.view",
    model=Sample,
    queryset=_samples,
    filters={"round": positive_int, "result": one_of(Result.values), "status": one_of(Tube.Status.values),
             "node": positive_int},
    columns=(
        Column("id", pgettext_lazy("exports", "Record number"), "pk", type="int"),
        Column("round", pgettext_lazy("exports", "Testing round"), "round__code"),
        Column("tube", pgettext_lazy("exports", "Tube code"), "tube__code"),
        Column("name", pgettext_lazy("exports", "Name"), "name", identifying="name"),
        Column("id_number", pgettext_lazy("exports", "ID number"), "id_number", identifying="id_number"),
        Column("phone", pgettext_lazy("exports", "Phone"), "phone", identifying="phone"),
        Column("node", pgettext_lazy("exports", "Jurisdiction node"), "unit__name"),
        Column("sampled_at", pgettext_lazy("exports", "Sampled at"), "sampled_at", type="datetime"),
        Column("tube_status", pgettext_lazy("exports", "Tube status"), "tube__status", choices=True),
        Column("result", pgettext_lazy("exports", "Result"), "tube__result", choices=True),
        Column("tested_at", pgettext_lazy("exports", "Tested at"), "tube__tested_at", type="datetime"),
    ),
))
